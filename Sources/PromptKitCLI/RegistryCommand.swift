import Analysis
import ArgumentParser
import CoreSupport
import Foundation
import ModelCatalog
import Project
import Registry

/// `promptkit registry …`: immutable prompt versions, environments, experiments (docs/registry.md).
struct RegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Publish prompt versions, move environments, resolve what runs, run A/B experiments.",
        discussion: """
        The registry is a SQLite file, by default .promptkit/registry.sqlite at the workspace root
        (override with --db or PROMPTKIT_REGISTRY). Exit status: 0 done, 1 refused or not found,
        2 usage or database errors.

        Examples:
          promptkit registry publish prompts/triage.prompt.yaml
          promptkit registry promote support/triage@1.4.0 --to production --reason "eval 96%"
          promptkit registry resolve support/triage --env production --format json
          promptkit registry rollback support/triage --env production --reason "bad answers"
          promptkit registry diff support/triage 1.3.0 1.4.0
          promptkit registry experiment create tone --prompt support/triage --control 1.3.0 --treatment 1.4.0 --split 0.2
          promptkit registry assign tone --user 42
        """,
        subcommands: [
            PublishCommand.self, ListCommand.self, ShowCommand.self, PromoteCommand.self, RollbackCommand.self,
            ResolveCommand.self, HistoryCommand.self, DiffCommand.self, ProtectCommand.self, UnprotectCommand.self,
            RecordTestCommand.self, ExperimentCommand.self, AssignCommand.self, ExportCommand.self, ImportCommand.self,
        ]
    )
}

/// Options every registry command takes.
struct RegistryOptions: ParsableArguments {
    @Option(help: "The registry database (default: $PROMPTKIT_REGISTRY, else .promptkit/registry.sqlite at the workspace root).")
    var db: String?

    @Option(help: "Output format: human or json.")
    var format: OutputFormat = .human

    var databasePath: String {
        if let db { return db }
        if let env = ProcessInfo.processInfo.environment["PROMPTKIT_REGISTRY"], !env.isEmpty { return env }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let root = ProjectFiles.findRoot(from: cwd)
        let path = root.appendingPathComponent(SQLiteRegistryStore.defaultRelativePath).path
        return ProjectFiles.relativePath(path, to: cwd.standardizedFileURL.path)
    }

    /// Runs `body` with an opened registry and turns its errors into messages and exit codes.
    func run(writing: Bool, _ body: (Registry) throws -> Void) throws {
        do {
            let store = try SQLiteRegistryStore(path: databasePath, mode: writing ? .readWrite : .readOnly)
            try body(Registry(store: store))
        } catch let e as RegistryError {
            printError("promptkit: \(e.description)")
            switch e {
            case .database, .invalid: throw ExitCode(2)
            case .notFound, .conflict, .refused: throw ExitCode(1)
            }
        } catch let e as UsageError {
            printError("promptkit: \(e.description)")
            throw ExitCode(2)
        }
    }

    func printJSON(_ v: Value) {
        FileHandle.standardOutput.write(Data(JSON.serializedBytes(v, pretty: true) + [0x0A]))
    }

    func printText(_ s: String) {
        FileHandle.standardOutput.write(Data((s.hasSuffix("\n") || s.isEmpty ? s : s + "\n").utf8))
    }

    /// A table without the padding its last column would leave at line ends.
    func printTable(_ rows: [[String]]) {
        let lines = HumanOutput.table(rows, leftAligned: rows.first?.count ?? 0, separator: "  ", terminal: Terminal.detect())
        printText(lines.map { String($0.reversed().drop { $0 == " " }.reversed()) }.joined(separator: "\n"))
    }
}

/// Who did it: --author, else git's user.name <user.email>, else the login name.
enum Actor {
    static func resolve(_ explicit: String?) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        let name = git(["config", "user.name"]), email = git(["config", "user.email"])
        if let name, let email { return "\(name) <\(email)>" }
        if let name { return name }
        let env = ProcessInfo.processInfo.environment
        return env["USER"] ?? env["LOGNAME"] ?? "unknown"
    }

    static func git(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let s = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? nil : s
    }
}

