import Analysis
import ArgumentParser
import CoreSupport
import Foundation
import Mustache

enum RenderFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a prompt file with a sample, or a plain Mustache template with JSON data.",
        discussion: """
        Prompt files render without HTML escaping (prompts are not HTML); `{{> name}}` includes the
        prompt file named `name` from the workspace. Values come from the declared defaults,
        overlaid by the sample (default: the file's first sample) or by --vars.

        Plain mode (--template-file) is standard Mustache: HTML escaping by default (--escape none
        turns it off), partials read from DIR/NAME.mustache, output written exactly.

        Examples:
          promptkit render support/triage.prompt.yaml
          promptkit render support/triage.prompt.yaml --sample angry --format json
          promptkit render support/triage.prompt.yaml --vars values.json
          promptkit render --template-file page.mustache --data data.json --partials partials/
        """
    )

    @Argument(help: "The prompt file to render (`-` for standard input).")
    var file: String?

    @Option(help: "The sample whose values to use (default: the first sample).")
    var sample: String?

    @Option(help: "A JSON file with variable values (`-` for standard input).")
    var vars: String?

    @Option(help: "Output format for prompt files: text or json (a chat-messages array).")
    var format: RenderFormat = .text

    @Option(help: "Render a plain Mustache template file instead of a prompt file.")
    var templateFile: String?

    @Option(help: "JSON data for --template-file (`-` for standard input).")
    var data: String?

    @Option(help: "A folder of NAME.mustache partials for --template-file.")
    var partials: String?

    @Option(help: "Escaping for --template-file: html (default) or none.")
    var escape: String?

    func run() throws {
        do {
            if let templateFile {
                try renderPlain(templateFile)
            } else {
                try renderPrompt()
            }
        } catch let e as UsageError {
            printError("promptkit: \(e.description)")
            throw ExitCode(2)
        }
    }

    func readJSON(_ path: String) throws -> Value {
        let bytes = try FileInput.read(path)
        do {
            return try JSON.parse(bytes)
        } catch {
            let li = LineIndex(bytes)
            let (l, c) = li.position(of: error.offset)
            throw UsageError("\(path == "-" ? "<stdin>" : path):\(l):\(c): invalid JSON: \(error.message)")
        }
    }

    func renderPlain(_ path: String) throws {
        guard file == nil, sample == nil, vars == nil else {
            throw UsageError("--template-file cannot be combined with a prompt file, --sample or --vars")
        }
        let escaping: Escaping
        switch escape ?? "html" {
        case "html": escaping = .html
        case "none": escaping = .none
        default: throw UsageError("--escape must be html or none")
        }
        let bytes = try FileInput.read(path)
        let template = Template(bytes: bytes)
        if !template.errors.isEmpty {
            let li = LineIndex(bytes)
            for e in template.errors {
                let (l, c) = li.position(of: e.range.start)
                printError("\(path):\(l):\(c): error: \(e.message)")
            }
            throw ExitCode(1)
        }
        let value = try data.map(readJSON) ?? .object(OrderedObject())
        var partialTemplates: [String: Template] = [:]
        if let partials {
            let dir = URL(fileURLWithPath: partials)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            guard FileManager.default.fileExists(atPath: dir.path) else { throw UsageError("\(partials): no such directory") }
            for name in names where name.hasSuffix(".mustache") {
                let bytes = try FileInput.read(dir.appendingPathComponent(name).path)
                partialTemplates[String(name.dropLast(".mustache".count))] = Template(bytes: bytes)
            }
        }
        let result = template.render(value, partials: DictionaryPartials(templates: partialTemplates),
                                     options: RenderOptions(escaping: escaping))
        FileHandle.standardOutput.write(Data(result.text.utf8))
        if let limit = result.limitReached {
            printError("promptkit: rendering stopped: \(limit)")
            throw ExitCode(1)
        }
    }

    func renderPrompt() throws {
        guard let file else { throw UsageError("a prompt file is required (or --template-file for a plain template)") }
        guard data == nil, partials == nil, escape == nil else {
            throw UsageError("--data, --partials and --escape apply to --template-file only; use --vars for prompt files")
        }
        guard sample == nil || vars == nil else { throw UsageError("--sample and --vars cannot be combined") }
        var isDirectory: ObjCBool = false
        if file != FileInput.stdinPath, FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), isDirectory.boolValue {
            throw UsageError("\(file): is a directory; render takes one prompt file")
        }
        let loaded = try LoadedWorkspace.load(paths: [file], configPath: nil)
        guard let index = loaded.targets.first else { throw UsageError("\(file): not found") }
        let parsed = loaded.workspace.files[index]
        if parsed.templates.isEmpty {
            let errors = Linter.lint(parsed, in: loaded.workspace).filter { $0.severity == .error }
            for d in errors.prefix(5) {
                let (l, c) = parsed.lineIndex.position(of: d.range.start)
                printError("\(parsed.path):\(l):\(c): error[\(d.rule.code)]: \(d.message)")
            }
            printError("promptkit: \(parsed.path) has no template or messages to render")
            throw ExitCode(1)
        }
        let given = try vars.map(readJSON)
        let values: Value
        do {
            if let given {
                values = try PromptRenderer.data(for: parsed, values: given)
            } else {
                values = try PromptRenderer.data(for: parsed, sample: sample)
            }
        } catch {
            throw UsageError(error.description)
        }
        let rendering = PromptRenderer.render(parsed, data: values, workspace: loaded.workspace)
        for name in rendering.missingRequired {
            printError("promptkit: warning: no value for the required variable `\(name)`; it renders empty")
        }
        switch format {
        case .json:
            let array = Value.array(rendering.messages.map {
                .object(OrderedObject([("role", .string($0.role)), ("content", .string($0.content))]))
            })
            FileHandle.standardOutput.write(Data((JSON.serialize(array, pretty: true) + "\n").utf8))
        case .text:
            if rendering.isTemplate {
                FileHandle.standardOutput.write(Data((rendering.messages.first?.content ?? "").utf8))
            } else {
                var out = ""
                for (i, m) in rendering.messages.enumerated() {
                    if i > 0 { out += "\n" }
                    out += "--- \(m.role) ---\n" + m.content
                    if !m.content.hasSuffix("\n") { out += "\n" }
                }
                FileHandle.standardOutput.write(Data(out.utf8))
            }
        }
        if let limit = rendering.limitReached {
            printError("promptkit: rendering stopped: \(limit)")
            throw ExitCode(1)
        }
    }
}
