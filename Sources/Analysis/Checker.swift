import CoreSupport
import Mustache
import PromptSyntax

/// Runs every rule on one file. Pure: the same file and workspace always give the same
/// diagnostics, which is what lets the CLI and the language server share it.
public enum Checker {
    public static func check(_ file: ParsedFile, in workspace: Workspace, security: Bool = true) -> [Diagnostic] {
        var out: [Diagnostic] = []
        if let problem = file.encodingProblem {
            return [Diagnostic(SchemaRules.invalidEncoding, problem.message, at: problem.range,
                               help: "save the file as UTF-8 text")]
        }
        let invalidUTF8 = file.invalidUTF8Offset
        if let bad = invalidUTF8 {
            let byte = String(file.bytes[bad], radix: 16, uppercase: true)
            out.append(Diagnostic(SchemaRules.invalidEncoding,
                                  "the file is not valid UTF-8 text: byte 0x\(byte.count == 1 ? "0" + byte : byte) at offset \(bad) does not start a valid character",
                                  at: TextRange(start: bad, end: bad + 1),
                                  help: "save the file as UTF-8; the file is read only up to this byte"))
        }
        out += schemaDiagnostics(file).filter { d in
            // libyaml stops at its first reader error; one at or after our invalid byte is the same problem.
            guard let bad = invalidUTF8, d.rule == SchemaRules.invalidEncoding else { return true }
            return d.range.start < bad
        }
        out += duplicateNameDiagnostics(file, workspace)
        var variables = VariableChecker(file: file, workspace: workspace)
        variables.run()
        out += variables.diagnostics
        out += SampleChecker.check(file)
        out += TokenRules.check(file, in: workspace)
        out += RegistryRules.check(file, in: workspace)
        if security { out += SecurityRules.check(file) }
        return out.sorted { ($0.range.start, $0.rule.code) < ($1.range.start, $1.rule.code) }
    }

    static func schemaDiagnostics(_ file: ParsedFile) -> [Diagnostic] {
        file.prompt.issues.map { issue in
            let rule: Rule = switch issue.kind {
            case .yamlSyntax: SchemaRules.yamlSyntaxError
            case .encoding: SchemaRules.invalidEncoding
            case .limitExceeded: SchemaRules.resourceLimitExceeded
            case .unknownKey: SchemaRules.unknownKey
            case .missingKey: SchemaRules.missingRequiredKey
            case .invalidType: SchemaRules.invalidFieldType
            case .invalidValue: SchemaRules.invalidFieldValue
            case .invalidSemver: SchemaRules.invalidSemver
            case .conflictingBody: SchemaRules.conflictingBody
            case .unquotedTemplate: SchemaRules.unquotedTemplateValue
            case .duplicateKey: SchemaRules.duplicateKey
            }
            var message = issue.message
            var help = issue.help
            if issue.kind == .encoding {
                message = "the file is not valid UTF-8 text: \(issue.message)"
                help = "save the file as UTF-8; the rest of the file is not read"
            }
            return Diagnostic(rule, message, at: issue.range, help: help)
        }
    }

    static func duplicateNameDiagnostics(_ file: ParsedFile, _ workspace: Workspace) -> [Diagnostic] {
        guard let name = file.prompt.name else { return [] }
        let others = workspace.files(named: name.value).filter { $0.path != file.path }
        guard !others.isEmpty else { return [] }
        let related = others.compactMap { o in
            o.prompt.name.map { RelatedLocation(path: o.path, range: $0.range, message: "also named `\(name.value)` here") }
        }
        return [Diagnostic(SchemaRules.duplicatePromptName,
                           "the prompt name `\(name.value)` is also used by \(others.map(\.path).joined(separator: ", "))",
                           at: name.range, help: "give each prompt file a unique `name`", related: related)]
    }
}

/// Where a name resolves in the declared structure, as Mustache's context stack would find it.
enum Scope {
    /// The declared variables.
    case root
    /// An object with declared properties.
    case object(VariableSchema)
    /// An object or item whose structure is not declared: anything may be there.
    case freeForm
    /// A scalar item (the implicit iterator `{{.}}` refers to it).
    case scalar
}

struct VariableChecker {
    static let maximumPartialDepth = 32
    let file: ParsedFile
    let workspace: Workspace
    var diagnostics: [Diagnostic] = []
    var used: Set<String> = []
    /// Names of partials being expanded, outermost first (cycle detection).
    var partialStack: [String] = []
    /// Where problems inside an expanded partial are reported in this file: the outermost tag.
    var reportSite: (tag: TextRange, source: TemplateSource, partial: String)?
    var partialProblemsReported: Set<String> = []
    /// Every name written in this file's own templates (not inside expanded partials), resolved.
    /// Recorded only for `NameIndex`: file ranges need the scalar source maps, which linting a
    /// file without findings never builds.
    var occurrences: [NameOccurrence] = []
    var recordsOccurrences = false

    /// Declarations by name: names are resolved hundreds of times in a large file.
    let declarations: [String: VariableDeclaration]