/// `NAME@VERSION`: the last `@` separates, so names may contain `@` only before it.
func splitReference(_ ref: String, requireVersion: Bool) throws -> (name: String, version: String?) {
    guard let at = ref.lastIndex(of: "@") else {
        if requireVersion { throw UsageError("`\(ref)`: expected NAME@VERSION, like support/triage@1.4.0") }
        return (ref, nil)
    }
    let name = String(ref[..<at]), version = String(ref[ref.index(after: at)...])
    guard !name.isEmpty, !version.isEmpty else { throw UsageError("`\(ref)`: expected NAME@VERSION, like support/triage@1.4.0") }
    return (name, version)
}

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Store prompt files as immutable versions (name and version from each file).",
        discussion: """
        Republishing the same name and version with the same bytes changes nothing; with other bytes
        it is refused (exit 1). Files with lint errors are refused unless --allow-lint-errors.

        Examples:
          promptkit registry publish prompts/triage.prompt.yaml
          promptkit registry publish prompts/ --author ci-bot
        """
    )
    @OptionGroup var options: RegistryOptions
    @Argument(help: "Prompt files or directories.") var paths: [String]
    @Option(help: "Recorded as the publisher (default: git config user.name and user.email).") var author: String?
    @Flag(help: "Publish even when the file has lint errors.") var allowLintErrors = false
    @Option(help: "Path to a promptkit.yaml (default: found by walking up from the first path).") var config: String?

    func run() throws {
        let loaded: LoadedWorkspace
        do {
            loaded = try LoadedWorkspace.load(paths: paths, configPath: config)
        } catch let e as UsageError {
            printError("promptkit: \(e.description)")
            throw ExitCode(2)
        }
        if loaded.targets.isEmpty {
            printError("promptkit: no prompt files found in \(paths.joined(separator: ", "))")
            throw ExitCode(2)
        }
        let actor = Actor.resolve(author)
        try options.run(writing: true) { registry in
            var results: [Value] = []
            var failures = 0
            for index in loaded.targets {
                let file = loaded.workspace.files[index]
                do {
                    let version = try PublishedPrompt.make(file, in: loaded.workspace, configuration: loaded.configuration,
                                                           author: actor, time: registry.now(), allowLintErrors: allowLintErrors)
                    let outcome = try registry.publish(version)
                    let (status, v): (String, PromptVersion) = switch outcome {
                    case .published(let v): ("published", v)
                    case .unchanged(let v): ("unchanged", v)
                    }
                    results.append(.object(OrderedObject([
                        ("file", .string(file.path)), ("status", .string(status)), ("name", .string(v.name)),
                        ("version", .string(v.version)), ("content_hash", .string(v.contentHash)),
                        ("token_count", v.tokenCount.map(Value.int) ?? .null),
                    ])))
                    if options.format == .human {
                        let what = status == "published" ? "published" : "unchanged (already published with this content)"
                        options.printText("\(v.name)@\(v.version)  \(what)  sha256:\(v.contentHash.prefix(12))  \(file.path)")
                    }
                } catch let e as RegistryError {
                    if case .database = e { throw e }
                    failures += 1
                    printError("promptkit: \(e.description)")
                    results.append(.object(OrderedObject([("file", .string(file.path)), ("status", .string("refused")), ("error", .string(e.description))])))
                }
            }
            if options.format == .json { options.printJSON(.array(results)) }
            if failures > 0 { throw ExitCode(1) }
        }
    }
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Every prompt name with its latest version and environments.",
        discussion: "Examples:\n  promptkit registry list\n  promptkit registry list --format json --db /srv/promptkit/registry.sqlite"
    )
    @OptionGroup var options: RegistryOptions

    func run() throws {
        try options.run(writing: false) { registry in
            let names = try registry.list()
            if options.format == .json {
                options.printJSON(.array(names.map { n in
                    .object(OrderedObject([
                        ("name", .string(n.name)), ("latest", .string(n.latest)), ("versions", .int(n.versionCount)),
                        ("environments", .object(OrderedObject(n.environments.map { ($0.0, Value.string($0.1)) }))),
                    ]))
                }))
                return
            }
            if names.isEmpty { options.printText("The registry is empty (`promptkit registry publish FILE` adds versions)."); return }
            var rows = [["name", "latest", "versions", "environments"]]
            for n in names {
                rows.append([n.name, n.latest, String(n.versionCount), n.environments.map { "\($0.0)=\($0.1)" }.joined(separator: " ")])
            }
            options.printTable(rows)
        }
    }
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "One version's record (the latest when no @VERSION).",
        discussion: "Examples:\n  promptkit registry show support/triage\n  promptkit registry show support/triage@1.3.0 --content"
    )
    @OptionGroup var options: RegistryOptions
    @Argument(help: "NAME or NAME@VERSION.") var reference: String
    @Flag(help: "Print the file content instead of the record.") var content = false

    func run() throws {
        try options.run(writing: false) { registry in
            let (name, version) = try splitReference(reference, requireVersion: false)
            let v = try registry.show(name: name, version: version)
            let labels = try registry.labels(name: name).filter { $0.version == v.version }.map(\.environment)
            let record = try registry.latestTestRecord(name: name, version: v.version)
            if content {
                FileHandle.standardOutput.write(Data(v.content))
                return
            }
            if options.format == .json {
                guard case .object(var o) = RegistryTransfer.versionJSON(v) else { return }
                o["environments"] = .array(labels.map(Value.string))
                o["versions"] = .array(try registry.versions(name: name).map(Value.string))
                o["latest_test"] = record.map { r in
                    .object(OrderedObject([("passed", .int(r.passed)), ("total", .int(r.total)), ("pass_rate", .double(r.passRate)),
                                           ("content_hash", .string(r.contentHash)), ("recorded_at", .string(r.recordedAt))]))
                } ?? .null
                options.printJSON(.object(o))
                return
            }
            var lines = ["\(v.name)@\(v.version)"]
            lines.append("  sha256        \(v.contentHash)")
            lines.append("  published     \(v.publishedAt) by \(v.author)")
            lines.append("  model         \(v.model ?? "none")")
            lines.append("  tokens        \(v.tokenCount.map { "\($0) (\(v.tokenEncoding ?? "?"), sample \(v.sample ?? "none"))" } ?? "—")")
            lines.append("  environments  \(labels.isEmpty ? "none" : labels.joined(separator: ", "))")
            lines.append("  latest test   \(record.map { "\($0.passed)/\($0.total) passed at \($0.recordedAt)" } ?? "none")")
            if case .array(let vars) = v.variables, !vars.isEmpty {
                lines.append("  variables")
                for item in vars {
                    guard case .string(let n)? = item["name"] else { continue }
                    var traits: [String] = []
                    if case .string(let t)? = item["type"] { traits.append(t) }
                    traits.append(item["required"] == .bool(true) ? "required" : "optional")
                    if item["untrusted"] == .bool(true) { traits.append("untrusted") }
                    lines.append("    \(n): \(traits.joined(separator: ", "))")
                }
            }
            lines.append("  all versions  \(try registry.versions(name: name).joined(separator: ", "))")
            options.printText(lines.joined(separator: "\n"))
        }
    }
}

