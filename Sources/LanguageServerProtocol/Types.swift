import CoreSupport

// The LSP 3.17 structures promptkit sends and receives. No LSP types package resolves from the
// package mirror here, so these are ours; they are deliberately thin: each type knows how to
// become JSON (`json`) and, for what clients send, how to be read from it. Field names follow the
// specification exactly; pytest-lsp's end-to-end tests check every message against its types.

public extension Value {
    var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    var intValue: Int? {
        switch self {
        case .int(let i): i
        case .double(let d) where d.rounded() == d && abs(d) < 1e15: Int(d)
        default: nil
        }
    }
    var doubleValue: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
    var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    var arrayValue: [Value]? { if case .array(let a) = self { a } else { nil } }
    var objectValue: OrderedObject? { if case .object(let o) = self { o } else { nil } }

    /// Follows a path of object keys (`params.at("textDocument", "uri")`).
    func at(_ keys: String...) -> Value? {
        var v: Value? = self
        for k in keys { v = v?[k] }
        return v
    }
}

/// Builds a JSON object leaving out nil fields (LSP optional properties are absent, not null).
public func object(_ pairs: (String, Value?)...) -> Value {
    var o = OrderedObject()
    for (k, v) in pairs { if let v { o[k] = v } }
    return .object(o)
}

public struct Position: Hashable, Sendable {
    public var line: Int
    public var character: Int
    public init(line: Int, character: Int) {
        self.line = line
        self.character = character
    }

    public init(_ value: Value?) throws(ResponseError) {
        guard let line = value?["line"]?.intValue, let character = value?["character"]?.intValue, line >= 0, character >= 0 else {
            throw .invalidParams("a position needs non-negative integer `line` and `character`")
        }
        self.init(line: line, character: character)
    }

    public var json: Value { .object(OrderedObject([("line", .int(line)), ("character", .int(character))])) }
}

public struct Range: Hashable, Sendable {
    public var start: Position
    public var end: Position
    public init(start: Position, end: Position) {
        self.start = start
        self.end = end
    }

    public init(_ value: Value?) throws(ResponseError) {
        try self.init(start: Position(value?["start"]), end: Position(value?["end"]))
    }

    public var json: Value { .object(OrderedObject([("start", start.json), ("end", end.json)])) }
}

public struct Location: Sendable {
    public var uri: String
    public var range: Range
    public init(uri: String, range: Range) {
        self.uri = uri
        self.range = range
    }
    public var json: Value { object(("uri", .string(uri)), ("range", range.json)) }
}

public struct TextEdit: Sendable {
    public var range: Range
    public var newText: String
    public init(range: Range, newText: String) {
        self.range = range
        self.newText = newText
    }
    public var json: Value { object(("range", range.json), ("newText", .string(newText))) }
}

public struct WorkspaceEdit: Sendable {
    /// Edits per document URI, in a stable order.
    public var changes: [(uri: String, edits: [TextEdit])]
    public init(changes: [(uri: String, edits: [TextEdit])]) { self.changes = changes }
    public var json: Value {
        var o = OrderedObject()
        for (uri, edits) in changes { o[uri] = .array(edits.map(\.json)) }
        return object(("changes", .object(o)))
    }
}

public struct Command: Sendable {
    public var title: String
    public var command: String
    public var arguments: [Value]
    public init(title: String, command: String, arguments: [Value] = []) {
        self.title = title
        self.command = command
        self.arguments = arguments
    }
    public var json: Value {
        object(("title", .string(title)), ("command", .string(command)), ("arguments", arguments.isEmpty ? nil : .array(arguments)))
    }
}

public enum DiagnosticSeverity: Int, Sendable {
    case error = 1, warning, information, hint
}

public struct DiagnosticRelatedInformation: Sendable {
    public var location: Location
    public var message: String
    public init(location: Location, message: String) {
        self.location = location
        self.message = message
    }
    public var json: Value { object(("location", location.json), ("message", .string(message))) }
}

public struct Diagnostic: Sendable {
    public var range: Range
    public var severity: DiagnosticSeverity
    public var code: String
    public var codeDescription: String?
    public var source: String
    public var message: String
    public var relatedInformation: [DiagnosticRelatedInformation]
    public var data: Value?

    public init(range: Range, severity: DiagnosticSeverity, code: String, codeDescription: String?, source: String,
                message: String, relatedInformation: [DiagnosticRelatedInformation], data: Value? = nil) {
        self.range = range
        self.severity = severity
        self.code = code
        self.codeDescription = codeDescription
        self.source = source
        self.message = message
        self.relatedInformation = relatedInformation
        self.data = data
    }