    init(file: ParsedFile, workspace: Workspace) {
        self.file = file
        self.workspace = workspace
        var byName: [String: VariableDeclaration] = [:]
        for d in file.prompt.variables where byName[d.name.value] == nil { byName[d.name.value] = d }
        declarations = byName
    }

    mutating func run() {
        for parsed in file.templates {
            reportTemplateErrors(parsed)
            walk(parsed.template.nodes, template: parsed.template, source: parsed.source, partialFile: nil, scopes: [.root])
        }
        if !file.templates.isEmpty {
            for decl in file.prompt.variables where !used.contains(decl.name.value) {
                diagnostics.append(Diagnostic(VariableRules.unusedVariable,
                                              "the variable `\(decl.name.value)` is declared but never used",
                                              at: decl.name.range, help: "use it as `{{\(decl.name.value)}}`, or remove the declaration"))
            }
        }
    }

    mutating func reportTemplateErrors(_ parsed: ParsedTemplate) {
        for e in parsed.template.errors {
            let rule: Rule = switch e.kind {
            case .unclosedSection: TemplateRules.unclosedSection
            case .mismatchedClose, .unexpectedClose: TemplateRules.mismatchedSectionClose
            case .nestingTooDeep: SchemaRules.resourceLimitExceeded
            default: TemplateRules.templateSyntaxError
            }
            var related: [RelatedLocation] = []
            if let r = e.relatedRange {
                related.append(RelatedLocation(path: file.path, range: parsed.source.fileRange(r),
                                               message: e.kind == .mismatchedClose ? "the open section" : "closed here"))
            }
            diagnostics.append(Diagnostic(rule, e.message, at: parsed.source.fileRange(e.range), related: related))
        }
    }

    /// Reports a problem found at `range` of the template being walked: in this file directly, or
    /// at the partial tag through which the partial's text was reached.
    mutating func report(_ rule: Rule, _ message: String, templateRange: TextRange, source: TemplateSource,
                         partialFile: ParsedFile?, help: String? = nil, related: [RelatedLocation] = []) {
        if let site = reportSite, let partialFile {
            let key = "\(rule.code):\(message)"
            guard !partialProblemsReported.contains(key) else { return }
            partialProblemsReported.insert(key)
            let where_ = RelatedLocation(path: partialFile.path, range: source.fileRange(templateRange), message: "used here")
            diagnostics.append(Diagnostic(rule, "through the partial `\(site.partial)`: \(message)", at: site.source.fileRange(site.tag),
                                          help: help, related: [where_] + related))
        } else {
            diagnostics.append(Diagnostic(rule, message, at: source.fileRange(templateRange), help: help, related: related))
        }
    }

    mutating func walk(_ nodes: [Node], template: Template, source: TemplateSource, partialFile: ParsedFile?, scopes: [Scope]) {
        for node in nodes {
            switch node {
            case .text, .comment, .setDelimiters:
                continue
            case .variable(let v):
                _ = resolve(v.name, tag: v.range, scopes: scopes, source: source, partialFile: partialFile)
            case .section(let s):
                let schema = resolve(s.name, tag: s.openTag, scopes: scopes, source: source, partialFile: partialFile)
                let inner = s.inverted ? scopes : scopes + [Self.scope(entering: schema)]
                walk(s.children, template: template, source: source, partialFile: partialFile, scopes: inner)
            case .block(let b):
                walk(b.children, template: template, source: source, partialFile: partialFile, scopes: scopes)
            case .partial(let p):
                if p.dynamic {
                    _ = resolve(p.name, tag: p.tag, scopes: scopes, source: source, partialFile: partialFile)
                } else {
                    if partialFile == nil && recordsOccurrences {
                        occurrences.append(NameOccurrence(kind: .partial, text: p.name.text, range: source.fileRange(p.name.range),
                                                          rootRange: source.fileRange(p.name.range), rootVariable: nil, tag: source.fileRange(p.tag)))
                    }
                    expandPartial(p, source: source, partialFile: partialFile, scopes: scopes)
                }
                for block in p.overrides ?? [] {
                    walk(block.children, template: template, source: source, partialFile: partialFile, scopes: scopes)
                }
            }
        }
    }

    mutating func expandPartial(_ p: Partial, source: TemplateSource, partialFile: ParsedFile?, scopes: [Scope]) {
        let name = p.name.text
        guard let target = workspace.partial(named: name), let parsed = target.templates.first else {
            let suggestion = DidYouMean.suggestion(for: name, among: workspace.names)
            let exists = workspace.partial(named: name) != nil
            report(TemplateRules.missingPartial,
                   exists ? "the partial `\(name)` has no `template` to include" : "no prompt file in the workspace is named `\(name)`",
                   templateRange: p.tag, source: source, partialFile: partialFile,
                   help: suggestion.map { "did you mean `\($0)`?" })
            return
        }
        if partialStack.contains(name) || target.path == file.path {
            let chain = (partialStack + [name]).joined(separator: " → ")
            report(TemplateRules.partialCycle, "including `\(name)` forms a cycle: \(file.name ?? file.path) → \(chain)",
                   templateRange: p.tag, source: source, partialFile: partialFile)
            return
        }
        // Long partial chains are legal but bounded, so analysis cost and recursion stay small.
        guard partialStack.count < VariableChecker.maximumPartialDepth else { return }
        let outermost = reportSite == nil
        if outermost { reportSite = (p.tag, source, name) }
        partialStack.append(name)
        walk(parsed.template.nodes, template: parsed.template, source: parsed.source, partialFile: target, scopes: scopes)
        partialStack.removeLast()
        if outermost { reportSite = nil }
    }