struct PromoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote", abstract: "Point an environment at a version.",
        discussion: """
        A protected environment (`registry protect`) takes only versions whose latest test record
        passes its threshold. `development` is not a label: it always runs the latest version.

        Examples:
          promptkit registry promote support/triage@1.4.0 --to staging
          promptkit registry promote support/triage@1.4.0 --to production --reason "eval 96%"
        """
    )
    @OptionGroup var options: RegistryOptions
    @Argument(help: "NAME@VERSION.") var reference: String
    @Option(help: "The environment: staging, production or a custom label.") var to: String
    @Option(help: "Why, for the audit log.") var reason: String?
    @Option(help: "Recorded as who did it (default: git config).") var author: String?

    func run() throws {
        try options.run(writing: true) { registry in
            let (name, version) = try splitReference(reference, requireVersion: true)
            let move = try registry.promote(name: name, version: version ?? "", to: to, actor: Actor.resolve(author), reason: reason)
            printMove(move, options)
        }
    }
}

func printMove(_ move: Registry.LabelMove, _ options: RegistryOptions) {
    if options.format == .json {
        options.printJSON(.object(OrderedObject([
            ("name", .string(move.name)), ("environment", .string(move.environment)),
            ("from", move.from.map(Value.string) ?? .null), ("to", .string(move.to)),
        ])))
    } else {
        options.printText("\(move.name): \(move.environment) \(move.from ?? "(unset)") → \(move.to)")
    }
}

struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Move an environment back to the version it ran before its last promotion.",
        discussion: "Example:\n  promptkit registry rollback support/triage --env production --reason \"wrong tone\""
    )
    @OptionGroup var options: RegistryOptions
    @Argument(help: "The prompt name.") var name: String
    @Option(help: "The environment to roll back.") var env: String
    @Option(help: "Why, for the audit log.") var reason: String?
    @Option(help: "Recorded as who did it (default: git config).") var author: String?

    func run() throws {
        try options.run(writing: true) { registry in
            printMove(try registry.rollback(name: name, environment: env, actor: Actor.resolve(author), reason: reason), options)
        }
    }
}

struct ResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve", abstract: "Print the content of the version an environment runs.",
        discussion: """
        production and custom environments: their label. staging: its label, else the latest version
        with a passing test record. development: the latest version. Exit 1 when nothing resolves.

        Examples:
          promptkit registry resolve support/triage --env production > triage.prompt.yaml
          promptkit registry resolve support/triage --env staging --format json
        """
    )
    @OptionGroup var options: RegistryOptions
    @Argument(help: "The prompt name.") var name: String
    @Option(help: "The environment.") var env: String

    func run() throws {
        try options.run(writing: false) { registry in
            let r = try registry.resolve(name: name, environment: env)
            if options.format == .json {
                options.printJSON(.object(OrderedObject([
                    ("name", .string(r.version.name)), ("version", .string(r.version.version)), ("environment", .string(r.environment)),
                    ("rule", .string(r.rule.rawValue)), ("hash", .string(r.version.contentHash)),
                    ("content", .string(String(decoding: r.version.content, as: UTF8.self))),
                ])))
            } else {
                FileHandle.standardOutput.write(Data(r.version.content))
            }
        }
    }
}

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "The audit log: every publish, promotion, rollback and protection change.",
        discussion: "Examples:\n  promptkit registry history support/triage\n  promptkit registry history --format json"
    )
    @OptionGroup var options: RegistryOptions
    @Argument(help: "A prompt name (default: the whole log).") var name: String?

    func run() throws {
        try options.run(writing: false) { registry in
            let events = try registry.history(name: name)
            if options.format == .json { options.printJSON(.array(events.map(RegistryTransfer.eventJSON))); return }
            var rows = [["time", "who", "action", "prompt", "environment", "change", "reason"]]
            for e in events {
                let change = [e.fromVersion, e.toVersion].compactMap { $0 }.joined(separator: " → ")
                rows.append([e.time, e.actor, e.action.rawValue, e.name ?? "", e.environment ?? "", change, e.reason ?? ""])
            }
            options.printTable(rows)
        }
    }
}

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Compare two versions: rendered prompt, variables, tokens and cost per model.",
        discussion: "Example:\n  promptkit registry diff support/triage 1.3.0 1.4.0 --models gpt-4o,claude-sonnet-4-5"
    )
    @OptionGroup var options: RegistryOptions
    @Argument(help: "The prompt name.") var name: String
    @Argument(help: "The older version.") var from: String
    @Argument(help: "The newer version.") var to: String
    @Option(help: "Comma-separated model ids for the token table (default: both versions' models and common ones).") var models: String?
    @Option(help: "Path to a promptkit.yaml for custom models.") var config: String?

    func run() throws {
        let catalog = try LoadedWorkspace.loadConfiguration(near: nil, configPath: config).models
        try options.run(writing: false) { registry in
            let old = try registry.show(name: name, version: from), new = try registry.show(name: name, version: to)
            var ids = models.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
            if models == nil { ids = [old.model, new.model].compactMap { $0 } + TokensCommand.defaultTableModels }
            for id in ids where catalog.model(id) == nil && models != nil {
                throw UsageError("unknown model `\(id)` (see `promptkit models`)")
            }
            let diff = VersionDiff(old: old, new: new, models: ids, catalog: catalog)
            if options.format == .json {
                options.printJSON(.object(OrderedObject([
                    ("name", .string(name)), ("from", .string(from)), ("to", .string(to)),
                    ("content_changed", .bool(old.contentHash != new.contentHash)),
                    ("rendered_diff", .string(diff.unifiedDiff)),
                    ("variables", .array(diff.variables.map { c in
                        .object(OrderedObject([("name", .string(c.name)), ("change", .string(c.kind.rawValue)),
                                               ("details", .array(c.details.map(Value.string)))]))
                    })),
                    ("models", .array(diff.models.map { m in
                        .object(OrderedObject([
                            ("model", .string(m.model)), ("estimate", .bool(m.estimate)), ("from_tokens", .int(m.oldTokens)),
                            ("to_tokens", .int(m.newTokens)), ("token_delta", .int(m.newTokens - m.oldTokens)),
                            ("from_cost", m.oldCost.map(Value.double) ?? .null), ("to_cost", m.newCost.map(Value.double) ?? .null),
                            ("cost_delta", m.oldCost.flatMap { o in m.newCost.map { .double($0 - o) } } ?? .null),
                        ]))
                    })),
                ])))
                return
            }
            let t = Terminal.detect()
            var out = ""
            if diff.unifiedDiff.isEmpty {
                out += "Rendered prompts are identical (sample: \(new.sample ?? "none")).\n"
            } else {
                for line in diff.unifiedDiff.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                    let s = String(line)
                    out += (s.hasPrefix("+") && !s.hasPrefix("+++") ? t.paint(s, "32") : s.hasPrefix("-") && !s.hasPrefix("---") ? t.paint(s, "31")
                        : s.hasPrefix("@@") ? t.paint(s, "36") : s) + "\n"
                }
            }
            out += "\nVariables: " + (diff.variables.isEmpty ? "unchanged\n" : "\n")
            for c in diff.variables {
                let mark = c.kind == .added ? "+" : c.kind == .removed ? "-" : "~"
                out += "  \(mark) \(c.name)" + (c.details.isEmpty ? "" : ": " + c.details.joined(separator: "; ")) + "\n"
            }
            out += "\n"
            var rows = [["model", from, to, "Δ tokens", "Δ cost/call"]]
            for m in diff.models {
                let mark = m.estimate ? "~" : ""
                let delta = m.newTokens - m.oldTokens
                let cost = m.oldCost.flatMap { o in m.newCost.map { ModelInfo.formatCost($0 - o) } } ?? "—"
                rows.append([m.model, mark + String(m.oldTokens), mark + String(m.newTokens), (delta > 0 ? "+" : "") + String(delta),
                             cost.hasPrefix("-") ? cost : "+" + cost])
            }
            out += HumanOutput.table(rows, leftAligned: 1, separator: "   ", indent: "  ", terminal: t).joined(separator: "\n") + "\n"
            options.printText(out)
        }
    }
}

