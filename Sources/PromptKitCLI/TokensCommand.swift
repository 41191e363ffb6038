import Analysis
import ArgumentParser
import CoreSupport
import Foundation
import ModelCatalog
import Tokenizer

struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Count tokens of a prompt file (rendered, per message, priced across models) or of plain text.",
        discussion: """
        A *.prompt.yaml file is rendered with its first sample (or --sample) and counted per
        message, with a table of prompt tokens, input cost per call, the cost of the output
        reserved by params.max_tokens, and the share of each model's context window. Models whose
        tokenizer is not public (Claude, Gemini, …) are counted with a stand-in encoding and
        marked `~` (estimate) in every output.

        Any other file, standard input, or any file with --raw is counted as plain text, read as
        bytes and streamed (CRLF is kept; invalid UTF-8 becomes U+FFFD, as in Python's
        errors="replace"). Special tokens such as <|endoftext|> are plain text unless
        --allow-special names them.

        Examples:
          promptkit tokens support/triage.prompt.yaml
          promptkit tokens support/triage.prompt.yaml --models gpt-4o,gpt-4.1-mini,claude-sonnet-4-5
          promptkit tokens notes.txt --model gpt-4o
          cat big.txt | promptkit tokens --encoding cl100k_base
          promptkit tokens --raw prompt.prompt.yaml --ids
          promptkit tokens support/triage.prompt.yaml --html triage-tokens.html
        """
    )

    @Argument(help: "The file to count (`-` or nothing for standard input).")
    var file: String?

    @Flag(help: "Count the file as plain text even if it is a prompt file.")
    var raw = false

    @Option(help: "Encoding for plain text: cl100k_base or o200k_base (default: o200k_base).")
    var encoding: String?

    @Option(help: "Count plain text with this model's tokenizer (an id or alias from `promptkit models`).")
    var model: String?

    @Option(help: "Comma-separated model ids for a prompt file's table (default: the file's model and a few common ones).")
    var models: String?

    @Option(help: "The sample whose values render the prompt file (default: the first sample).")
    var sample: String?

    @Flag(help: "Print token ids, one per line (plain text).")
    var ids = false

    @Option(help: "Comma-separated special tokens to recognise in plain text, or `all`.")
    var allowSpecial: String?

    @Option(help: "Output format: text or json.")
    var format: RenderFormat = .text

    @Option(help: ArgumentHelp("Also write a self-contained HTML page of a prompt file's tokens (boundaries coloured, counts per message, the model table) to this path.", valueName: "page.html"))
    var html: String?

    @Option(help: "promptkit.yaml to use (default: found from the file's folder upwards).")
    var config: String?

    static let defaultTableModels = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-5", "claude-sonnet-4-5", "gemini-2.5-flash"]

    func run() throws {
        do {
            let path = file ?? FileInput.stdinPath
            let isPromptFile = !raw && path != FileInput.stdinPath && (path.hasSuffix(".prompt.yaml") || path.hasSuffix(".prompt.yml"))
            if isPromptFile {
                guard encoding == nil, model == nil, !ids, allowSpecial == nil else {
                    throw UsageError("--encoding, --model, --ids and --allow-special apply to plain text; add --raw to count the file's bytes")
                }
                try countPromptFile(path)
            } else {
                guard models == nil, sample == nil, html == nil else { throw UsageError("--models, --sample and --html apply to prompt files") }
                try countPlainText(path)
            }
        } catch let e as UsageError {
            printError("promptkit: \(e.description)")
            throw ExitCode(2)
        }
    }

    // MARK: Plain text

    func plainTextEncoding(_ catalog: ModelCatalog) throws -> (Encoding, ModelInfo?) {
        if let model {
            guard encoding == nil else { throw UsageError("give --encoding or --model, not both") }
            guard let info = catalog.model(model) else {
                let hint = catalog.suggestion(for: model).map { "; did you mean `\($0)`?" } ?? ""
                throw UsageError("unknown model `\(model)`\(hint) (see `promptkit models`)")
            }
            return (Encoding.named(info.tokenizer.encoding), info)
        }
        let name = encoding ?? Encoding.Name.o200kBase.rawValue
        guard let e = Encoding.Name(rawValue: name) else {
            throw UsageError("unknown encoding `\(name)` (cl100k_base or o200k_base)")
        }
        return (Encoding.named(e), nil)
    }

    func countPlainText(_ path: String) throws {
        let catalog = try loadCatalog(near: path == FileInput.stdinPath ? nil : path)
        let (enc, info) = try plainTextEncoding(catalog)
        let handle: FileHandle
        if path == FileInput.stdinPath {
            handle = FileHandle.standardInput
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw UsageError("\(path): no such file or directory") }
            if isDirectory.boolValue { throw UsageError("\(path): is a directory, a file was expected") }
            guard let h = FileHandle(forReadingAtPath: path) else { throw UsageError("\(path): cannot be read (permissions?)") }
            handle = h
        }
        var specials: Set<String> = []
        if let allowSpecial {
            specials = allowSpecial == "all" ? Set(enc.specialTokens.keys) : Set(allowSpecial.split(separator: ",").map(String.init))
            if let unknown = specials.first(where: { enc.specialTokens[$0] == nil }) {
                throw UsageError("`\(unknown)` is not a special token of \(enc.name.rawValue) (it has \(enc.specialTokens.keys.sorted().joined(separator: ", ")))")
            }
        }

        var count = 0
        var bytes = 0
        var idList: [UInt32] = []
        var out = BufferedOutput()
        let printIDs = ids && format == .text
        let emit: (UInt32) -> Void = { id in
            count += 1
            if printIDs { out.write("\(id)\n") } else if ids { idList.append(id) }
        }
        if specials.isEmpty {
            // Streamed: 100 MB of input never sits in memory whole, nor does its output.
            var stream = TokenStream(encoding: enc)
            while true {
                let chunk = handle.readData(ofLength: 1 << 20)
                if chunk.isEmpty { break }
                bytes += chunk.count
                stream.feed([UInt8](chunk), emit)
            }
            stream.finish(emit)
        } else {
            let data = [UInt8](handle.readDataToEndOfFile())
            bytes = data.count
            for id in enc.encode(TokenizerInput.decodeReplacingInvalid(data), allowedSpecial: specials) { emit(id) }
        }
        out.flush()
        if printIDs { return }

        let estimate = info?.tokenizer.isEstimate ?? false
        if format == .json {
            var o = OrderedObject()
            o["version"] = .int(1)
            o["file"] = .string(path)
            o["encoding"] = .string(enc.name.rawValue)
            if let info { o["model"] = .string(info.id) }
            o["estimate"] = .bool(estimate)
            o["bytes"] = .int(bytes)
            o["tokens"] = .int(count)
            if ids { o["ids"] = .array(idList.map { .int(Int($0)) }) }
            print(JSON.serialize(.object(o), pretty: true))
        } else {
            let label = info.map { "\($0.id), \(enc.name.rawValue)\(estimate ? ", estimate" : "")" } ?? enc.name.rawValue
            print("\(estimate ? "~" : "")\(count) tokens (\(label))")
        }
    }

    // MARK: Prompt files

    func loadCatalog(near path: String?) throws -> ModelCatalog {
        try LoadedWorkspace.loadConfiguration(near: path, configPath: config).models
    }

    func countPromptFile(_ path: String) throws {
        let loaded = try LoadedWorkspace.load(paths: [path], configPath: config)
        guard let index = loaded.targets.first else { throw UsageError("\(path): not found") }
        let parsed = loaded.workspace.files[index]
        let catalog = loaded.configuration.models
        guard !parsed.templates.isEmpty else {
            printError("promptkit: \(parsed.path) has no template or messages to count (run `promptkit lint \(path)`)")
            throw ExitCode(1)
        }
        let data: Value
        do {
            data = try PromptRenderer.data(for: parsed, sample: sample)
        } catch {
            throw UsageError(error.description)
        }
        let rendering = PromptRenderer.render(parsed, data: data, workspace: loaded.workspace)

        var ids: [String] = []
        if let models {
            ids = models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        } else {
            if let m = parsed.prompt.model?.value { ids.append(m) }
            ids += Self.defaultTableModels
        }
        var seen: Set<String> = []
        var table: [ModelInfo] = []
        for id in ids {
            guard let info = catalog.model(id) else {
                let hint = catalog.suggestion(for: id).map { "; did you mean `\($0)`?" } ?? ""
                if models != nil { throw UsageError("unknown model `\(id)`\(hint) (see `promptkit models`)") }
                printError("promptkit: warning: the file's model `\(id)` is not in the catalog\(hint)")
                continue
            }
            if seen.insert(info.id).inserted { table.append(info) }
        }
        let primary = parsed.prompt.model.flatMap { catalog.model($0.value) }
        let primaryEncoding = primary?.tokenizer.encoding ?? .o200kBase
        var counts: [Encoding.Name: PromptTokenCount] = [:]
        func counted(_ e: Encoding.Name) -> PromptTokenCount {
            if let c = counts[e] { return c }
            let c = PromptTokenCount.count(rendering, encoding: Encoding.named(e))
            counts[e] = c
            return c
        }
        let main = counted(primaryEncoding)
        let reserved = parsed.prompt.maxTokens?.value
        let sampleName = sample ?? parsed.prompt.samples.first?.name.value
        let how = primary.map { "\($0.id), \(primaryEncoding.rawValue)\($0.tokenizer.isEstimate ? ", estimate" : "")" } ?? primaryEncoding.rawValue
        let rows = table.map { info in
            let c = counted(info.tokenizer.encoding)
            return TokenPage.ModelRow(
                id: info.id, estimate: info.tokenizer.isEstimate, tokens: c.total,
                inputCost: info.inputCost(tokens: c.total).map(ModelInfo.formatCost) ?? "—",
                outputCost: reserved.flatMap { info.outputCost(tokens: $0) }.map(ModelInfo.formatCost) ?? "—",
                context: info.contextWindow.map { String(format: "%.1f%%", Double(c.total + (reserved ?? 0)) * 100 / Double($0)) } ?? "—")
        }

        if let html {
            let page = TokenPage.render(file: parsed.path, sample: sampleName, encodingLabel: how, estimate: primary?.tokenizer.isEstimate ?? false,
                                        rendering: rendering, encoding: Encoding.named(primaryEncoding), count: main, reserved: reserved, models: rows)
            do {
                try Data(page.utf8).write(to: URL(fileURLWithPath: html), options: .atomic)
            } catch {
                throw UsageError("\(html): cannot be written (\(error.localizedDescription))")
            }
            printError("wrote \(html) (\(main.total) tokens, \(primaryEncoding.rawValue))")
        }

        if format == .json {
            var o = OrderedObject()
            o["version"] = .int(1)
            o["file"] = .string(parsed.path)
            o["sample"] = sampleName.map(Value.string) ?? .null
            o["encoding"] = .string(primaryEncoding.rawValue)
            o["estimate"] = .bool(primary?.tokenizer.isEstimate ?? false)
            o["messages"] = .array(zip(rendering.messages, main.contentTokens).map { m, t in
                .object(OrderedObject([("role", .string(m.role)), ("tokens", .int(t))]))
            })
            o["total"] = .int(main.total)
            o["max_tokens"] = reserved.map(Value.int) ?? .null
            o["models"] = .array(table.map { info in
                let c = counted(info.tokenizer.encoding)
                var m = OrderedObject()
                m["id"] = .string(info.id)
                m["encoding"] = .string(info.tokenizer.encoding.rawValue)
                m["estimate"] = .bool(info.tokenizer.isEstimate)
                m["prompt_tokens"] = .int(c.total)
                m["input_cost"] = info.inputCost(tokens: c.total).map(Value.double) ?? .null
                m["reserved_output_cost"] = reserved.flatMap { info.outputCost(tokens: $0) }.map(Value.double) ?? .null
                m["context_window"] = info.contextWindow.map(Value.int) ?? .null
                m["context_percent"] = info.contextWindow.map { .double(Double(c.total + (reserved ?? 0)) * 100 / Double($0)) } ?? .null
                return .object(m)
            })
            print(JSON.serialize(.object(o), pretty: true))
            return
        }

        let t = Terminal.detect()
        var lines: [String] = []
        lines.append(t.bold(parsed.path) + "  (sample: \(sampleName ?? "none, declared defaults only"); \(how))")
        for (m, tokens) in zip(rendering.messages, main.contentTokens) {
            lines.append("  \(m.role.padding(toLength: 10, withPad: " ", startingAt: 0)) \(pad(tokens, 8)) tokens")
        }
        let overhead = main.total - main.contentTokens.reduce(0, +)
        lines.append("  \("total".padding(toLength: 10, withPad: " ", startingAt: 0)) \(pad(main.total, 8)) tokens" + (overhead > 0 ? " (incl. \(overhead) of chat formatting)" : ""))
        lines.append("")
        let header = ["model", "tokens", "input cost", reserved.map { "output (\($0))" } ?? "output", "context"]
        let cells = [header] + rows.map { [$0.id, ($0.estimate ? "~" : "") + String($0.tokens), $0.inputCost, $0.outputCost, $0.context] }
        lines += HumanOutput.table(cells, leftAligned: 1, separator: "   ", indent: "  ", terminal: t)
        if table.contains(where: { $0.tokenizer.isEstimate }) {
            lines.append("  ~ estimate: the model's tokenizer is not public (see `promptkit models`)")
        }
        print(lines.joined(separator: "\n"))
    }

    func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: " ", count: max(0, width - s.count)) + s
    }

}

