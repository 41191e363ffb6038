import Analysis
import CoreSupport
import Foundation
import LanguageServerProtocol
import ModelCatalog
import PromptSyntax
import Synchronization
import Tokenizer

/// Token counts of rendered message texts, kept across keystrokes: typing in one message leaves
/// the others' text unchanged, so only the edited message is counted again.
final class TokenCountCache: Sendable {
    private struct Key: Hashable {
        let encoding: Encoding.Name
        let text: String
    }
    private let counts = Mutex<[Key: Int]>([:])
    static let capacity = 4096

    func count(_ text: String, _ encoding: Encoding.Name) -> Int {
        let key = Key(encoding: encoding, text: text)
        if let hit = counts.withLock({ $0[key] }) { return hit }
        let n = Encoding.named(encoding).count(text)
        counts.withLock { table in
            // Dropping everything at capacity keeps memory bounded over thousands of edits.
            if table.count >= Self.capacity { table.removeAll(keepingCapacity: true) }
            table[key] = n
        }
        return n
    }
}

/// A document rendered with its selected sample and counted for its model.
struct RenderedDocument {
    let sample: String?
    let rendering: PromptRendering
    let model: ModelInfo?
    let encoding: Encoding.Name
    let count: PromptTokenCount
    /// Set when the sample's values could not be used (the rendering then uses defaults only).
    let dataProblem: String?
    /// The sample's template data; nil when it could not be built.
    let sampleData: Value?

    var isEstimate: Bool { model?.tokenizer.isEstimate ?? false }
}

/// What several requests on the same document version need: its rendering with the selected
/// sample and its name index. Computed once per (version, sample, workspace generation).
final class DocumentFacts {
    let version: Int
    let generation: Int
    let rendered: RenderedDocument
    let names: NameIndex
    /// The template data of the selected sample (null when it could not be built).
    let data: Value

    init(version: Int, generation: Int, rendered: RenderedDocument, names: NameIndex, data: Value) {
        self.version = version
        self.generation = generation
        self.rendered = rendered
        self.names = names
        self.data = data
    }
}

extension LanguageServer {
    func facts(_ doc: OpenDocument) -> DocumentFacts {
        let ws = workspace
        let sample = sampleName(for: doc)
        if let cached = factsCache[doc.uri], cached.version == doc.version, cached.generation == generation,
           cached.rendered.sample == sample {
            return cached
        }
        let rendered = render(doc)
        let facts = DocumentFacts(version: doc.version, generation: generation, rendered: rendered,
                                  names: NameIndex.build(doc.parsed, in: ws), data: rendered.sampleData ?? .null)
        factsCache[doc.uri] = facts
        return facts
    }

    func sampleName(for doc: OpenDocument) -> String? {
        let samples = doc.parsed.prompt.samples.map(\.name.value)
        if let chosen = selectedSample[doc.uri], samples.contains(chosen) { return chosen }
        return samples.first
    }

    func render(_ doc: OpenDocument, sample: String? = nil) -> RenderedDocument {
        let name = sample ?? sampleName(for: doc)
        var problem: String?
        var sampleData: Value?
        let data: Value
        do {
            data = try PromptRenderer.data(for: doc.parsed, sample: name)
            sampleData = data
        } catch {
            problem = error.description
            data = (try? PromptRenderer.data(for: doc.parsed, values: .object(OrderedObject()))) ?? .object(OrderedObject())
        }
        let ws = workspace
        let rendering = PromptRenderer.render(doc.parsed, data: data, workspace: ws)
        let model = doc.parsed.prompt.model.flatMap { ws.models.model($0.value) }
        let encoding = model?.tokenizer.encoding ?? .o200kBase
        let count = countTokens(rendering, encoding)
        return RenderedDocument(sample: name, rendering: rendering, model: model, encoding: encoding, count: count, dataProblem: problem,
                                sampleData: sampleData)
    }

    func countTokens(_ rendering: PromptRendering, _ encoding: Encoding.Name) -> PromptTokenCount {
        PromptTokenCount.count(rendering, encoding: encoding) { tokenCache.count($0, encoding) }
    }

