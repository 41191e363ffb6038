import Analysis
import ArgumentParser
import CoreSupport
import Evaluation
import Foundation
import Project
import PromptSyntax
import Registry

struct FmtCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmt",
        abstract: "Format prompt files and their test sidecars in the canonical style.",
        discussion: """
        Two-space indentation, known keys in schema order, block scalars for multi-line text, \
        comments kept. The formatted text is parsed again and must hold exactly the same data and \
        comments, or the file is left unchanged and reported. See docs/cli.md.

        Exit codes: 0 done (or, with --check, nothing to change); 1 with --check, some file would \
        change; 2 a file could not be formatted or read.

        Examples:
          promptkit fmt                          format every prompt file in the project
          promptkit fmt --check .                in CI: fail when a file is not formatted
          promptkit fmt --check --diff prompts/  show what would change
          promptkit fmt - < a.prompt.yaml        format standard input to standard output
        """
    )

    @Argument(help: "Prompt files, test sidecars (NAME.tests.yaml) or directories; `-` reads standard input and writes standard output. Default: the current directory.")
    var paths: [String] = []

    @Flag(help: "Write nothing; list the files that would change and exit 1 if any would.")
    var check = false

    @Flag(help: "With --check, also print a unified diff of each change.")
    var diff = false

    @Flag(help: "Treat standard input as a test sidecar (NAME.tests.yaml) rather than a prompt file.")
    var stdinIsTests = false

    @Option(help: "Path to promptkit.yaml (default: found from the first path upward).")
    var config: String?

    @Flag(help: "Disable colour (also: NO_COLOR).")
    var noColor = false

    func run() throws {
        do {
            try format()
        } catch let e as UsageError {
            printError("promptkit: \(e.description)")
            throw ExitCode(2)
        }
    }

    private func format() throws {
        let targets = paths.isEmpty ? ["."] : paths
        if targets.contains(FileInput.stdinPath) {
            guard targets.count == 1 else { throw UsageError("`-` (standard input) cannot be combined with other paths") }
            let bytes = try FileInput.read(FileInput.stdinPath)
            switch PromptFormatter.format(bytes, kind: stdinIsTests ? .tests : .prompt) {
            case .success(let out):
                if check {
                    if out != bytes { printError("would reformat <stdin>"); throw ExitCode(1) }
                } else {
                    FileHandle.standardOutput.write(Data(out))
                }
            case .failure(let refusal):
                let (line, column) = LineIndex(bytes).position(of: refusal.range.start)
                printError("<stdin>:\(line):\(column): error: \(refusal.message)")
                throw ExitCode(2)
            }
            return
        }

        let files = try collectFiles(targets)
        let terminal = Terminal.detect(forceNoColor: noColor)
        var changed: [String] = []
        var unchanged = 0
        var failed = 0
        // Files are read and formatted on all cores; reports and writes follow in path order.
        let results: [Result<(bytes: [UInt8], formatted: Result<[UInt8], PromptFormatter.Refusal>), UsageError>] = Parallel.map(files) { file in
            do {
                let bytes = try FileInput.read(file.path)
                    return .success((bytes, PromptFormatter.format(bytes, kind: PromptFormatter.FileKind(path: file.path))))
            } catch let e as UsageError {
                return .failure(e)
            } catch {
                return .failure(UsageError("\(file.shown): \(error)"))
            }
        }
        for ((path, shown), result) in zip(files, results) {
            let (bytes, formatted) = try result.get()
            switch formatted {
            case .failure(let refusal):
                let (line, column) = LineIndex(bytes).position(of: refusal.range.start)
                printError("\(shown):\(line):\(column): \(terminal.severity(.error)): \(refusal.message)")
                failed += 1
            case .success(let out) where out == bytes:
                unchanged += 1
            case .success(let out):
                changed.append(shown)
                if check {
                    print("would reformat \(shown)")
                    if diff { print(Self.diffText(old: bytes, new: out, path: shown, terminal: terminal), terminator: "") }
                } else {
                    try write(out, to: path, shown: shown)
                }
            }
        }
        let verb = check ? "would be reformatted" : "reformatted"
        var summary = "\(changed.count) file\(changed.count == 1 ? "" : "s") \(verb), \(unchanged) file\(unchanged == 1 ? "" : "s") already formatted"
        if failed > 0 { summary += ", \(failed) could not be formatted" }
        printError(summary)
        if failed > 0 { throw ExitCode(2) }
        if check, !changed.isEmpty { throw ExitCode(1) }
    }

    /// Prompt files and their sidecars under the targets (files are taken as given), each once.
    private func collectFiles(_ targets: [String]) throws -> [(path: String, shown: String)] {
        let fm = FileManager.default
        let cwd = URL(fileURLWithPath: fm.currentDirectoryPath)
        let cwdPath = cwd.standardizedFileURL.path
        var seen = Set<String>()
        var files: [(String, String)] = []
        func add(_ url: URL) {
            let path = url.standardizedFileURL.path
            if seen.insert(path).inserted { files.append((path, ProjectFiles.relativePath(path, to: cwdPath))) }
        }
        for target in targets {
            let url = URL(fileURLWithPath: target, relativeTo: cwd).standardizedFileURL
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: url.path, isDirectory: &isDir) else { throw UsageError("\(target): no such file or directory") }
            guard isDir.boolValue else { add(url); continue }
            let root = config.map { URL(fileURLWithPath: $0, relativeTo: cwd).deletingLastPathComponent() } ?? ProjectFiles.findRoot(from: url)
            let (configuration, _) = try LoadedWorkspace.readConfiguration(root: root, configPath: config, cwd: cwd)
            for prompt in ProjectFiles.promptFiles(under: url, root: root, configuration: configuration) {
                add(prompt)
                if let sidecar = TestSuite.companionPath(of: prompt.path, suffix: TestSuite.sidecarSuffix), fm.fileExists(atPath: sidecar) {
                    add(URL(fileURLWithPath: sidecar))
                }
            }
        }
        return files
    }

    /// Replaces the file through a temporary file and a rename, keeping its permissions, so an
    /// interrupted run never leaves a half-written prompt.
    private func write(_ bytes: [UInt8], to path: String, shown: String) throws {
        let fm = FileManager.default
        let permissions = (try? fm.attributesOfItem(atPath: path))?[.posixPermissions]
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
            if let permissions { try? fm.setAttributes([.posixPermissions: permissions], ofItemAtPath: path) }
        } catch {
            throw UsageError("\(shown): cannot be written (\(error.localizedDescription))")
        }
    }

    /// The registry's unified diff (Myers, tested there), coloured on a terminal. Both texts end
    /// in a newline that terminates their last line, so it is not diffed as an empty line.
    static func diffText(old: [UInt8], new: [UInt8], path: String, terminal: Terminal) -> String {
        func text(_ bytes: [UInt8]) -> String {
            let s = String(decoding: bytes, as: UTF8.self)
            return s.hasSuffix("\n") ? String(s.dropLast()) : s
        }
        let diff = UnifiedDiff.make(old: text(old), new: text(new), oldLabel: path, newLabel: path + " (formatted)")
        guard terminal.color else { return diff }
        return diff.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
            let line = String(line)
            if index < 2 { return line }  // the --- and +++ headers
            if line.hasPrefix("@@") { return terminal.paint(line, "36") }
            if line.hasPrefix("-") { return terminal.paint(line, "31") }
            if line.hasPrefix("+") { return terminal.paint(line, "32") }
            return line
        }.joined(separator: "\n")
    }
}
