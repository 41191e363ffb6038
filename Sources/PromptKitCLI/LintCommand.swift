import Analysis
import ArgumentParser
import CoreSupport
import Foundation

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case human, json
}

/// Lint also speaks the CI formats.
enum LintFormat: String, ExpressibleByArgument, CaseIterable {
    case human, json, sarif, github, junit
}

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check prompt files and report problems.",
        discussion: """
        Directories are searched recursively for *.prompt.yaml and *.prompt.yml files (or what the
        `include`/`exclude` globs of promptkit.yaml select). `-` reads one file from standard input.

        Exit status: 0 when no error-severity findings (with --strict: no warnings either),
        1 when there are, 2 on usage or internal errors.

        Examples:
          promptkit lint                         lint the current directory
          promptkit lint prompts/ --strict       fail on warnings too
          cat x.prompt.yaml | promptkit lint -   lint standard input
          promptkit lint --format json .         machine-readable report (docs/cli.md)
          promptkit lint --format sarif > promptkit.sarif   for GitHub code scanning
          promptkit lint --format github         annotations in a GitHub Actions job
          promptkit lint --format junit > lint.xml          for test-report viewers
        """
    )

    @Argument(help: "Files or directories to check (default: the current directory).")
    var paths: [String] = []

    @Option(help: "Output format: human, json, sarif (SARIF 2.1.0), github (workflow commands) or junit (JUnit XML).")
    var format: LintFormat = .human

    @Flag(help: "Exit with status 1 on warnings as well as errors.")
    var strict = false

    @Option(help: "Path to a promptkit.yaml (default: found by walking up from the first path).")
    var config: String?

    @Flag(help: "Disable coloured output (also: NO_COLOR=1).")
    var noColor = false

    func run() throws {
        let loaded: LoadedWorkspace
        do {
            loaded = try LoadedWorkspace.load(paths: paths.isEmpty ? ["."] : paths, configPath: config)
        } catch let e as UsageError {
            printError("promptkit: \(e.description)")
            throw ExitCode(2)
        }
        let terminal = Terminal.detect(forceNoColor: noColor)
        let workspace = loaded.workspace
        let configuration = loaded.configuration
        let results: [(ParsedFile, [Diagnostic])] = Parallel.map(loaded.targets) { i in
            let file = workspace.files[i]
            return (file, Linter.lint(file, in: workspace, configuration: configuration))
        }
        var lineIndexes: [String: LineIndex] = [:]
        for f in workspace.files { lineIndexes[f.path] = f.lineIndex }

        var errors = 0, warnings = 0, infos = 0
        for (_, ds) in results {
            for d in ds {
                switch d.severity {
                case .error: errors += 1
                case .warning: warnings += 1
                case .info: infos += 1
                }
            }
        }
        for (path, problem, li) in loaded.configurationProblems {
            let (l, c) = li.position(of: problem.range.start)
            printError("promptkit: \(path):\(l):\(c): \(problem.message)")
        }

        switch format {
        case .human:
            var out = ""
            for (file, ds) in results where !ds.isEmpty {
                for d in ds { out += HumanOutput.frame(d, file: file, lineIndexes: lineIndexes, terminal: terminal) + "\n" }
            }
            let filesWithFindings = results.filter { !$0.1.isEmpty }.count
            if errors + warnings + infos == 0 {
                out += terminal.paint("✓", "32") + " \(results.count) prompt file\(results.count == 1 ? "" : "s") checked, no problems found.\n"
            } else {
                var parts: [String] = []
                if errors > 0 { parts.append(terminal.paint("\(errors) error\(errors == 1 ? "" : "s")", "1;31")) }
                if warnings > 0 { parts.append(terminal.paint("\(warnings) warning\(warnings == 1 ? "" : "s")", "1;33")) }
                if infos > 0 { parts.append("\(infos) info") }
                out += "Found \(parts.joined(separator: ", ")) in \(filesWithFindings) of \(results.count) prompt file\(results.count == 1 ? "" : "s").\n"
            }
            if results.isEmpty {
                printError("promptkit: warning: no prompt files found (looked for *.prompt.yaml and *.prompt.yml)")
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        case .json:
            var report = OrderedObject()
            report["version"] = .int(JSONReport.formatVersion)
            report["tool"] = .object(OrderedObject([("name", .string("promptkit")), ("version", .string(PromptKitCommand.configuration.version))]))
            report["files_checked"] = .int(results.count)
            report["summary"] = .object(OrderedObject([("errors", .int(errors)), ("warnings", .int(warnings)), ("infos", .int(infos))]))
            report["diagnostics"] = .array(results.flatMap { file, ds in
                ds.map { JSONReport.diagnostic($0, file: file, lineIndexes: lineIndexes) }
            })
            FileHandle.standardOutput.write(Data((JSON.serialize(.object(report), pretty: true) + "\n").utf8))
        case .sarif:
            let root = FileManager.default.currentDirectoryPath
            let log = CIFormats.sarif(results, lineIndexes: lineIndexes, rootURI: URL(fileURLWithPath: root, isDirectory: true).absoluteString)
            FileHandle.standardOutput.write(Data((JSON.serialize(log, pretty: true) + "\n").utf8))
        case .github:
            FileHandle.standardOutput.write(Data(CIFormats.github(results).utf8))
        case .junit:
            FileHandle.standardOutput.write(Data(CIFormats.junit(results, strict: strict).utf8))
        }
        // Exit without tearing down the workspace: freeing thousands of parsed files one by one
        // cost 5% of a large run, and the process is ending anyway (compilers do the same).
        Foundation.exit(errors > 0 || (strict && warnings > 0) ? 1 : 0)
    }
}

func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