/// Collects standard-output text and writes it in large blocks (token ids can number millions).
struct BufferedOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ s: String) {
        buffer += s.utf8
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the model catalog: tokenizer, context window, output limit and prices.",
        discussion: """
        The catalog is built in (catalog/models.json, with the source and date of each figure) and
        can be extended or overridden under `models:` in promptkit.yaml. `~` marks models whose
        tokenizer is not public: their counts are estimates.

        Examples:
          promptkit models
          promptkit models --format json
        """
    )

    @Option(help: "Output format: text or json.")
    var format: RenderFormat = .text

    @Option(help: "promptkit.yaml to use (default: found from the current folder upwards).")
    var config: String?

    func run() throws {
        let catalog: ModelCatalog
        do {
            catalog = try LoadedWorkspace.loadConfiguration(near: nil, configPath: config).models
        } catch let e as UsageError {
            printError("promptkit: \(e.description)")
            throw ExitCode(2)
        }
        if format == .json {
            let items: [Value] = catalog.models.map { m in
                var o = OrderedObject()
                o["id"] = .string(m.id)
                o["aliases"] = .array(m.aliases.map(Value.string))
                o["provider"] = .string(m.provider)
                switch m.tokenizer {
                case .exact(let e): o["tokenizer"] = .string(e.rawValue)
                case .estimate(let e, let method):
                    o["tokenizer"] = .object(OrderedObject([("estimate", .string(e.rawValue)), ("method", .string(method))]))
                }
                o["context_window"] = m.contextWindow.map(Value.int) ?? .null
                o["max_output_tokens"] = m.maxOutputTokens.map(Value.int) ?? .null
                o["input_per_million"] = m.inputPerMillion.map(Value.double) ?? .null
                o["output_per_million"] = m.outputPerMillion.map(Value.double) ?? .null
                o["source"] = m.source.map(Value.string) ?? .null
                o["pricing_source"] = m.pricingSource.map(Value.string) ?? .null
                o["as_of"] = m.asOf.map(Value.string) ?? .null
                if let notes = m.notes { o["notes"] = .string(notes) }
                return .object(o)
            }
            print(JSON.serialize(.object(OrderedObject([("version", .int(1)), ("models", .array(items))])), pretty: true))
            return
        }
        let t = Terminal.detect()
        var rows: [[String]] = [["model", "provider", "tokenizer", "context", "max output", "$/M in", "$/M out", "as of"]]
        for m in catalog.models {
            rows.append([
                m.id, m.provider,
                (m.tokenizer.isEstimate ? "~" : "") + m.tokenizer.encoding.rawValue,
                m.contextWindow.map(String.init) ?? "—", m.maxOutputTokens.map(String.init) ?? "—",
                m.inputPerMillion.map { String(format: "%.2f", $0) } ?? "—",
                m.outputPerMillion.map { String(format: "%.2f", $0) } ?? "—",
                m.asOf ?? "—",
            ])
        }
        for line in HumanOutput.table(rows, leftAligned: 3, separator: "  ", terminal: t) { print(line) }
        print("~ estimate: no public tokenizer; counts use the named encoding")
    }
}
