import ModelCatalog
import CoreSupport
import PromptSyntax

/// The workspace configuration, `promptkit.yaml` at the workspace root.
///
/// ```yaml
/// include: ["prompts/**/*.prompt.yaml"]
/// exclude: ["prompts/experimental/**"]
/// rules:
///   select: [schema, template, variables]   # categories, codes or names; default: all
///   ignore: [unused-variable]
///   severity:
///     PK307: error
/// ```
public struct Configuration: Sendable {
    public static let fileName = "promptkit.yaml"
    public static let defaultInclude = ["**/*.prompt.yaml", "**/*.prompt.yml"]

    public var include: [String] = Configuration.defaultInclude
    public var exclude: [String] = []
    public var select: [String]?
    public var ignore: [String] = []
    public var severity: [String: Severity] = [:]
    /// The built-in model catalog with `models:` applied.
    public var models: ModelCatalog = .builtIn
    public var tokens = TokenSettings()

    public init() {}

    public struct Problem: Sendable {
        public let message: String
        public let range: TextRange
    }

    /// Parses the configuration; problems (unknown keys, unknown rules) are reported, never fatal.
    public static func parse(_ bytes: [UInt8]) -> (Configuration, [Problem]) {
        var config = Configuration()
        var problems: [Problem] = []
        let doc = YAMLParser.parse(bytes)
        for p in doc.problems { problems.append(Problem(message: p.message, range: p.range)) }
        guard let root = doc.root, let pairs = root.mapping else { return (config, problems) }
        func strings(_ node: YAMLNode?, _ field: String) -> [String]? {
            guard let node else { return nil }
            if let s = node.scalar { return [s.value] }
            guard let items = node.sequence else {
                problems.append(Problem(message: "`\(field)` must be a list", range: node.range))
                return nil
            }
            return items.compactMap { $0.scalar?.value }
        }
        func checkRuleKey(_ key: String, _ range: TextRange) {
            if Rules.find(key) == nil, Category(rawValue: key) == nil, key != "all" {
                let suggestion = DidYouMean.suggestion(for: key, among: Rules.all.map(\.name) + Category.allCases.map(\.rawValue))
                problems.append(Problem(message: "unknown rule or category `\(key)`" + (suggestion.map { "; did you mean `\($0)`?" } ?? ""),
                                        range: range))
            }
        }
        for p in pairs {
            guard let key = p.key.scalar?.value else { continue }
            switch key {
            case "include": config.include = strings(p.value, key) ?? config.include
            case "exclude": config.exclude = strings(p.value, key) ?? []
            case "rules":
                guard let rp = p.value.mapping else {
                    problems.append(Problem(message: "`rules` must be a mapping with select, ignore and severity", range: p.value.range))
                    continue
                }
                for r in rp {
                    guard let rk = r.key.scalar?.value else { continue }
                    switch rk {
                    case "select":
                        config.select = strings(r.value, "rules.select")
                        for item in r.value.sequence ?? [r.value] { if let s = item.scalar?.value { checkRuleKey(s, item.range) } }
                    case "ignore":
                        config.ignore = strings(r.value, "rules.ignore") ?? []
                        for item in r.value.sequence ?? [r.value] { if let s = item.scalar?.value { checkRuleKey(s, item.range) } }
                    case "severity":
                        for s in r.value.mapping ?? [] {
                            guard let name = s.key.scalar?.value else { continue }
                            checkRuleKey(name, s.key.range)
                            if let level = s.value.scalar.flatMap({ Severity(rawValue: $0.value) }) {
                                config.severity[name] = level
                            } else {
                                problems.append(Problem(message: "severity must be error, warning or info", range: s.value.range))
                            }
                        }
                    default:
                        problems.append(Problem(message: "unknown key `rules.\(rk)` (expected select, ignore, severity)", range: r.key.range))
                    }
                }
            case "models":
                guard let items = p.value.sequence else {
                    problems.append(Problem(message: "`models` must be a list of model entries (see docs/models.md)", range: p.value.range))
                    continue
                }
                for (index, item) in items.enumerated() {
                    let value = YAMLValues.value(of: item, in: doc).value
                    let (updated, entryProblems) = config.models.applying([value], firstIndex: index)
                    config.models = updated
                    for message in entryProblems { problems.append(Problem(message: message, range: item.range)) }
                }
            case "tokens":
                for t in p.value.mapping ?? [] {
                    guard t.key.scalar?.value == "context_warning_ratio" else {
                        problems.append(Problem(message: "unknown key `tokens.\(t.key.scalar?.value ?? "?")` (expected context_warning_ratio)", range: t.key.range))
                        continue
                    }
                    switch t.value.scalar?.resolved {
                    case .double(let d)? where d > 0 && d <= 1: config.tokens.contextWarningRatio = d
                    case .int(1)?: config.tokens.contextWarningRatio = 1
                    default: problems.append(Problem(message: "`tokens.context_warning_ratio` must be a number in (0, 1]", range: t.value.range))
                    }
                }
            case "registry", "evaluation":
                break  // sections owned by other subsystems
            default:
                let suggestion = DidYouMean.suggestion(for: key, among: ["include", "exclude", "rules", "models", "tokens"])
                problems.append(Problem(message: "unknown key `\(key)` in promptkit.yaml" + (suggestion.map { "; did you mean `\($0)`?" } ?? ""),
                                        range: p.key.range))
            }
        }
        return (config, problems)
    }