    /// The `messages:` entry whose content is `template` (nil for a `template:` body).
    func message(of template: ParsedTemplate, in parsed: ParsedFile) -> PromptSyntax.Message? {
        parsed.prompt.messages.first { $0.content?.node.range == template.source.node.range }
    }

    /// Where each rendered message is anchored in the file: its `role:` value, or the template.
    func messageAnchors(_ parsed: ParsedFile) -> [TextRange] {
        parsed.templates.map { t in
            guard let m = message(of: t, in: parsed) else { return t.source.node.range }
            return m.role?.range ?? m.range
        }
    }

    static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func compact(_ n: Int) -> String {
        n >= 1_000_000 && n % 1_000_000 == 0 ? "\(n / 1_000_000)M" : n >= 1000 && n % 1000 == 0 ? "\(n / 1000)k" : grouped(n)
    }

    // MARK: Inlay hints

    func inlayHints(_ params: Value) throws(ResponseError) -> Value {
        let doc = try document(params)
        guard isAnalysed(doc), !doc.parsed.templates.isEmpty else { return .array([]) }
        let range = try Range(params["range"])
        let lo = converter.offset(range.start, doc.lineIndex)
        let hi = converter.offset(range.end, doc.lineIndex)
        let facts = facts(doc)
        let rendered = facts.rendered
        let mark = rendered.isEstimate ? "≈" : ""
        var hints: [InlayHint] = []

        for (anchor, tokens) in zip(messageAnchors(doc.parsed), rendered.count.contentTokens) {
            let line = doc.lineIndex.line(containing: anchor.start)
            let end = doc.lineIndex.lineRange(line).end
            guard end >= lo && end <= hi else { continue }
            hints.append(InlayHint(position: converter.position(end, doc.lineIndex),
                                   label: "\(mark)\(Self.grouped(tokens)) token\(tokens == 1 ? "" : "s")",
                                   tooltip: "\(rendered.encoding.rawValue)\(rendered.isEstimate ? " (an estimate: the model's tokenizer is not public)" : ""), sample: \(rendered.sample ?? "none")"))
        }

        let data = facts.data
        for occurrence in facts.names.occurrences
        where occurrence.kind == .variable && occurrence.rootVariable != nil && occurrence.tag.end >= lo && occurrence.tag.end <= hi {
            guard let value = Self.lookup(occurrence.text, in: data) else { continue }
            hints.append(InlayHint(position: converter.position(occurrence.tag.end, doc.lineIndex),
                                   label: "= " + Self.preview(value), kind: .type,
                                   tooltip: "`\(occurrence.text)` in sample `\(rendered.sample ?? "defaults")`", paddingLeft: false))
        }
        return .array(hints.sorted { ($0.position.line, $0.position.character) < ($1.position.line, $1.position.character) }.map(\.json))
    }

    static func lookup(_ dotted: String, in data: Value) -> Value? {
        var v: Value? = data
        for part in dotted.split(separator: ".", omittingEmptySubsequences: false) { v = v?[String(part)] }
        return v
    }

    /// A one-line, truncated rendering of a value for hints.
    static func preview(_ value: Value, limit: Int = 32) -> String {
        switch value {
        case .string(let s):
            var line = ""
            var count = 0
            for c in s {
                if count == limit { line += "…"; break }
                line.append(c == "\n" || c == "\r\n" || c == "\r" ? "⏎" : c)
                count += 1
            }
            return JSON.quoted(line)
        case .array(let a): return "[\(a.count) item\(a.count == 1 ? "" : "s")]"
        case .object(let o): return "{\(o.keys.prefix(3).joined(separator: ", "))\(o.count > 3 ? ", …" : "")}"
        default: return value.interpolationText
        }
    }

    // MARK: Code lenses

    func codeLenses(_ params: Value) throws(ResponseError) -> Value {
        let doc = try document(params)
        guard isAnalysed(doc), !doc.parsed.templates.isEmpty else { return .array([]) }
        let anchor = doc.parsed.prompt.name?.range ?? .empty(at: 0)
        let line = doc.lineIndex.line(containing: anchor.start)
        let range = converter.range(TextRange(start: doc.lineIndex.lineStarts[line], end: doc.lineIndex.lineStarts[line]), doc.lineIndex)
        let rendered = facts(doc).rendered
        let uri = Value.string(doc.uri)
        var lenses: [CodeLens] = []

        lenses.append(CodeLens(range: range, command: Command(title: tokenSummary(doc, rendered), command: ServerCommand.preview.rawValue, arguments: [uri])))
        let samples = doc.parsed.prompt.samples.map(\.name.value)
        if let current = rendered.sample, let i = samples.firstIndex(of: current) {
            let next = samples[(i + 1) % samples.count]
            let title = samples.count > 1 ? "sample: \(current) (\(i + 1)/\(samples.count)) ⇄ \(next)" : "sample: \(current)"
            lenses.append(CodeLens(range: range, command: Command(title: title, command: ServerCommand.selectSample.rawValue, arguments: [uri, .string(next)])))
        } else {
            lenses.append(CodeLens(range: range, command: Command(title: "no samples: declared defaults", command: ServerCommand.preview.rawValue, arguments: [uri])))
        }
        if let status = registryStatus(doc), let version = doc.parsed.prompt.version {
            let line = doc.lineIndex.line(containing: version.range.start)
            let at = converter.range(TextRange(start: doc.lineIndex.lineStarts[line], end: doc.lineIndex.lineStarts[line]), doc.lineIndex)
            lenses.append(CodeLens(range: at, command: Command(title: status.title, command: ServerCommand.registryStatus.rawValue, arguments: [uri])))
        }
        lenses += testLenses(doc, at: range)
        return .array(lenses.map(\.json))
    }

    /// What the registry says about this file's name and version, for the lens and the
    /// `promptkit.registryStatus` command. nil when the registry does not know the name.
    func registryStatus(_ doc: OpenDocument) -> (title: String, json: Value)? {
        let facts = workspace.registry
        guard let name = doc.parsed.name, let version = doc.parsed.prompt.version?.value,
              let environments = facts.environments[name] else { return nil }
        let running = environments.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        var o = OrderedObject()
        o["name"] = .string(name)
        o["version"] = .string(version)
        o["environments"] = .object(OrderedObject(environments.sorted { $0.key < $1.key }.map { ($0.key, Value.string($0.value)) }))
        guard let published = facts.version(name, version) else {
            o["published"] = .bool(false)
            return ("registry: \(version) not published · " + running.joined(separator: ", "), .object(o))
        }
        let hash = SHA256.hex(doc.bytes)
        o["published"] = .bool(true)
        o["published_hash"] = .string(published.contentHash)
        o["current_hash"] = .string(hash)
        o["running_in"] = .array(published.environments.map(Value.string))
        if hash != published.contentHash {
            return ("registry: ⚠ edited since \(version) was published (bump version)", .object(o))
        }
        let title = published.environments.isEmpty ? "registry: \(version) published · runs in no environment"
            : "registry: \(version) runs in " + published.environments.joined(separator: ", ")
        return (title, .object(o))
    }

    func tokenSummary(_ doc: OpenDocument, _ rendered: RenderedDocument) -> String {
        let mark = rendered.isEstimate ? "≈" : ""
        var parts = ["\(mark)\(Self.grouped(rendered.count.total)) tokens"]
        guard let model = rendered.model else {
            parts.append(rendered.encoding.rawValue)
            return parts.joined(separator: " · ")
        }
        let reserved = doc.parsed.prompt.maxTokens?.value ?? 0
        if let window = model.contextWindow {
            let percent = Double(rendered.count.total + reserved) * 100 / Double(window)
            parts.append(String(format: "%.1f%%", percent) + " of \(model.id)'s \(Self.compact(window))")
        } else {
            parts.append(model.id)
        }
        if let input = model.inputCost(tokens: rendered.count.total) {
            var cost = ModelInfo.formatCost(input) + "/call"
            if reserved > 0, let output = model.outputCost(tokens: reserved) { cost += " (+ up to \(ModelInfo.formatCost(output)) output)" }
            parts.append(cost)
        }
        return parts.joined(separator: " · ")
    }
}
