import CoreSupport
import Evaluation
import Foundation
import LanguageServerProtocol

/// "▶ Run test" and "▶ Run all tests": runs happen in a child `promptkit test --format json`
/// process, so a crash, a hang or a slow network call in a test can never take the server down
/// or block its thread. The child's report comes back through the message queue; failing
/// assertions and errors become diagnostics on the tests (source `promptkit test`) until the
/// file changes.
struct TestRunResult: Sendable {
    let uri: String
    let testName: String?
    /// The parsed `--format json` report, or why there is none.
    let report: Result<Value, TestRunFailure>
}

struct TestRunFailure: Error, Sendable {
    let message: String
}

enum TestProcess {
    /// The longest a run may take before the child is killed.
    static let timeout: TimeInterval = 600

    /// This executable: the server is `promptkit lsp`, so its own binary runs the tests.
    static var executable: String {
        if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return link }
        return CommandLine.arguments.first ?? "promptkit"
    }

    /// Starts the child on a background thread and delivers its result to `queue`.
    static func start(path: String, testName: String?, root: String, uri: String, queue: MessageQueue) {
        Thread.detachNewThread {
            let result = run(path: path, testName: testName, root: root)
            queue.push(.testRunFinished(TestRunResult(uri: uri, testName: testName, report: result)))
        }
    }

    static func run(path: String, testName: String?, root: String) -> Result<Value, TestRunFailure> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["test", "--format", "json", path] + (testName.map { ["--test", $0] } ?? [])
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .failure(TestRunFailure(message: "could not start `promptkit test`: \(error.localizedDescription)"))
        }
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        // Read both pipes to the end before waiting, so a large report cannot fill a pipe and stall the child.
        let errors = PipeDrain(err.fileHandleForReading)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        let errorData = errors.wait()
        if process.terminationReason == .uncaughtSignal {
            return .failure(TestRunFailure(message: "`promptkit test` was stopped (signal \(process.terminationStatus))"
                                           + (process.terminationStatus == SIGTERM ? " after \(Int(timeout)) s" : "")))
        }
        guard let report = try? JSON.parse(Array(data)), report["tests"] != nil else {
            let stderr = String(decoding: errorData.prefix(500), as: UTF8.self)
            return .failure(TestRunFailure(message: "`promptkit test` exited \(process.terminationStatus): \(stderr)"))
        }
        return .success(report)
    }
}

/// A pipe read to its end on a thread of its own.
final class PipeDrain: @unchecked Sendable {
    // Written once by the reading thread before `finished` is signalled, read only after waiting
    // on it: the semaphore orders the two.
    private var data = Data()
    private let finished = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread {
            self.data = handle.readDataToEndOfFile()
            self.finished.signal()
        }
    }

    func wait() -> Data {
        finished.wait()
        return data
    }
}

extension LanguageServer {
    /// The last run's findings for a document (ordered by test name, so publications are stable).
    func testFindings(_ uri: String) -> [LanguageServerProtocol.Diagnostic] {
        (testDiagnostics[uri] ?? [:]).sorted { $0.key < $1.key }.flatMap(\.value)
    }

    /// Lenses over the tests of a prompt file: "▶ Run all tests" on the name line, "▶ Run test"
    /// on each test written in the file.
    func testLenses(_ doc: OpenDocument, at nameLine: LanguageServerProtocol.Range) -> [CodeLens] {
        let sidecarPath = TestSuite.sidecarPath(for: doc.path)
        let sidecar = sidecarPath.flatMap { p in FileManager.default.contents(atPath: p).map { (path: p, bytes: Array($0)) } }
        let suite = TestSuite.read(prompt: doc.parsed.prompt, path: doc.path, sidecar: sidecar)
        guard !suite.tests.isEmpty else { return [] }
        let uri = Value.string(doc.uri)
        var lenses = [CodeLens(range: nameLine, command: Command(title: "▶ Run all tests (\(suite.tests.count))", command: ServerCommand.runTests.rawValue, arguments: [uri]))]
        for test in suite.tests where test.path == doc.path {
            let line = doc.lineIndex.line(containing: test.range.start)
            let at = converter.range(TextRange(start: doc.lineIndex.lineStarts[line], end: doc.lineIndex.lineStarts[line]), doc.lineIndex)
            lenses.append(CodeLens(range: at, command: Command(title: "▶ Run test", command: ServerCommand.runTests.rawValue, arguments: [uri, .string(test.name)])))
        }
        return lenses
    }

