import Analysis
import CoreSupport
import LanguageServerProtocol
import Mustache
import PromptSyntax

extension LanguageServer {
    func completion(_ params: Value) throws(ResponseError) -> Value {
        let doc = try document(params)
        guard isAnalysed(doc) else { return .array([]) }
        let offset = converter.offset(try Position(params["position"]), doc.lineIndex)
        let line = doc.lineIndex.line(containing: offset)
        let lineStart = doc.lineIndex.lineStarts[line]
        let prefix = Array(doc.bytes[lineStart..<offset])
        let items = tagCompletions(doc, offset: offset, linePrefix: prefix)
            ?? yamlCompletions(doc, offset: offset, line: line, linePrefix: prefix)
        return object(("isIncomplete", .bool(false)), ("items", .array(items.map(\.json))))
    }

    // MARK: Inside `{{ … }}`

    /// Completions inside an unclosed `{{` on the cursor's line; nil when the cursor is not in a tag.
    func tagCompletions(_ doc: OpenDocument, offset: Int, linePrefix: [UInt8]) -> [CompletionItem]? {
        guard let open = Self.lastIndex(of: Array("{{".utf8), in: linePrefix) else { return nil }
        if Self.lastIndex(of: Array("}}".utf8), in: linePrefix).map({ $0 > open }) ?? false { return nil }
        var i = open + 2
        var sigil: UInt8?
        while i < linePrefix.count, linePrefix[i] == UInt8(ascii: " ") { i += 1 }
        if i < linePrefix.count, Array("#^/>&{!$<".utf8).contains(linePrefix[i]) {
            sigil = linePrefix[i]
            i += 1
            while i < linePrefix.count, linePrefix[i] == UInt8(ascii: " ") { i += 1 }
        }
        let typed = String(decoding: linePrefix[i...], as: UTF8.self)
        guard typed.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }) else { return nil }
        if sigil == UInt8(ascii: "!") { return [] }
        let typedStart = offset - (linePrefix.count - i)
        let editRange = converter.range(TextRange(start: typedStart, end: offset), doc.lineIndex)
        let closing = Self.hasClosingBraces(after: offset, in: doc.bytes) ? "" : (sigil == UInt8(ascii: "{") ? "}}}" : "}}")

        if sigil == UInt8(ascii: ">") || sigil == UInt8(ascii: "<") {
            let own = doc.parsed.name
            return workspace.names.filter { $0 != own }.enumerated().map { n, name in
                let file = workspace.partial(named: name)
                return CompletionItem(label: name, kind: .file, detail: file?.prompt.description ?? file?.path,
                                      sortText: String(format: "%05d", n), textEdit: TextEdit(range: editRange, newText: name + closing))
            }
        }
        // Which template the cursor is in, and where in it, to know the enclosing sections.
        var candidates: [NameCandidate] = doc.parsed.prompt.variables.map { NameCandidate(name: $0.name.value, schema: $0.schema, isField: false) }
        if let t = doc.parsed.templates.first(where: { $0.source.node.range.start <= offset && offset <= $0.source.node.range.end }),
           let templateOffset = t.source.sourceMap.valueOffset(forFileOffset: offset) {
            candidates = NameIndex.candidates(in: doc.parsed, template: t, at: templateOffset)
        }
        // `{{customer.` completes the properties of `customer`.
        let parts = typed.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var replaceFrom = typedStart
        if parts.count > 1 {
            var schema = candidates.first { $0.name == parts[0] }?.schema
            for p in parts.dropFirst().dropLast() { schema = schema?.property(p) }
            candidates = (schema?.properties ?? []).map { NameCandidate(name: $0.name.value, schema: $0.schema, isField: true) }
            replaceFrom = offset - (parts.last ?? "").utf8.count
        }
        let range = converter.range(TextRange(start: replaceFrom, end: offset), doc.lineIndex)
        return candidates.enumerated().map { n, c in
            let type = c.schema?.type?.value.rawValue
            let detail = [c.isField ? "field" : "variable", type].compactMap { $0 }.joined(separator: ": ")
            return CompletionItem(label: c.name, kind: c.isField ? .field : .variable, detail: detail,
                                  documentation: c.schema?.description, sortText: String(format: "%05d", n),
                                  textEdit: TextEdit(range: range, newText: c.name + closing))
        }
    }

    static func lastIndex(of needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        var i = hay.count - needle.count
        while i >= 0 {
            if Array(hay[i..<i + needle.count]) == needle { return i }
            i -= 1
        }
        return nil
    }

    static func hasClosingBraces(after offset: Int, in bytes: [UInt8]) -> Bool {
        var i = offset
        while i < bytes.count, bytes[i] != UInt8(ascii: "\n") {
            if bytes[i] == UInt8(ascii: "}") { return true }
            if bytes[i] == UInt8(ascii: "{") { return false }
            i += 1
        }
        return false
    }

    // MARK: YAML keys and values

    func yamlCompletions(_ doc: OpenDocument, offset: Int, line: Int, linePrefix: [UInt8]) -> [CompletionItem] {
        let text = String(decoding: linePrefix, as: UTF8.self)
        let indent = text.prefix { $0 == " " }.count
        var body = Substring(text.dropFirst(indent))
        var isListItem = false
        if body.hasPrefix("- ") {
            isListItem = true
            body = body.dropFirst(2).drop { $0 == " " }
        }
        let path = Self.keyPath(doc.bytes, lineIndex: doc.lineIndex, line: line, indent: indent)

        // `key: partial-value`
        if let colon = body.firstIndex(of: ":") {
            let key = String(body[..<colon]).trimmingCharacters(in: .whitespaces)
            var value = body[body.index(after: colon)...].drop { $0 == " " }
            var inFlowList = false
            if value.hasPrefix("[") {
                inFlowList = true
                value = value.split(separator: ",", omittingEmptySubsequences: false).last?.drop { $0 == " " || $0 == "[" } ?? ""
            }
            let typedStart = offset - value.utf8.count
            let range = converter.range(TextRange(start: typedStart, end: offset), doc.lineIndex)
            return valueCompletions(key: inFlowList && key == "fallback_models" ? "fallback_models" : key,
                                    path: path, range: range)
        }
        let typed = String(body)
        guard typed.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return [] }
        let range = converter.range(TextRange(start: offset - typed.utf8.count, end: offset), doc.lineIndex)

        // A list item under `fallback_models:`.
        if isListItem, path.last == "fallback_models" {
            return valueCompletions(key: "fallback_models", path: path, range: range)
        }
        let keys: [String]
        var present: Set<String> = []
        switch path.count {
        case 0:
            keys = PromptFileReader.topLevelKeys
            present = Set(doc.parsed.prompt.document.root?.mapping?.compactMap { $0.key.scalar?.value } ?? [])
        case _ where path.first == "variables" && (path.count == 2 || path.last == "items" || (path.count >= 4 && path[path.count - 2] == "properties")):
            keys = PromptFileReader.variableKeys
        case 1 where path[0] == "messages":
            keys = PromptFileReader.messageKeys
        case 1 where path[0] == "params":
            keys = ["temperature", "max_tokens", "top_p", "stop", "seed", "frequency_penalty", "presence_penalty", "response_format"]
        case 1 where path[0] == "budget":
            keys = ["max_prompt_tokens"]
        default:
            return []
        }
        return keys.filter { !present.contains($0) }.enumerated().map { n, k in
            CompletionItem(label: k, kind: .property, detail: path.isEmpty ? "prompt file key" : path.joined(separator: "."),
                           sortText: String(format: "%05d", n), textEdit: TextEdit(range: range, newText: k + ": "))
        }
    }

    func valueCompletions(key: String, path: [String], range: Range) -> [CompletionItem] {
        func simple(_ values: [String], _ kind: CompletionItemKind, _ detail: String) -> [CompletionItem] {
            values.enumerated().map { n, v in
                CompletionItem(label: v, kind: kind, detail: detail, sortText: String(format: "%05d", n), textEdit: TextEdit(range: range, newText: v))
            }
        }
        switch key {
        case "role" where path.first == "messages" || path.isEmpty:
            return simple(Role.allCases.map(\.rawValue), .enumMember, "message role")
        case "type" where path.first == "variables":
            return simple(VariableType.allCases.map(\.rawValue), .typeParameter, "variable type")
        case "required", "untrusted":
            return simple(["true", "false"], .value, key)
        case "model", "fallback_models":
            guard path.isEmpty || path == ["fallback_models"] else { return [] }
            return workspace.models.models.enumerated().map { n, m in
                var facts: [String] = []
                if let w = m.contextWindow { facts.append("\(Self.compact(w)) context") }
                if let i = m.inputPerMillion, let o = m.outputPerMillion { facts.append("$\(i) / $\(o) per M in/out") }
                facts.append(m.tokenizer.isEstimate ? "≈ \(m.tokenizer.encoding.rawValue)" : m.tokenizer.encoding.rawValue)
                return CompletionItem(label: m.id, kind: .constant, detail: facts.joined(separator: " · "),
                                      documentation: m.notes, sortText: String(format: "%05d", n), textEdit: TextEdit(range: range, newText: m.id))
            }
        default:
            return []
        }
    }

    /// The chain of mapping keys enclosing `line` at `indent`, read from indentation alone: the
    /// buffer is usually mid-edit and not valid YAML, so the parsed tree cannot be trusted here.
    static func keyPath(_ bytes: [UInt8], lineIndex: LineIndex, line: Int, indent: Int) -> [String] {
        var path: [String] = []
        var limit = indent
        var l = line - 1
        while l >= 0, limit > 0 {
            let r = lineIndex.lineRange(l)
            let text = String(decoding: bytes[r.start..<r.end], as: UTF8.self)
            l -= 1
            let stripped = text.drop { $0 == " " }
            let ind = text.count - stripped.count
            guard !stripped.isEmpty, !stripped.hasPrefix("#"), ind < limit else { continue }
            // A list item's own keys sit deeper than its dash: the dash line adds no key to the path.
            if stripped.hasPrefix("- ") {
                limit = ind
            } else if let colon = stripped.firstIndex(of: ":") {
                path.insert(String(stripped[..<colon]).trimmingCharacters(in: .whitespaces), at: 0)
                limit = ind
            }
        }
        return path
    }
}