struct ProtectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protect", abstract: "Require a passing test record to promote into an environment.",
        discussion: "Example:\n  promptkit registry protect production --min-pass-rate 0.95"
    )
    @OptionGroup var options: RegistryOptions
    @Argument(help: "The environment.") var environment: String
    @Option(help: "Lowest pass rate (0–1) a version's latest test record must reach.") var minPassRate: Double = Registry.defaultMinPassRate
    @Option(help: "Recorded as who did it (default: git config).") var author: String?

    func run() throws {
        try options.run(writing: true) { registry in
            try registry.protect(environment: environment, minPassRate: minPassRate, actor: Actor.resolve(author))
            options.printText("\(environment) is protected: promotions need a test pass rate of at least \(minPassRate)")
        }
    }
}

struct UnprotectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unprotect", abstract: "Remove an environment's promotion gate.",
        discussion: "Example:\n  promptkit registry unprotect staging --author ada"
    )
    @OptionGroup var options: RegistryOptions
    @Argument(help: "The environment.") var environment: String
    @Option(help: "Recorded as who did it (default: git config).") var author: String?

    func run() throws {
        try options.run(writing: true) { registry in
            try registry.unprotect(environment: environment, actor: Actor.resolve(author))
            options.printText("\(environment) is no longer protected")
        }
    }
}