    public var json: Value {
        object(
            ("range", range.json),
            ("severity", .int(severity.rawValue)),
            ("code", .string(code)),
            ("codeDescription", codeDescription.map { object(("href", .string($0))) }),
            ("source", .string(source)),
            ("message", .string(message)),
            ("relatedInformation", relatedInformation.isEmpty ? nil : .array(relatedInformation.map(\.json))),
            ("data", data)
        )
    }
}

public enum MarkupKind: String, Sendable { case plaintext, markdown }

public enum InlayHintKind: Int, Sendable { case type = 1, parameter = 2 }

public struct InlayHint: Sendable {
    public var position: Position
    public var label: String
    public var kind: InlayHintKind?
    public var tooltip: String?
    public var paddingLeft: Bool
    public init(position: Position, label: String, kind: InlayHintKind? = nil, tooltip: String? = nil, paddingLeft: Bool = true) {
        self.position = position
        self.label = label
        self.kind = kind
        self.tooltip = tooltip
        self.paddingLeft = paddingLeft
    }
    public var json: Value {
        object(("position", position.json), ("label", .string(label)), ("kind", kind.map { .int($0.rawValue) }),
               ("tooltip", tooltip.map(Value.string)), ("paddingLeft", paddingLeft ? .bool(true) : nil))
    }
}

public struct CodeLens: Sendable {
    public var range: Range
    public var command: Command
    public init(range: Range, command: Command) {
        self.range = range
        self.command = command
    }
    public var json: Value { object(("range", range.json), ("command", command.json)) }
}

public enum CompletionItemKind: Int, Sendable {
    case text = 1, method, function, constructor, field, variable, `class`, interface, module, property, unit, value, `enum`,
         keyword, snippet, color, file, reference, folder, enumMember, constant, `struct`, event, `operator`, typeParameter
}

public struct CompletionItem: Sendable {
    public var label: String
    public var kind: CompletionItemKind
    public var detail: String?
    public var documentation: String?
    public var sortText: String?
    public var textEdit: TextEdit?
    public var insertText: String?
    public init(label: String, kind: CompletionItemKind, detail: String? = nil, documentation: String? = nil,
                sortText: String? = nil, textEdit: TextEdit? = nil, insertText: String? = nil) {
        self.label = label
        self.kind = kind
        self.detail = detail
        self.documentation = documentation
        self.sortText = sortText
        self.textEdit = textEdit
        self.insertText = insertText
    }
    public var json: Value {
        object(("label", .string(label)), ("kind", .int(kind.rawValue)), ("detail", detail.map(Value.string)),
               ("documentation", documentation.map { object(("kind", .string("markdown")), ("value", .string($0))) }),
               ("sortText", sortText.map(Value.string)), ("textEdit", textEdit?.json), ("insertText", insertText.map(Value.string)))
    }
}

public enum SymbolKind: Int, Sendable {
    case file = 1, module, namespace, package, `class`, method, property, field, constructor, `enum`, interface, function,
         variable, constant, string, number, boolean, array, object, key, null, enumMember, `struct`, event, `operator`, typeParameter
}

public struct DocumentSymbol: Sendable {
    public var name: String
    public var detail: String?
    public var kind: SymbolKind
    public var range: Range
    public var selectionRange: Range
    public var children: [DocumentSymbol]
    public init(name: String, detail: String? = nil, kind: SymbolKind, range: Range, selectionRange: Range, children: [DocumentSymbol] = []) {
        self.name = name
        self.detail = detail
        self.kind = kind
        self.range = range
        self.selectionRange = selectionRange
        self.children = children
    }
    public var json: Value {
        object(("name", .string(name.isEmpty ? "(unnamed)" : name)), ("detail", detail.map(Value.string)), ("kind", .int(kind.rawValue)),
               ("range", range.json), ("selectionRange", selectionRange.json),
               ("children", children.isEmpty ? nil : .array(children.map(\.json))))
    }
}

public struct CodeAction: Sendable {
    public var title: String
    public var kind: String
    public var diagnostics: [Diagnostic]
    public var isPreferred: Bool
    public var edit: WorkspaceEdit
    public init(title: String, kind: String = "quickfix", diagnostics: [Diagnostic], isPreferred: Bool = false, edit: WorkspaceEdit) {
        self.title = title
        self.kind = kind
        self.diagnostics = diagnostics
        self.isPreferred = isPreferred
        self.edit = edit
    }
    public var json: Value {
        object(("title", .string(title)), ("kind", .string(kind)),
               ("diagnostics", diagnostics.isEmpty ? nil : .array(diagnostics.map(\.json))),
               ("isPreferred", isPreferred ? .bool(true) : nil), ("edit", edit.json))
    }
}
