import Analysis
import CoreSupport
import LanguageServerProtocol
import ModelCatalog
import PromptSyntax

extension LanguageServer {
    func hover(_ params: Value) throws(ResponseError) -> Value {
        let doc = try document(params)
        guard isAnalysed(doc) else { return .null }
        let offset = converter.offset(try Position(params["position"]), doc.lineIndex)
        let parsed = doc.parsed
        var markdown: String?
        var range: TextRange?

        if let occurrence = facts(doc).names.occurrence(at: offset) {
            range = occurrence.range
            switch occurrence.kind {
            case .variable: markdown = variableHover(doc, occurrence)
            case .partial: markdown = partialHover(occurrence.text)
            }
        } else if let decl = parsed.prompt.variables.first(where: { $0.name.range.contains(offset) || $0.name.range.end == offset }) {
            range = decl.name.range
            markdown = variableHover(doc, name: decl.name.value, path: decl.name.value)
        } else if let model = ([parsed.prompt.model].compactMap { $0 } + parsed.prompt.fallbackModels).first(where: { $0.range.contains(offset) }) {
            range = model.range
            markdown = modelHover(model.value)
        } else if let index = messageIndex(parsed, at: offset) {
            markdown = messageHover(doc, index)
        }
        guard let markdown else { return .null }
        return object(("contents", object(("kind", .string("markdown")), ("value", .string(markdown)))),
                      ("range", range.map { converter.range($0, doc.lineIndex).json }))
    }

    /// The rendered message whose YAML (role and content) contains `offset`.
    func messageIndex(_ parsed: ParsedFile, at offset: Int) -> Int? {
        parsed.templates.firstIndex { t in
            t.source.node.range.contains(offset) || (message(of: t, in: parsed)?.range.contains(offset) ?? false)
        }
    }

    func variableHover(_ doc: OpenDocument, _ occurrence: NameOccurrence) -> String? {
        guard let root = occurrence.rootVariable else {
            return "`\(occurrence.text)`: a field of the enclosing section's items"
        }
        return variableHover(doc, name: root, path: occurrence.text)
    }

    func variableHover(_ doc: OpenDocument, name: String, path: String) -> String? {
        guard let decl = doc.parsed.prompt.variable(name) else { return nil }
        var schema: VariableSchema? = decl.schema
        for part in path.split(separator: ".").dropFirst() { schema = schema?.property(String(part)) }
        var lines: [String] = []
        let type = schema?.type?.value.rawValue ?? "any"
        lines.append("```\n\(path): \(type)\(decl.isRequired ? "" : "?")\n```")
        if let s = schema {
            if let d = s.description { lines.append(d) }
            var facts: [String] = []
            if path == name { facts.append(decl.isRequired ? "required" : "optional") }
            if let e = s.enumValues { facts.append("one of " + e.map { "`\($0.interpolationText)`" }.joined(separator: ", ")) }
            if let d = s.defaultValue { facts.append("default `\(YAMLValues.value(of: d, in: doc.parsed.prompt.document).value.interpolationText)`") }
            if let e = s.example { facts.append("example `\(YAMLValues.value(of: e, in: doc.parsed.prompt.document).value.interpolationText)`") }
            if s.untrusted { facts.append("**untrusted**: end-user or document content") }
            if !facts.isEmpty { lines.append(facts.joined(separator: " · ")) }
        }
        let sample = sampleName(for: doc)
        if let value = Self.lookup(path, in: facts(doc).data) {
            let shown = value.interpolationText
            let clipped = shown.count > 400 ? String(shown.prefix(400)) + "…" : shown
            lines.append("Value in sample `\(sample ?? "defaults")`:\n```\n\(clipped)\n```")
        } else if let sample {
            lines.append("No value in sample `\(sample)`.")
        }
        return lines.joined(separator: "\n\n")
    }

    func partialHover(_ name: String) -> String {
        guard let file = workspace.partial(named: name) else { return "`\(name)`: no prompt file in the workspace has this name" }
        var text = "partial `\(name)`: \(file.path)"
        if let d = file.prompt.description { text += "\n\n\(d)" }
        return text
    }

    func modelHover(_ id: String) -> String? {
        guard let m = workspace.models.model(id) else { return nil }
        var facts = ["**\(m.id)** (\(m.provider))"]
        facts.append(m.tokenizer.isEstimate ? "tokens: estimated with \(m.tokenizer.encoding.rawValue)" : "tokens: \(m.tokenizer.encoding.rawValue), exact")
        if let w = m.contextWindow { facts.append("context window: \(Self.grouped(w)) tokens") }
        if let o = m.maxOutputTokens { facts.append("max output: \(Self.grouped(o)) tokens") }
        if let i = m.inputPerMillion, let o = m.outputPerMillion { facts.append("price: $\(i) in / $\(o) out per million tokens") }
        if let asOf = m.asOf { facts.append("catalog as of \(asOf)") }
        return facts.joined(separator: "  \n")
    }

    /// One message's tokens and the whole prompt's, across the file's model and a few others.
    func messageHover(_ doc: OpenDocument, _ index: Int) -> String {
        let rendered = facts(doc).rendered
        let rendering = rendered.rendering
        guard index < rendering.messages.count else { return "" }
        let ws = workspace
        var ids = [doc.parsed.prompt.model?.value].compactMap { $0 } + settings.hoverModels
        var seen: Set<String> = []
        ids = ids.filter { ws.models.model($0) != nil && seen.insert(ws.models.model($0)?.id ?? $0).inserted }
        var rows = ["| model | this message | prompt | input cost |", "|---|--:|--:|--:|"]
        for id in ids {
            guard let m = ws.models.model(id) else { continue }
            let c = countTokens(rendering, m.tokenizer.encoding)
            let mark = m.tokenizer.isEstimate ? "≈" : ""
            rows.append("| \(m.id) | \(mark)\(Self.grouped(c.contentTokens[index])) | \(mark)\(Self.grouped(c.total)) | \(m.inputCost(tokens: c.total).map(ModelInfo.formatCost) ?? "—") |")
        }
        let role = rendering.messages[index].role
        var text = "**\(role) message**: tokens with sample `\(rendered.sample ?? "defaults")`\n\n" + rows.joined(separator: "\n")
        if rows.contains(where: { $0.contains("≈") }) { text += "\n\n≈ estimate: the model's tokenizer is not public" }
        return text
    }
}