    static func matches(_ rule: Rule, _ key: String) -> Bool {
        key == "all" || isCode(rule.code, key) || rule.name == key || rule.category.rawValue == key
    }

    /// Codes match in any case (`pk101` names PK101). Compared byte by byte rather than through
    /// `lowercased()`: the linter asks this for every diagnostic against every `ignore` and
    /// `severity` key, and two new strings per question cost more than the question.
    static func isCode(_ code: String, _ key: String) -> Bool {
        code.utf8.count == key.utf8.count && code.utf8.elementsEqual(key.utf8) { a, b in a == b || (a ^ 0x20 == b && (a | 0x20) >= 0x61 && (a | 0x20) <= 0x7A) }
    }

    /// The severity a rule reports at, or nil when the rule is turned off.
    public func effectiveSeverity(_ rule: Rule) -> Severity? {
        if let select, !select.contains(where: { Self.matches(rule, $0) }) { return nil }
        if ignore.contains(where: { Self.matches(rule, $0) }) { return nil }
        // Most specific wins: code or name, then category, then "all".
        if let s = severity.first(where: { Self.isCode(rule.code, $0.key) || $0.key == rule.name })?.value { return s }
        if let s = severity[rule.category.rawValue] { return s }
        if let s = severity["all"] { return s }
        return rule.defaultSeverity
    }

    /// Whether a workspace-relative path is a prompt file to lint.
    public func includes(relativePath path: String) -> Bool {
        include.contains { Glob.matches($0, path) } && !exclude.contains { Glob.matches($0, path) }
    }
}

/// Glob matching for include/exclude patterns: `*` within a path segment, `**` across segments,
/// `?` one character. A pattern without `/` matches the file name at any depth (like .gitignore).
public enum Glob {
    public static func matches(_ pattern: String, _ path: String) -> Bool {
        let p = Array(pattern.utf8)
        let s = Array(path.utf8)
        if !p.contains(UInt8(ascii: "/")) {
            let name = s.split(separator: UInt8(ascii: "/")).last.map(Array.init) ?? s
            return match(p[...], name[...])
        }
        return match(p[...], s[...])
    }

    static func match(_ p: ArraySlice<UInt8>, _ s: ArraySlice<UInt8>) -> Bool {
        var memo: [Int: Bool] = [:]
        func go(_ pi: Int, _ si: Int) -> Bool {
            let key = pi * (s.count + 1) + si
            if let m = memo[key] { return m }
            let result: Bool
            if pi == p.endIndex {
                result = si == s.endIndex
            } else if p[pi] == UInt8(ascii: "*"), pi + 1 < p.endIndex, p[pi + 1] == UInt8(ascii: "*") {
                var next = pi + 2
                if next < p.endIndex, p[next] == UInt8(ascii: "/") { next += 1 }
                // `**/` matches zero or more whole segments.
                var k = si
                var ok = go(next, k)
                while !ok, k < s.endIndex {
                    k += 1
                    if k == s.endIndex || s[k - 1] == UInt8(ascii: "/") || next == pi + 2 { ok = go(next, k) }
                }
                result = ok
            } else if p[pi] == UInt8(ascii: "*") {
                var k = si
                var ok = go(pi + 1, k)
                while !ok, k < s.endIndex, s[k] != UInt8(ascii: "/") {
                    k += 1
                    ok = go(pi + 1, k)
                }
                result = ok
            } else if si < s.endIndex, p[pi] == UInt8(ascii: "?") ? s[si] != UInt8(ascii: "/") : p[pi] == s[si] {
                result = go(pi + 1, si + 1)
            } else {
                result = false
            }
            memo[key] = result
            return result
        }
        return go(p.startIndex, s.startIndex)
    }
}
