import CoreSupport

/// A value with the source range it came from.
public struct Located<T: Sendable>: Sendable {
    public let value: T
    public let range: TextRange
    public init(_ value: T, _ range: TextRange) {
        self.value = value
        self.range = range
    }
}

public enum VariableType: String, Sendable, CaseIterable {
    case string, number, integer, boolean, array, object

    /// Whether a value of this (declared) type accepts `value`.
    public func accepts(_ value: Value) -> Bool {
        switch (self, value) {
        case (.string, .string), (.integer, .int), (.number, .int), (.number, .double), (.boolean, .bool),
             (.array, .array), (.object, .object): true
        default: false
        }
    }
}

/// The declared shape of a variable, an array's items, or an object's property.
///
/// The fields sit behind one reference, so a copy is one retain. Analysis passes schemas
/// around by value while it resolves names and walks samples, and a stored-field struct
/// retained and released each of its six reference-counted fields on every copy.
public struct VariableSchema: Sendable {
    /// What the reader fills in, field by field, before freezing it into a schema.
    public struct Fields: Sendable {
        public var type: Located<VariableType>?
        public var description: String?
        public var enumValues: [Value]?
        public var items: VariableSchema?
        /// Declared properties in source order; nil when none are declared (a free-form object).
        public var properties: [(name: Located<String>, schema: VariableSchema)]?
        public var defaultValue: YAMLNode?
        public var example: YAMLNode?
        public var required: Bool?
        public var untrusted = false

        public init() {}
    }

    private let storage: Storage

    private final class Storage: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    public init(_ fields: Fields = Fields()) { storage = Storage(fields) }

    public var type: Located<VariableType>? { storage.fields.type }
    public var description: String? { storage.fields.description }
    public var enumValues: [Value]? { storage.fields.enumValues }
    public var items: VariableSchema? { storage.fields.items }
    public var properties: [(name: Located<String>, schema: VariableSchema)]? { storage.fields.properties }
    public var defaultValue: YAMLNode? { storage.fields.defaultValue }
    public var example: YAMLNode? { storage.fields.example }
    public var required: Bool? { storage.fields.required }
    public var untrusted: Bool { storage.fields.untrusted }

    public func property(_ name: String) -> VariableSchema? {
        properties?.first { $0.name.value == name }?.schema
    }
}

public struct VariableDeclaration: Sendable {
    public let name: Located<String>
    public let schema: VariableSchema
    /// The declaration's whole value node (for related locations).
    public let range: TextRange

    /// Required unless declared `required: false` or given a `default`.
    public var isRequired: Bool { schema.required ?? (schema.defaultValue == nil) }
}

/// Template text held in a YAML scalar, with the map from template offsets to file offsets.
public struct TemplateSource: Sendable {
    public let node: YAMLNode
    public let text: String
    public let sourceMap: ScalarSourceMap

    public func fileRange(_ templateRange: TextRange) -> TextRange { sourceMap.fileRange(templateRange) }
}

public enum Role: String, Sendable, CaseIterable {
    case system, user, assistant, tool
}

public struct Message: Sendable {
    public let role: Located<String>?
    public let content: TemplateSource?
    public let range: TextRange
}

public struct Sample: Sendable {
    public let name: Located<String>
    public let node: YAMLNode
    public let values: [(key: Located<String>, value: YAMLNode)]
}

/// One prompt file, read leniently: every field that could be read is here, and every problem
/// is in `issues`.
public struct PromptFile: Sendable {
    public let document: YAMLDocument
    public var name: Located<String>?
    public var version: Located<String>?
    public var description: String?
    public var model: Located<String>?
    public var fallbackModels: [Located<String>] = []
    public var params: YAMLNode?
    public var maxTokens: Located<Int>?
    /// `budget.max_prompt_tokens`: the most tokens the rendered prompt may take.
    public var maxPromptTokens: Located<Int>?
    public var variables: [VariableDeclaration] = []
    public var variablesNode: YAMLNode?
    public var template: TemplateSource?
    public var messages: [Message] = []
    public var samples: [Sample] = []
    public var tests: YAMLNode?
    public var metadata: YAMLNode?
    public var issues: [SchemaIssue] = []

    public var bytes: [UInt8] { document.bytes }

    public init(document: YAMLDocument) { self.document = document }

    public func variable(_ name: String) -> VariableDeclaration? { variables.first { $0.name.value == name } }

    /// All template sources in the order they render.
    public var templates: [TemplateSource] {
        if let template { return [template] }
        return messages.compactMap(\.content)
    }
}

/// A problem in the file's structure, found while reading it.
public struct SchemaIssue: Sendable {
    public enum Kind: String, Sendable {
        case yamlSyntax, encoding, limitExceeded, unknownKey, missingKey, invalidType, invalidValue, invalidSemver
        case conflictingBody, unquotedTemplate, duplicateKey
    }
    public let kind: Kind
    public let message: String
    public let range: TextRange
    public let help: String?

    public init(_ kind: Kind, _ message: String, _ range: TextRange, help: String? = nil) {
        self.kind = kind
        self.message = message
        self.range = range
        self.help = help
    }
}
