import CoreSupport

public enum Category: String, Sendable, CaseIterable, Comparable {
    case schema, template, variables, tokens, security, registry

    public static func < (a: Category, b: Category) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }
}

public enum Severity: String, Sendable, Comparable, CaseIterable {
    case error, warning, info

    var rank: Int { self == .error ? 2 : self == .warning ? 1 : 0 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// One example of a rule, which is also one of its tests. In triggering examples `↓` marks where
/// the diagnostic starts. `others` are further workspace files (for partials, duplicate names).
public struct RuleExample: Sendable {
    public let source: String
    public let others: [String]
    /// The registry's published content for the example's name and version (registry rules).
    public let published: String?
    public init(_ source: String, others: [String] = [], published: String? = nil) {
        self.source = source
        self.others = others
        self.published = published
    }
}

/// A lint rule's description: everything users and tools read about it. Codes are permanent; a
/// retired code is never reused.
public struct Rule: Sendable, Hashable, Identifiable {
    public let code: String
    /// kebab-case, naming the flagged pattern ("allow `unused-variable`").
    public let name: String
    public let category: Category
    public let defaultSeverity: Severity
    public let summary: String
    public let explanation: String
    public let triggering: [RuleExample]
    public let nonTriggering: [RuleExample]

    public var id: String { code }
    public static func == (a: Rule, b: Rule) -> Bool { a.code == b.code }
    public func hash(into h: inout Hasher) { h.combine(code) }

    public var documentationURL: String {
        "https://github.com/promptkit/promptkit/blob/main/docs/rules.md#\(code.lowercased())-\(name)"
    }
}

public struct RelatedLocation: Sendable, Hashable {
    public let path: String
    public let range: TextRange
    public let message: String
    public init(path: String, range: TextRange, message: String) {
        self.path = path
        self.range = range
        self.message = message
    }
}

public struct Diagnostic: Sendable, Hashable {
    public let rule: Rule
    public var severity: Severity
    public let message: String
    public let range: TextRange
    public let help: String?
    public let related: [RelatedLocation]

    public init(_ rule: Rule, _ message: String, at range: TextRange, help: String? = nil, related: [RelatedLocation] = []) {
        self.rule = rule
        severity = rule.defaultSeverity
        self.message = message
        self.range = range
        self.help = help
        self.related = related
    }
}