    static func scope(entering schema: VariableSchema?) -> Scope {
        guard let schema else { return .freeForm }
        switch schema.type?.value {
        case .array?:
            guard let items = schema.items else { return .freeForm }
            if items.properties != nil { return .object(items) }
            if items.type?.value == .object || items.type == nil { return .freeForm }
            return .scalar
        case .object?:
            return schema.properties != nil ? .object(schema) : .freeForm
        case nil:
            return schema.properties != nil ? .object(schema) : .freeForm
        default:
            return .scalar
        }
    }

    /// Resolves a name used at `tag`, reporting undeclared names and fields. Returns the schema it
    /// resolved to (nil when unknown or free-form).
    mutating func resolve(_ name: Name, tag: TextRange, scopes: [Scope], source: TemplateSource, partialFile: ParsedFile?) -> VariableSchema? {
        if name.isImplicitIterator || name.text.isEmpty { return nil }
        let parts = name.parts.map(String.init)
        guard let first = parts.first, !first.isEmpty else { return nil }
        var found: VariableSchema?
        var foundPath = first
        var resolvedInFreeForm = false
        var rootVariable: String?
        defer {
            if partialFile == nil && recordsOccurrences {
                let rootRange = TextRange(start: name.range.start, end: name.range.start + first.utf8.count)
                occurrences.append(NameOccurrence(kind: .variable, text: name.text, range: source.fileRange(name.range),
                                                  rootRange: source.fileRange(rootRange), rootVariable: rootVariable,
                                                  tag: source.fileRange(tag)))
            }
        }
        for scope in scopes.reversed() {
            switch scope {
            case .root:
                if let decl = declarations[first] {
                    used.insert(first)
                    found = decl.schema
                    rootVariable = first
                }
            case .object(let schema):
                if let prop = schema.property(first) { found = prop }
            case .freeForm:
                // Mustache would look here first; what is there is unknown, so the name is accepted.
                resolvedInFreeForm = true
                if declarations[first] != nil {
                    used.insert(first)
                    rootVariable = first
                }
            case .scalar:
                continue
            }
            if found != nil || resolvedInFreeForm { break }
        }
        if resolvedInFreeForm, found == nil { return nil }
        guard var schema = found else {
            let inSection = scopes.contains { if case .object = $0 { true } else { false } }
            var candidates = file.prompt.variables.map(\.name.value)
            for scope in scopes { if case .object(let s) = scope { candidates += s.properties?.map(\.name.value) ?? [] } }
            let suggestion = DidYouMean.suggestion(for: first, among: candidates)
            if inSection {
                report(VariableRules.undeclaredField,
                       "`\(first)` is neither a field of the current section's items nor a declared variable",
                       templateRange: tag, source: source, partialFile: partialFile,
                       help: suggestion.map { "did you mean `\($0)`?" } ?? "declare it under the section variable's `items.properties`, or under `variables`")
            } else {
                var related: [RelatedLocation] = []
                if let s = suggestion, let decl = file.prompt.variable(s) {
                    related.append(RelatedLocation(path: file.path, range: decl.name.range, message: "`\(s)` is declared here"))
                }
                report(VariableRules.undeclaredVariable, "the variable `\(first)` is not declared",
                       templateRange: tag, source: source, partialFile: partialFile,
                       help: suggestion.map { "did you mean `\($0)`?" } ?? "declare it under `variables`", related: related)
            }
            return nil
        }
        for part in parts.dropFirst() {
            switch schema.type?.value {
            case .string?, .number?, .integer?, .boolean?, .array?:
                let typeName = schema.type?.value.rawValue ?? ""
                report(VariableRules.undeclaredField, "`\(foundPath)` is \(typeName == "integer" || typeName == "array" ? "an" : "a") \(typeName); it has no field `\(part)`",
                       templateRange: tag, source: source, partialFile: partialFile)
                return nil
            default:
                guard let props = schema.properties else { return nil }  // free-form object
                guard let next = schema.property(part) else {
                    let suggestion = DidYouMean.suggestion(for: part, among: props.map(\.name.value))
                    report(VariableRules.undeclaredField, "`\(foundPath)` declares no property `\(part)`",
                           templateRange: tag, source: source, partialFile: partialFile,
                           help: suggestion.map { "did you mean `\(foundPath).\($0)`?" }
                               ?? "declared properties: \(props.map(\.name.value).joined(separator: ", "))")
                    return nil
                }
                schema = next
                foundPath += "." + part
            }
        }
        return schema
    }
}
