import Analysis
import CoreSupport
import LanguageServerProtocol
import PromptSyntax

/// What is under the cursor, for definition, references and rename.
enum SymbolAtCursor {
    /// A declared variable, reached from its declaration, a use, a sample key or a test key.
    case variable(String, range: TextRange)
    /// A prompt name: a `{{> name}}` tag or the file's own `name:`.
    case prompt(String, range: TextRange)
}

extension LanguageServer {
    func symbol(at offset: Int, in doc: OpenDocument) -> SymbolAtCursor? {
        let prompt = doc.parsed.prompt
        func hit(_ r: TextRange) -> Bool { r.contains(offset) || r.end == offset }
        if let o = facts(doc).names.occurrence(at: offset) {
            switch o.kind {
            case .variable: return o.rootVariable.map { .variable($0, range: o.rootRange) }
            case .partial: return .prompt(o.text, range: o.range)
            }
        }
        if let d = prompt.variables.first(where: { hit($0.name.range) }) { return .variable(d.name.value, range: d.name.range) }
        for key in dataKeys(doc.parsed) where hit(key.range) && prompt.variable(key.value) != nil {
            return .variable(key.value, range: key.range)
        }
        if let name = prompt.name, hit(name.range) { return .prompt(name.value, range: name.range) }
        return nil
    }

    /// Keys of sample values and of test `vars`: the places a variable's name is written as data.
    func dataKeys(_ parsed: ParsedFile) -> [Located<String>] {
        var keys = parsed.prompt.samples.flatMap { $0.values.map(\.key) }
        for test in parsed.prompt.tests?.sequence ?? [] {
            for pair in test["vars"]?.mapping ?? [] {
                if let s = pair.key.scalar { keys.append(Located(s.value, pair.key.range)) }
            }
        }
        return keys
    }

    func location(_ path: String, _ range: TextRange) -> Value? {
        guard let index = lineIndex(forPath: path) else { return nil }
        return Location(uri: DocumentURI.uri(forPath: path), range: converter.range(range, index)).json
    }

    func definition(_ params: Value) throws(ResponseError) -> Value {
        let doc = try document(params)
        guard isAnalysed(doc) else { return .null }
        let offset = converter.offset(try Position(params["position"]), doc.lineIndex)
        switch symbol(at: offset, in: doc) {
        case .variable(let name, _)?:
            guard let decl = doc.parsed.prompt.variable(name) else { return .null }
            return location(doc.path, decl.name.range) ?? .null
        case .prompt(let name, _)?:
            let targets = workspace.files(named: name).filter { $0.path != doc.path }
            return .array(targets.compactMap { f in location(f.path, f.prompt.name?.range ?? .empty(at: 0)) })
        case nil:
            return .null
        }
    }

    func references(_ params: Value) throws(ResponseError) -> Value {
        let doc = try document(params)
        guard isAnalysed(doc) else { return .array([]) }
        let offset = converter.offset(try Position(params["position"]), doc.lineIndex)
        let includeDeclaration = params.at("context", "includeDeclaration")?.boolValue ?? true
        var out: [Value] = []
        switch symbol(at: offset, in: doc) {
        case .variable(let name, _)?:
            for r in variableRanges(name, in: doc, includeDeclaration: includeDeclaration) {
                if let l = location(doc.path, r) { out.append(l) }
            }
        case .prompt(let name, _)?:
            let ws = workspace
            if includeDeclaration {
                for f in ws.files(named: name) { if let r = f.prompt.name?.range, let l = location(f.path, r) { out.append(l) } }
            }
            for f in ws.files {
                for tag in PartialGraph.partialTags(of: f) where tag.name == name {
                    if let l = location(f.path, tag.range) { out.append(l) }
                }
            }
        case nil:
            break
        }
        return .array(out)
    }

    /// Every place the variable's name is written in the file, in order.
    func variableRanges(_ name: String, in doc: OpenDocument, includeDeclaration: Bool) -> [TextRange] {
        var ranges: [TextRange] = []
        if includeDeclaration, let decl = doc.parsed.prompt.variable(name) { ranges.append(decl.name.range) }
        ranges += facts(doc).names.uses(of: name).map(\.rootRange)
        ranges += dataKeys(doc.parsed).filter { $0.value == name }.map(\.range)
        return Array(Set(ranges)).sorted()
    }

    func prepareRename(_ params: Value) throws(ResponseError) -> Value {
        let doc = try document(params)
        guard isAnalysed(doc) else { return .null }
        let offset = converter.offset(try Position(params["position"]), doc.lineIndex)
        guard case .variable(let name, let range)? = symbol(at: offset, in: doc) else {
            throw ResponseError(.requestFailed, "only declared variables can be renamed")
        }
        return object(("range", converter.range(range, doc.lineIndex).json), ("placeholder", .string(name)))
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || $0 == "-" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }

    func rename(_ params: Value) throws(ResponseError) -> Value {
        let doc = try document(params)
        guard isAnalysed(doc) else { return .null }
        let offset = converter.offset(try Position(params["position"]), doc.lineIndex)
        guard let newName = params["newName"]?.stringValue else { throw .invalidParams("`newName` is required") }
        guard case .variable(let name, _)? = symbol(at: offset, in: doc) else {
            throw ResponseError(.requestFailed, "only declared variables can be renamed")
        }
        guard Self.isIdentifier(newName) else {
            throw ResponseError(.requestFailed, "`\(newName)` is not a valid variable name (letters, digits, `_` and `-`, not starting with a digit)")
        }
        if newName != name, doc.parsed.prompt.variable(newName) != nil {
            throw ResponseError(.requestFailed, "a variable named `\(newName)` is already declared")
        }
        let edits = variableRanges(name, in: doc, includeDeclaration: true).map {
            TextEdit(range: converter.range($0, doc.lineIndex), newText: newName)
        }
        return WorkspaceEdit(changes: [(doc.uri, edits)]).json
    }

    // MARK: Symbols

    func documentSymbols(_ params: Value) throws(ResponseError) -> Value {
        let doc = try document(params)
        guard isAnalysed(doc) else { return .array([]) }
        let prompt = doc.parsed.prompt
        let li = doc.lineIndex
        func r(_ t: TextRange) -> Range { converter.range(t, li) }
        var symbols: [DocumentSymbol] = []

        func variableSymbol(_ name: Located<String>, _ schema: VariableSchema, valueRange: TextRange) -> DocumentSymbol {
            let children = (schema.properties ?? []).map { p in
                variableSymbol(p.name, p.schema, valueRange: p.name.range)
            } + (schema.items?.properties ?? []).map { p in variableSymbol(p.name, p.schema, valueRange: p.name.range) }
            return DocumentSymbol(name: name.value, detail: schema.type?.value.rawValue, kind: .variable,
                                  range: r(TextRange(start: name.range.start, end: max(name.range.end, valueRange.end))),
                                  selectionRange: r(name.range), children: children)
        }
        if let node = prompt.variablesNode, !prompt.variables.isEmpty {
            symbols.append(DocumentSymbol(name: "variables", kind: .namespace, range: r(node.range), selectionRange: r(node.range),
                                          children: prompt.variables.map { variableSymbol($0.name, $0.schema, valueRange: $0.range) }))
        }
        if let t = prompt.template {
            symbols.append(DocumentSymbol(name: "template", kind: .string, range: r(t.node.range), selectionRange: r(t.node.range)))
        }
        for (i, m) in prompt.messages.enumerated() {
            let firstLine = m.content.map { String($0.text.prefix { $0 != "\n" }.prefix(60)) }
            symbols.append(DocumentSymbol(name: "\(i + 1). \(m.role?.value ?? "message")", detail: firstLine, kind: .object,
                                          range: r(m.range), selectionRange: r(m.role?.range ?? m.range)))
        }
        for s in prompt.samples {
            symbols.append(DocumentSymbol(name: "sample \(s.name.value)", kind: .object,
                                          range: r(TextRange(start: s.name.range.start, end: max(s.name.range.end, s.node.range.end))),
                                          selectionRange: r(s.name.range)))
        }
        for (i, test) in (prompt.tests?.sequence ?? []).enumerated() {
            let name = test["name"]
            symbols.append(DocumentSymbol(name: "test \(name?.scalar?.value ?? String(i + 1))", kind: .method, range: r(test.range),
                                          selectionRange: r(name?.range ?? test.range)))
        }
        return .array(symbols.map(\.json))
    }

    func workspaceSymbols(_ params: Value) -> Value {
        let query = (params["query"]?.stringValue ?? "").lowercased()
        var out: [Value] = []
        for f in workspace.files {
            guard let name = f.prompt.name, Self.fuzzyMatches(query, name.value.lowercased()) else { continue }
            guard let loc = location(f.path, name.range) else { continue }
            out.append(object(("name", .string(name.value)), ("kind", .int(SymbolKind.file.rawValue)), ("location", loc),
                              ("containerName", .string(f.prompt.version?.value ?? ""))))
            if out.count >= 500 { break }
        }
        return .array(out)
    }

    /// Query characters appear in order (what editors' symbol pickers expect).
    static func fuzzyMatches(_ query: String, _ candidate: String) -> Bool {
        var it = candidate.makeIterator()
        for q in query { while true { guard let c = it.next() else { return false }; if c == q { break } } }
        return true
    }
}