struct RecordTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record-test", abstract: "Record a test run's result for a published version (for external test tools).",
        discussion: "Example:\n  promptkit registry record-test support/triage@1.4.0 --passed 48 --total 50 --source nightly-eval"
    )
    @OptionGroup var options: RegistryOptions
    @Argument(help: "NAME@VERSION.") var reference: String
    @Option(help: "Tests that passed.") var passed: Int
    @Option(help: "Tests that ran.") var total: Int
    @Option(help: "Where the result came from.") var source: String?
    @Option(help: "Recorded as who did it (default: git config).") var author: String?

    func run() throws {
        try options.run(writing: true) { registry in
            let (name, version) = try splitReference(reference, requireVersion: true)
            let r = try registry.recordTest(name: name, version: version ?? "", passed: passed, total: total, source: source,
                                            actor: Actor.resolve(author))
            options.printText("\(name)@\(r.version): recorded \(r.passed)/\(r.total) passed (\(String(format: "%.1f%%", r.passRate * 100)))")
        }
    }
}

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment", abstract: "A/B experiments between two versions of a prompt.",
        discussion: """
        Examples:
          promptkit registry experiment create tone --prompt support/triage --control 1.3.0 --treatment 1.4.0 --split 0.2
          promptkit registry experiment assign tone --user 42
          promptkit registry experiment stop tone --winner treatment
        """,
        subcommands: [ExperimentCreateCommand.self, ExperimentListCommand.self, ExperimentStopCommand.self, AssignCommand.self]
    )
}

func experimentLine(_ x: Experiment) -> String {
    let state = x.status == .running ? "running" : "stopped \(x.stoppedAt ?? "") (winner: \(x.winner?.rawValue ?? "?"))"
    return "\(x.id): \(x.prompt) control \(x.control), treatment \(x.treatment) for \(String(format: "%g", x.split * 100))% of users; \(state)"
}

struct ExperimentCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Start an experiment: a share of users gets the treatment version.",
        discussion: "Example:\n  promptkit registry experiment create tone --prompt support/triage --control 1.3.0 --treatment 1.4.0 --split 0.2"
    )
    @OptionGroup var options: RegistryOptions
    @Argument(help: "The experiment id (part of every assignment's hash: keep it stable).") var id: String
    @Option(help: "The prompt name.") var prompt: String
    @Option(help: "The control version.") var control: String
    @Option(help: "The treatment version.") var treatment: String
    @Option(help: "The treatment's share of users, 0–1.") var split: Double
    @Option(help: "Recorded as who did it (default: git config).") var author: String?

    func run() throws {
        try options.run(writing: true) { registry in
            let x = try registry.createExperiment(id: id, prompt: prompt, control: control, treatment: treatment, split: split,
                                                  actor: Actor.resolve(author))
            if options.format == .json { options.printJSON(RegistryTransfer.experimentJSON(x)) } else { options.printText(experimentLine(x)) }
        }
    }
}

