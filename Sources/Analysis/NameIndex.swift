import CoreSupport
import PromptSyntax
import Mustache

/// A name written in a template tag, resolved the way the checker resolves it.
public struct NameOccurrence: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case variable, partial }
    public let kind: Kind
    /// The name as written: `customer.name`, or a partial's name.
    public let text: String
    /// File range of the whole name.
    public let range: TextRange
    /// File range of the first dotted component (what renaming a variable rewrites).
    public let rootRange: TextRange
    /// The declared variable the first component resolves to, when it resolves to one (inside a
    /// section it may instead be a field of the items, and then this is nil).
    public let rootVariable: String?
    /// File range of the whole tag, delimiters included.
    public let tag: TextRange
}

/// Where names are used in one file: what go-to-definition, references, rename and inlay hints
/// read. Built by the same walk as the variable rules, so the editor and `lint` agree on what
/// each name means.
public struct NameIndex: Sendable {
    public let occurrences: [NameOccurrence]

    public static func build(_ file: ParsedFile, in workspace: Workspace) -> NameIndex {
        var checker = VariableChecker(file: file, workspace: workspace)
        checker.recordsOccurrences = true
        checker.run()
        return NameIndex(occurrences: checker.occurrences.sorted { $0.range < $1.range })
    }

    /// The occurrence whose name or tag contains `offset` (the innermost, i.e. the name first).
    public func occurrence(at offset: Int) -> NameOccurrence? {
        occurrences.first { $0.range.contains(offset) || $0.range.end == offset }
            ?? occurrences.first { $0.tag.contains(offset) }
    }

    public func uses(of variable: String) -> [NameOccurrence] {
        occurrences.filter { $0.kind == .variable && $0.rootVariable == variable }
    }
}

/// A name that may be written at some point of a template, for completion.
public struct NameCandidate: Sendable {
    public let name: String
    public let schema: VariableSchema?
    /// True for a field of the enclosing section's items (offered before the declared variables).
    public let isField: Bool

    public init(name: String, schema: VariableSchema?, isField: Bool) {
        self.name = name
        self.schema = schema
        self.isField = isField
    }
}

extension NameIndex {
    /// Names visible at `offset` of a template: fields of the innermost enclosing sections' items
    /// first (nearest section first), then the declared variables.
    public static func candidates(in file: ParsedFile, template: ParsedTemplate, at offset: Int) -> [NameCandidate] {
        var fields: [NameCandidate] = []
        var seen: Set<String> = []
        for scope in enclosingScopes(file, template.template.nodes, offset: offset, scopes: [.root]).reversed() {
            guard case .object(let schema) = scope else { continue }
            for (name, s) in schema.properties ?? [] where seen.insert(name.value).inserted {
                fields.append(NameCandidate(name: name.value, schema: s, isField: true))
            }
        }
        let roots = file.prompt.variables.filter { !seen.contains($0.name.value) }.map {
            NameCandidate(name: $0.name.value, schema: $0.schema, isField: false)
        }
        return fields + roots
    }

    private static func enclosingScopes(_ file: ParsedFile, _ nodes: [Node], offset: Int, scopes: [Scope]) -> [Scope] {
        for node in nodes {
            guard case .section(let s) = node, !s.inverted, offset >= s.openTag.end, offset <= s.contentEnd else { continue }
            let schema = resolveSchema(file, s.name, scopes: scopes)
            return enclosingScopes(file, s.children, offset: offset, scopes: scopes + [VariableChecker.scope(entering: schema)])
        }
        return scopes
    }

    /// The schema a section name resolves to, looked up without reporting anything.
    private static func resolveSchema(_ file: ParsedFile, _ name: Name, scopes: [Scope]) -> VariableSchema? {
        guard let first = name.parts.first.map(String.init) else { return nil }
        var schema: VariableSchema?
        for scope in scopes.reversed() {
            switch scope {
            case .root: schema = file.prompt.variable(first)?.schema
            case .object(let s): schema = s.property(first)
            case .freeForm: return nil
            case .scalar: continue
            }
            if schema != nil { break }
        }
        guard var found = schema else { return nil }
        for part in name.parts.dropFirst() {
            guard let next = found.property(String(part)) else { return nil }
            found = next
        }
        return found
    }
}

/// Which prompts a file includes through `{{> name}}` tags, directly or through other partials.
public enum PartialGraph {
    public static func directPartials(of file: ParsedFile) -> [String] {
        var out: [String] = []
        func walk(_ nodes: [Node]) {
            for node in nodes {
                switch node {
                case .partial(let p):
                    if !p.dynamic { out.append(p.name.text) }
                    walk(p.children)
                case .section(let s): walk(s.children)
                case .block(let b): walk(b.children)
                default: continue
                }
            }
        }
        for t in file.templates { walk(t.template.nodes) }
        return out
    }

    /// Every prompt name reachable from `file` through partial tags.
    public static func reachable(from file: ParsedFile, in workspace: Workspace) -> Set<String> {
        var seen: Set<String> = []
        var pending = directPartials(of: file)
        while let name = pending.popLast() {
            guard seen.insert(name).inserted, let target = workspace.partial(named: name) else { continue }
            pending += directPartials(of: target)
        }
        return seen
    }
}

extension PartialGraph {
    /// Every `{{> name}}` tag in the file's templates, with the file range of the name.
    public static func partialTags(of file: ParsedFile) -> [(name: String, range: TextRange)] {
        var out: [(String, TextRange)] = []
        for t in file.templates {
            func walk(_ nodes: [Node]) {
                for node in nodes {
                    switch node {
                    case .partial(let p):
                        if !p.dynamic { out.append((p.name.text, t.source.fileRange(p.name.range))) }
                        walk(p.children)
                    case .section(let s): walk(s.children)
                    case .block(let b): walk(b.children)
                    default: continue
                    }
                }
            }
            walk(t.template.nodes)
        }
        return out
    }
}
