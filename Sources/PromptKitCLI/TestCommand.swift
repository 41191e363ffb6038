import Analysis
import ArgumentParser
import CoreSupport
import Evaluation
import Foundation
import Project
import Registry

enum TestFormat: String, ExpressibleByArgument, CaseIterable {
    case human, json, junit
}

/// `promptkit test`: runs the `tests:` of prompt files (docs/testing.md).
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run prompt tests: render, ask a model (recorded by default), check the assertions.",
        discussion: """
        Tests live in a prompt file's `tests:` and in its sidecar NAME.tests.yaml. By default they
        answer from recorded outputs (NAME.recorded.json), so CI runs offline and deterministically;
        --provider NAME asks a live provider from `evaluation.providers` in promptkit.yaml instead,
        with retries, a circuit breaker, fallback models, a cost budget and a response cache.

        Exit status: 0 all passed (or the pass rate reached --min-pass-rate), 1 assertion failures,
        2 errors (a test that could not run, a bad test definition, a usage error).

        Examples:
          promptkit test                                  every test in the workspace, recorded outputs
          promptkit test prompts/support --format junit > junit.xml
          promptkit test --provider local --record        ask the live provider, write NAME.recorded.json
          promptkit test --provider openai --min-pass-rate 0.9 --refresh
          promptkit test prompts/triage.prompt.yaml --test "outage is urgent" --format json
          promptkit test --record-results                 store the pass rate in the registry (promotion gates)
        """
    )

    @Argument(help: "Prompt files or folders (default: the current folder).")
    var paths: [String] = []

    @Option(help: "Output format: human, json or junit.")
    var format: TestFormat = .human

    @Option(help: "Answer every test from this provider (`recorded` or a name under evaluation.providers).")
    var provider: String?

    @Option(help: "Run only the test with this exact name.")
    var test: String?

    @Option(help: "Run only tests whose name contains this text.")
    var filter: String?

    @Option(help: "Exit 0 when at least this share of tests passed (0 to 1; default: all must pass).")
    var minPassRate: Double?

    @Flag(help: "Write the answers to each prompt's NAME.recorded.json (needs a live --provider).")
    var record = false

    @Flag(help: "Neither read nor write the response cache.")
    var noCache = false

    @Flag(help: "Ask again and replace cached answers.")
    var refresh = false

    @Flag(help: "Record each prompt version's pass rate in the registry, for promotion gates.")
    var recordResults = false

    @Option(help: "The registry database for --record-results (default: as `promptkit registry`).")
    var db: String?

    @Option(help: "The configuration file (default: promptkit.yaml at the workspace root).")
    var config: String?

    @Option(help: "Tests run at once (default 8; each provider also limits its own requests).")
    var parallel: Int = 8

    @Flag(help: "No colour in human output (NO_COLOR is honoured too).")
    var noColor = false

    func validate() throws {
        if let r = minPassRate, !(0...1).contains(r) { throw ValidationError("--min-pass-rate is a share between 0 and 1 (got \(r))") }
        if noCache && refresh { throw ValidationError("--no-cache and --refresh cannot be combined") }
        if parallel < 1 { throw ValidationError("--parallel must be at least 1") }
        if record && provider == nil { throw ValidationError("--record needs --provider NAME (a live provider to record from)") }
    }

    func run() throws {
        do {
            try runTests()
        } catch let e as UsageError {
            printError("promptkit: \(e.description)")
            throw ExitCode(2)
        }
    }

    func runTests() throws {
        let loaded = try LoadedWorkspace.load(paths: paths.isEmpty ? ["."] : paths, configPath: config)
        let settings = try evaluationSettings(loaded)
        let cwd = FileManager.default.currentDirectoryPath

        var jobs: [TestJob] = []
        var problems: [(path: String, line: Int, column: Int, message: String)] = []
        var recordingPaths: [String: String] = [:]
        for index in loaded.targets {
            let file = loaded.workspace.files[index]
            let sidecarPath = TestSuite.sidecarPath(for: file.path)
            let sidecar = sidecarPath.flatMap { p in FileManager.default.contents(atPath: p).map { (path: p, bytes: Array($0)) } }
            let suite = TestSuite.read(prompt: file.prompt, path: file.path, sidecar: sidecar)
            problems += suite.problems.map { ($0.path, $0.line, $0.column, $0.message) }
            let selected = suite.tests.filter { t in
                (test == nil || t.name == test) && (filter == nil || t.name.contains(filter ?? ""))
            }
            guard !selected.isEmpty else { continue }
            var recorded: RecordedProvider?
            if let rp = Recordings.path(for: file.path) {
                recordingPaths[file.path] = rp
                if let data = FileManager.default.contents(atPath: rp) {
                    do {
                        recorded = RecordedProvider(recordings: try Recordings.parse(Array(data), path: rp), path: rp)
                    } catch {
                        problems.append((rp, 1, 1, error.description))
                    }
                }
            }
            for t in selected { jobs.append(TestJob(file: file, workspace: loaded.workspace, test: t, recorded: recorded)) }
        }
        if let test, jobs.isEmpty, problems.isEmpty { throw UsageError("no test named `\(test)` under \(paths.isEmpty ? "." : paths.joined(separator: " "))") }

        var options = RunOptions()
        options.provider = provider
        options.cacheMode = noCache ? .off : refresh ? .refresh : .normal
        options.record = record
        options.parallelTests = parallel
        var cache: ResponseCache?
        // Only live answers are cached: a recorded-only run leaves no cache file behind.
        let isLive = { (name: String?) in (name ?? "recorded") != "recorded" }
        let asksLiveProvider = provider.map { $0 != "recorded" }
            ?? (isLive(settings.defaultProvider) || isLive(settings.judgeProvider) || jobs.contains { isLive($0.test.provider) })
        if !noCache, asksLiveProvider {
            let path = settings.cachePath.map { $0.hasPrefix("/") ? $0 : loaded.root.appendingPathComponent($0).path }
                ?? loaded.root.appendingPathComponent(ResponseCache.defaultRelativePath).path
            do {
                cache = try ResponseCache(path: path, ttl: settings.cacheTTL)
            } catch {
                printError("promptkit: warning: \(error.description); running without the cache")
            }
        }
        let runner = TestRunner(settings: settings, catalog: loaded.configuration.models, options: options, cache: cache)
        let progress = ProgressLine(enabled: format == .human && isatty(STDERR_FILENO) != 0 && jobs.count > 1)
        let allJobs = jobs
        let report = Self.wait { await runner.run(allJobs) { done, total, outcome in progress.update(done, total, outcome.test.name) } }
        progress.finish()

        if record { try writeRecordings(report, recordingPaths) }
        var registryNotes: [String] = []
        if recordResults { registryNotes = recordInRegistry(report, loaded) }

        let shownProblems = problems.map { (ProjectFiles.relativePath($0.path, to: cwd), $0.line, $0.column, $0.message) }
        switch format {
        case .human: printHuman(report, problems: shownProblems, registryNotes: registryNotes, cwd: cwd)
        case .json: FileHandle.standardOutput.write(Data(JSON.serializedBytes(TestReports.json(report, problems: shownProblems, cwd: cwd), pretty: true) + [0x0A]))
        case .junit: FileHandle.standardOutput.write(Data(TestReports.junit(report, problems: shownProblems, cwd: cwd).utf8))
        }
        if format != .human { for note in registryNotes { printError("promptkit: \(note)") } }

        if report.errors > 0 || !problems.isEmpty { throw ExitCode(2) }
        if report.failed > 0 {
            if let minPassRate, report.passRate >= minPassRate { return }
            throw ExitCode(1)
        }
    }

    func evaluationSettings(_ loaded: LoadedWorkspace) throws -> EvaluationSettings {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let url = config.map { URL(fileURLWithPath: $0, relativeTo: cwd) } ?? loaded.root.appendingPathComponent(Configuration.fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else { return EvaluationSettings() }
        let bytes = Array(data)
        let (settings, problems) = EvaluationSettings.parse(bytes)
        let lineIndex = LineIndex(bytes)
        for p in problems {
            let (line, column) = lineIndex.position(of: p.range.start)
            printError("\(ProjectFiles.relativePath(url.standardizedFileURL.path, to: cwd.standardizedFileURL.path)):\(line):\(column): warning: \(p.message)")
        }
        return settings
    }

    /// Runs async work from this synchronous command (ArgumentParser's root is synchronous; the
    /// runner's tasks never need the main thread, so blocking it is safe).
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            box.value = await body()
            done.signal()
        }
        done.wait()
        guard let value = box.value else { preconditionFailure("the task signalled without a result") }
        return value
    }

    func writeRecordings(_ report: RunReport, _ paths: [String: String]) throws {
        var byFile: [String: [(String, Recordings.Entry)]] = [:]
        var names: [String: String] = [:]
        for o in report.outcomes where !o.recordings.isEmpty {
            byFile[o.promptPath, default: []] += o.recordings.map { ($0.key, $0.entry) }
            names[o.promptPath] = o.promptName
        }
        for (promptPath, entries) in byFile.sorted(by: { $0.key < $1.key }) {
            guard let path = paths[promptPath] else { continue }
            var recordings = Recordings(prompt: names[promptPath])
            if let data = FileManager.default.contents(atPath: path), let existing = try? Recordings.parse(Array(data), path: path) {
                recordings = existing
            }
            for (key, entry) in entries { recordings.set(key, entry) }
            do {
                try Data(recordings.serialized()).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw UsageError("\(path): cannot write the recordings: \(error.localizedDescription)")
            }
            printError("promptkit: recorded \(entries.count) answer\(entries.count == 1 ? "" : "s") in \(ProjectFiles.relativePath(path, to: FileManager.default.currentDirectoryPath))")
        }
    }

    /// Stores each prompt version's pass rate; only for versions published with this exact content.
    func recordInRegistry(_ report: RunReport, _ loaded: LoadedWorkspace) -> [String] {
        var notes: [String] = []
        let dbPath = db ?? ProcessInfo.processInfo.environment["PROMPTKIT_REGISTRY"].flatMap { $0.isEmpty ? nil : $0 }
            ?? loaded.root.appendingPathComponent(SQLiteRegistryStore.defaultRelativePath).path
        var byFile: [String: [TestOutcome]] = [:]
        for o in report.outcomes { byFile[o.promptPath, default: []].append(o) }
        do {
            let registry = Registry(store: try SQLiteRegistryStore(path: dbPath, mode: .readWrite))
            for (path, outcomes) in byFile.sorted(by: { $0.key < $1.key }) {
                guard let file = loaded.workspace.files.first(where: { $0.path == path }),
                      let name = file.prompt.name?.value, let version = file.prompt.version?.value else {
                    notes.append("\(path): not recorded in the registry (the file has no name and version)")
                    continue
                }
                let hash = SHA256.hex(file.bytes)
                guard let published = try? registry.show(name: name, version: version) else {
                    notes.append("\(name)@\(version): not recorded in the registry (not published; `promptkit registry publish` it first)")
                    continue
                }
                guard published.contentHash == hash else {
                    notes.append("\(name)@\(version): not recorded in the registry (the file differs from the published \(version); bump the version and publish)")
                    continue
                }
                let passed = outcomes.filter { $0.status == .passed }.count
                let source = "promptkit test" + (provider.map { " --provider \($0)" } ?? "")
                _ = try registry.recordTest(name: name, version: version, passed: passed, total: outcomes.count, source: source,
                                            actor: Actor.resolve(nil), contentHash: hash)
                notes.append("\(name)@\(version): recorded \(passed)/\(outcomes.count) passed in the registry")
            }
        } catch {
            notes.append("the registry \(dbPath): \(error)")
        }
        return notes
    }

    func printHuman(_ report: RunReport, problems: [(String, Int, Int, String)], registryNotes: [String], cwd: String) {
        let t = Terminal.detect(forceNoColor: noColor)
        var out = ""
        for (path, line, column, message) in problems {
            out += "\(t.paint("error", "31;1")): \(path):\(line):\(column): \(message)\n"
        }
        for o in report.outcomes {
            let mark = switch o.status {
            case .passed: t.paint("✓", "32")
            case .failed: t.paint("✗", "31;1")
            case .error: t.paint("!", "31;1")
            }
            var notes: [String] = []
            if o.cached { notes.append("cached") }
            if o.provider == "recorded" { notes.append("recorded") } else if !o.provider.isEmpty { notes.append(o.provider) }
            if let m = o.model { notes.append(m) }
            if o.attempts > 1 { notes.append("\(o.attempts) attempts") }
            if !o.fallbacks.isEmpty { notes.append("fell back \(o.fallbacks.count)×") }
            if let l = o.latency, !o.cached, o.provider != "recorded" { notes.append(String(format: "%.2f s", l)) }
            out += "\(mark) \(o.promptName) › \(o.test.name)" + (notes.isEmpty ? "" : t.paint("  (\(notes.joined(separator: ", ")))", "2")) + "\n"
            let position = o.test.lineIndex.position(of: o.test.range.start)
            if o.status == .error {
                out += "    \(t.paint("error", "31")): \(o.error ?? "unknown error")\n"
                out += "    --> \(ProjectFiles.relativePath(o.test.path, to: cwd)):\(position.line):\(position.column)\n"
            }
            for a in o.assertions where !a.passed {
                out += "    \(t.paint(a.kind.rawValue, "31")): \(a.message)\n"
            }
            if o.status == .failed {
                out += "    --> \(ProjectFiles.relativePath(o.test.path, to: cwd)):\(position.line):\(position.column)\n"
            }
            if o.staleRecording { out += "    \(t.paint("note", "33")): the recorded answer was given to a different prompt; re-record with --record\n" }
            for f in o.fallbacks { out += "    \(t.paint("note", "33")): fell back from \(f)\n" }
        }
        var summary = "\(report.outcomes.count) test\(report.outcomes.count == 1 ? "" : "s"): \(report.passed) passed, \(report.failed) failed, \(report.errors) error\(report.errors == 1 ? "" : "s")"
        if !report.outcomes.isEmpty { summary += String(format: " (%.1f%%)", report.passRate * 100) }
        var extras: [String] = []
        if report.requests > 0 || report.cacheHits > 0 { extras.append("\(report.requests) request\(report.requests == 1 ? "" : "s"), \(report.cacheHits) from cache") }
        if report.spent > 0 || report.budget != nil {
            extras.append(String(format: "$%.4f spent", report.spent) + (report.budget.map { String(format: " of $%.2f", $0) } ?? ""))
        }
        for (name, n) in report.breakerTrips.sorted(by: { $0.key < $1.key }) { extras.append("`\(name)` breaker opened \(n)×") }
        let stale = report.outcomes.filter(\.staleRecording).count
        if stale > 0 { extras.append("\(stale) stale recording\(stale == 1 ? "" : "s")") }
        out += "\n" + t.bold(summary) + (extras.isEmpty ? "" : " · " + extras.joined(separator: " · ")) + "\n"
        if report.outcomes.isEmpty && problems.isEmpty { out = "no tests found (add `tests:` to a prompt file; see docs/testing.md)\n" }
        for note in registryNotes { out += note + "\n" }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

/// A one-line progress bar on standard error, redrawn in place (only on a terminal).
final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    private let lock = NSLock()
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ done: Int, _ total: Int, _ name: String) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let width = 24
        let filled = total > 0 ? done * width / total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let label = name.count > 40 ? String(name.prefix(39)) + "…" : name
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(bar) \(done)/\(total) \(label)".utf8))
        drawn = true
    }

    func finish() {
        guard enabled, drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
