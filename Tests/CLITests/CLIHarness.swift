import Foundation
import Testing

/// Runs the real `promptkit` binary, as users and CI do.
enum CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        let seconds: Double
    }

    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: URL {
        if let override = ProcessInfo.processInfo.environment["PROMPTKIT_BIN"] { return URL(fileURLWithPath: override) }
        // The test bundle sits in the same build folder as the executable.
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("promptkit")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return repoRoot.appendingPathComponent(".build/debug/promptkit")
    }

    /// Runs with a hang guard: a command still running after `timeout` seconds is killed and
    /// reported as status -9.
    @discardableResult
    static func run(_ args: [String], stdin: Data? = nil, cwd: URL? = nil, env: [String: String] = [:],
                    timeout: Double = 60) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = cwd ?? repoRoot
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        p.standardOutput = outPipe
        p.standardError = errPipe
        p.standardInput = inPipe
        let start = Date()
        try p.run()
        // Drain both pipes concurrently so a large output cannot block the child.
        nonisolated(unsafe) var out = Data(), err = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { out = outPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { err = errPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if let stdin { inPipe.fileHandleForWriting.write(stdin) }
        try? inPipe.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning, Date() < deadline { usleep(10_000) }
        if p.isRunning { p.terminate(); kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        group.wait()
        let seconds = Date().timeIntervalSince(start)
        return Result(status: p.terminationReason == .uncaughtSignal ? -p.terminationStatus : p.terminationStatus,
                      stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self), seconds: seconds)
    }

    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("promptkit-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        // A promptkit.yaml marks the workspace root, so the test does not pick up a parent's files.
        try Data().write(to: url.appendingPathComponent("promptkit.yaml"))
        return url
    }

    static func json(_ s: String) throws -> [String: Any] {
        let obj = try JSONSerialization.jsonObject(with: Data(s.utf8))
        return try #require(obj as? [String: Any])
    }
}