    /// `promptkit.runTests` [uri, test?]: starts the run and returns at once.
    func startTestRun(_ doc: OpenDocument, testName: String?) -> Value {
        let root = root?.path ?? URL(fileURLWithPath: doc.path).deletingLastPathComponent().path
        TestProcess.start(path: doc.path, testName: testName, root: root, uri: doc.uri, queue: queue)
        return object(("started", .bool(true)), ("test", testName.map(Value.string) ?? .null))
    }

    /// The child's report: diagnostics on failing tests, a message with the summary.
    func testRunFinished(_ result: TestRunResult) {
        guard let doc = documents[result.uri] else { return }
        switch result.report {
        case .failure(let failure):
            notify("window/showMessage", object(("type", .int(1)), ("message", .string("promptkit test: \(failure.message)"))))
        case .success(let report):
            // File path → test name → its findings.
            var byPath: [String: [String: [LanguageServerProtocol.Diagnostic]]] = [:]
            let cwdRoot = root?.path ?? URL(fileURLWithPath: doc.path).deletingLastPathComponent().path
            for test in report["tests"]?.arrayValue ?? [] {
                guard let file = test["file"]?.stringValue, let name = test["name"]?.stringValue else { continue }
                let path = file.hasPrefix("/") ? file : URL(fileURLWithPath: cwdRoot).appendingPathComponent(file).standardizedFileURL.path
                guard let index = path == doc.path ? doc.lineIndex : lineIndex(forPath: path) ?? FileManager.default.contents(atPath: path).map({ LineIndex(Array($0)) }) else { continue }
                func range(line: Int?) -> LanguageServerProtocol.Range {
                    converter.range(index.lineRange(max(0, (line ?? 1) - 1)), index)
                }
                var findings: [LanguageServerProtocol.Diagnostic] = []
                if test["status"]?.stringValue == "error" {
                    findings.append(LanguageServerProtocol.Diagnostic(
                        range: range(line: test["line"]?.intValue), severity: .error, code: "test-error", codeDescription: nil,
                        source: "promptkit test", message: "test `\(name)` could not run: \(test["error"]?.stringValue ?? "")", relatedInformation: []))
                }
                for a in test["assertions"]?.arrayValue ?? [] where a["passed"] == .bool(false) {
                    findings.append(LanguageServerProtocol.Diagnostic(
                        range: range(line: a["line"]?.intValue), severity: .error, code: a["type"]?.stringValue ?? "assertion",
                        codeDescription: nil, source: "promptkit test",
                        message: "test `\(name)`: \(a["type"]?.stringValue ?? "assertion") failed: \(a["message"]?.stringValue ?? "")", relatedInformation: []))
                }
                byPath[path, default: [:]][name] = findings
            }
            // Replace this file's (and its sidecar's) test diagnostics with the new run's.
            let sidecar = TestSuite.sidecarPath(for: doc.path)
            for path in [doc.path] + (sidecar.map { [$0] } ?? []) {
                let uri = path == doc.path ? doc.uri : DocumentURI.uri(forPath: path)
                if result.testName == nil {
                    testDiagnostics[uri] = byPath[path] ?? [:]
                } else {
                    // One test re-run: the others keep their findings.
                    testDiagnostics[uri, default: [:]].merge(byPath[path] ?? [:]) { $1 }
                }
                if uri == doc.uri {
                    schedule(uri, delay: 0)
                } else {
                    notify("textDocument/publishDiagnostics", object(("uri", .string(uri)), ("diagnostics", .array(testFindings(uri).map(\.json)))))
                }
            }
            let s = report["summary"]
            let passed = s?["passed"]?.intValue ?? 0, total = s?["total"]?.intValue ?? 0
            let failed = s?["failed"]?.intValue ?? 0, errors = s?["errors"]?.intValue ?? 0
            let type = failed + errors == 0 ? 3 : 2
            notify("window/showMessage", object(("type", .int(type)), ("message", .string(
                "promptkit test \(doc.parsed.name ?? ""): \(passed)/\(total) passed" + (failed > 0 ? ", \(failed) failed" : "") + (errors > 0 ? ", \(errors) errors" : "")))))
        }
    }
}