struct ExperimentListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Every experiment.",
        discussion: "Example:\n  promptkit registry experiment list --format json"
    )
    @OptionGroup var options: RegistryOptions

    func run() throws {
        try options.run(writing: false) { registry in
            let xs = try registry.experiments()
            if options.format == .json { options.printJSON(.array(xs.map(RegistryTransfer.experimentJSON))); return }
            options.printText(xs.isEmpty ? "No experiments." : xs.map(experimentLine).joined(separator: "\n"))
        }
    }
}

struct ExperimentStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "End an experiment; from then on everyone is assigned the winner.",
        discussion: "Example:\n  promptkit registry experiment stop tone --winner treatment --reason \"+4% resolution\""
    )
    @OptionGroup var options: RegistryOptions
    @Argument(help: "The experiment id.") var id: String
    @Option(help: "control or treatment (default: control).") var winner: String = "control"
    @Option(help: "Why, for the audit log.") var reason: String?
    @Option(help: "Recorded as who did it (default: git config).") var author: String?

    func run() throws {
        guard let variant = Experiment.Variant(rawValue: winner) else {
            printError("promptkit: --winner must be control or treatment (got `\(winner)`)")
            throw ExitCode(2)
        }
        try options.run(writing: true) { registry in
            let x = try registry.stopExperiment(id: id, winner: variant, actor: Actor.resolve(author), reason: reason)
            if options.format == .json { options.printJSON(RegistryTransfer.experimentJSON(x)) } else { options.printText(experimentLine(x)) }
        }
    }
}

struct AssignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign", abstract: "The variant (and version) a user gets in an experiment: sticky and deterministic.",
        discussion: """
        The assignment is a hash of the experiment id and the user id, reproducible in any language
        (docs/registry.md). A stopped experiment assigns its winner to everyone.

        Example:
          promptkit registry assign tone --user 42 --format json
        """
    )
    @OptionGroup var options: RegistryOptions
    @Argument(help: "The experiment id.") var id: String
    @Option(help: "The user id.") var user: String

    func run() throws {
        try options.run(writing: false) { registry in
            let a = try registry.assign(experiment: id, user: user)
            if options.format == .json {
                options.printJSON(.object(OrderedObject([
                    ("experiment", .string(id)), ("user", .string(user)), ("variant", .string(a.variant.rawValue)),
                    ("prompt", .string(a.experiment.prompt)), ("version", .string(a.version)), ("bucket", .double(a.bucket)),
                    ("status", .string(a.experiment.status.rawValue)),
                ])))
            } else {
                options.printText("\(a.variant.rawValue) \(a.experiment.prompt)@\(a.version)")
            }
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "The whole registry as JSON (versions, labels, log, tests, experiments).",
        discussion: "Example:\n  promptkit registry export > registry-backup.json"
    )
    @OptionGroup var options: RegistryOptions
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

    func run() throws {
        try options.run(writing: false) { registry in
            let bytes = JSON.serializedBytes(try RegistryTransfer.export(registry), pretty: true) + [0x0A]
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else {
                    throw UsageError("\(output): cannot be written")
                }
            } else {
                FileHandle.standardOutput.write(Data(bytes))
            }
        }
    }
}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Load a `registry export` document into an empty registry.",
        discussion: "Example:\n  promptkit registry import registry-backup.json --db new/registry.sqlite"
    )
    @OptionGroup var options: RegistryOptions
    @Argument(help: "The export file (`-`: standard input).") var file: String

    func run() throws {
        try options.run(writing: true) { registry in
            let bytes = try FileInput.read(file)
            let document: Value
            do { document = try JSON.parse(bytes) } catch { throw UsageError("\(file): not valid JSON: \(error)") }
            let s = try RegistryTransfer.import(document, into: registry)
            options.printText("imported \(s.versions) versions, \(s.labels) labels, \(s.events) log entries, \(s.testRecords) test records, \(s.experiments) experiments")
        }
    }
}
