import CoreSupport

/// Reads a prompt file's YAML into a `PromptFile`. Never fails: problems become `SchemaIssue`s.
public enum PromptFileReader {
    public static let topLevelKeys = [
        "name", "version", "description", "model", "fallback_models", "params", "variables",
        "template", "messages", "samples", "tests", "metadata", "budget",
    ]
    public static let variableKeys = [
        "type", "description", "required", "default", "enum", "example", "items", "properties", "untrusted",
    ]
    public static let messageKeys = ["role", "content", "name"]

    public static func read(_ bytes: [UInt8]) -> PromptFile {
        read(YAMLParser.parse(bytes))
    }

    public static func read(_ document: YAMLDocument) -> PromptFile {
        var file = PromptFile(document: document)
        for problem in document.problems {
            let kind: SchemaIssue.Kind = switch problem.kind {
            case .encoding: .encoding
            case .nestingTooDeep: .limitExceeded
            case .syntax, .multipleDocuments: .yamlSyntax
            }
            file.issues.append(SchemaIssue(kind, problem.message, problem.range))
        }
        guard let root = document.root else {
            if document.problems.isEmpty {
                file.issues.append(SchemaIssue(.missingKey, "the file is empty; a prompt file needs at least `name`, `version` and a `template` or `messages`",
                                               .empty(at: 0)))
            }
            return file
        }
        var reader = Reader(document: document)
        reader.scanForTraps(root)
        guard let pairs = root.mapping else {
            reader.issue(.invalidType, "a prompt file is a mapping of keys (`name: …`), not \(root.kindDescription)", root.range)
            file.issues += reader.issues
            return file
        }
        reader.checkKeys(pairs, allowed: topLevelKeys, context: "prompt file")
        let parsedCleanly = document.problems.isEmpty

        file.name = reader.string(root["name"], field: "name")
        if let name = file.name, name.value.isEmpty || name.value.contains(where: { $0 == " " || $0 == "\t" }) {
            reader.issue(.invalidValue, "`name` must be a non-empty registry name without spaces (like `support/triage`)", name.range)
        }
        file.version = reader.string(root["version"], field: "version")
        if let v = file.version, !Semver.isValid(v.value) {
            reader.issue(.invalidSemver, "`\(v.value)` is not a valid semantic version", v.range,
                         help: "use MAJOR.MINOR.PATCH, like `1.0.0` or `2.1.0-beta.1`")
        }
        file.description = reader.string(root["description"], field: "description")?.value
        file.model = reader.string(root["model"], field: "model")
        if let fallbacks = root["fallback_models"] {
            if let items = fallbacks.sequence {
                file.fallbackModels = items.compactMap { reader.string($0, field: "fallback_models") }
            } else {
                reader.issue(.invalidType, "`fallback_models` must be a list of model ids, not \(fallbacks.kindDescription)", fallbacks.range)
            }
        }
        if let params = root["params"] {
            file.params = params
            if let pp = params.mapping {
                for p in pp {
                    guard let key = p.key.scalar?.value else { continue }
                    switch key {
                    case "max_tokens":
                        if case .int(let n) = p.value.scalar?.resolved ?? .null, n > 0 {
                            file.maxTokens = Located(n, p.value.range)
                        } else {
                            reader.issue(.invalidType, "`params.max_tokens` must be a positive integer", p.value.range)
                        }
                    case "temperature", "top_p", "presence_penalty", "frequency_penalty":
                        switch p.value.scalar?.resolved {
                        case .int?, .double?: break
                        default: reader.issue(.invalidType, "`params.\(key)` must be a number, not \(p.value.kindDescription)", p.value.range)
                        }
                    default: break  // other provider parameters pass through unchecked
                    }
                }
            } else {
                reader.issue(.invalidType, "`params` must be a mapping of provider parameters, not \(params.kindDescription)", params.range)
            }
        }
        if let vars = root["variables"] {
            file.variablesNode = vars
            if let vp = vars.mapping {
                for p in vp {
                    guard let name = p.key.scalar?.value else {
                        reader.issue(.invalidType, "variable names must be plain text", p.key.range)
                        continue
                    }
                    if !isValidVariableName(name) {
                        reader.issue(.invalidValue, "`\(name)` is not a usable variable name: use letters, digits, `_` and `-`, without dots or spaces",
                                     p.key.range)
                    }
                    let schema = reader.schema(p.value, path: name)
                    file.variables.append(VariableDeclaration(name: Located(name, p.key.range), schema: schema, range: p.value.range))
                }
            } else if vars.scalar?.resolved != .null {
                reader.issue(.invalidType, "`variables` must be a mapping from variable name to its declaration, not \(vars.kindDescription)", vars.range)
            }
        }
        let templateNode = root["template"]
        let messagesNode = root["messages"]
        if let t = templateNode {
            file.template = reader.templateSource(t, field: "template")
        }
        if let m = messagesNode {
            if let items = m.sequence {
                for item in items { file.messages.append(reader.message(item)) }
                if items.isEmpty { reader.issue(.invalidValue, "`messages` is empty; add at least one message", m.range) }
            } else {
                reader.issue(.invalidType, "`messages` must be a list of `role`/`content` entries, not \(m.kindDescription)", m.range)
            }
        }
        if templateNode != nil, messagesNode != nil, let m = root.mapping?.first(where: { $0.key.scalar?.value == "messages" }) {
            reader.issue(.conflictingBody, "a prompt file has either `template` or `messages`, not both", m.key.range,
                         help: "move the template text into a message, or drop `messages`")
        }
        if parsedCleanly {
            for key in ["name", "version"] where root[key] == nil {
                reader.issue(.missingKey, "the required key `\(key)` is missing", pairs.first?.key.range ?? root.range,
                             help: key == "name" ? "add `name: team/prompt-name`" : "add `version: 1.0.0`")
            }
            if templateNode == nil, messagesNode == nil {
                reader.issue(.conflictingBody, "the file has neither `template` nor `messages`", pairs.first?.key.range ?? root.range,
                             help: "add `template: |` with the prompt text, or a `messages:` list")
            }
        }
        if let s = root["samples"] {
            if let sp = s.mapping {
                for p in sp {
                    guard let name = p.key.scalar?.value else { continue }
                    var values: [(key: Located<String>, value: YAMLNode)] = []
                    if let vp = p.value.mapping {
                        for v in vp {
                            guard let k = v.key.scalar?.value else { continue }
                            values.append((Located(k, v.key.range), v.value))
                        }
                    } else if p.value.scalar?.resolved != .null {
                        reader.issue(.invalidType, "sample `\(name)` must be a mapping of variable values, not \(p.value.kindDescription)", p.value.range)
                    }
                    file.samples.append(Sample(name: Located(name, p.key.range), node: p.value, values: values))
                }
            } else {
                reader.issue(.invalidType, "`samples` must be a mapping from sample name to variable values, not \(s.kindDescription)", s.range)
            }
        }
        file.tests = root["tests"]
        file.metadata = root["metadata"]
        if let meta = file.metadata, meta.mapping == nil, meta.scalar?.resolved != .null {
            reader.issue(.invalidType, "`metadata` must be a mapping, not \(meta.kindDescription)", meta.range)
        }
        if let budget = root["budget"] {
            if let bp = budget.mapping {
                reader.checkKeys(bp, allowed: ["max_prompt_tokens"], context: "budget")
                if let limit = bp.first(where: { $0.key.scalar?.value == "max_prompt_tokens" })?.value {
                    if case .int(let n) = limit.scalar?.resolved ?? .null, n > 0 {
                        file.maxPromptTokens = Located(n, limit.range)
                    } else {
                        reader.issue(.invalidType, "`budget.max_prompt_tokens` must be a positive integer", limit.range)
                    }
                }
            } else {
                reader.issue(.invalidType, "`budget` must be a mapping, not \(budget.kindDescription)", budget.range)
            }
        }
        file.issues += reader.issues
        return file
    }

    static func isValidVariableName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
    }

    struct Reader {
        let document: YAMLDocument
        var issues: [SchemaIssue] = []

        mutating func issue(_ kind: SchemaIssue.Kind, _ message: String, _ range: TextRange, help: String? = nil) {
            issues.append(SchemaIssue(kind, message, range, help: help))
        }

        mutating func checkKeys(_ pairs: [YAMLPair], allowed: [String], context: String) {
            for p in pairs {
                guard let key = p.key.scalar?.value else { continue }
                if !allowed.contains(key) {
                    let suggestion = DidYouMean.suggestion(for: key, among: allowed)
                    issue(.unknownKey, "unknown key `\(key)` in \(context)", p.key.range,
                          help: suggestion.map { "did you mean `\($0)`?" } ?? "known keys: \(allowed.joined(separator: ", "))")
                }
            }
        }

        /// A scalar field read as text. Plain scalars are read as written (`version: 1.0` stays "1.0").
        mutating func string(_ node: YAMLNode?, field: String) -> Located<String>? {
            guard let node else { return nil }
            if let s = node.scalar {
                if s.style == .plain, s.resolved == .null { 
                    issue(.invalidType, "`\(field)` is empty", node.range)
                    return nil
                }
                return Located(s.value, node.range)
            }
            issue(.invalidType, "`\(field)` must be text, not \(node.kindDescription)", node.range)
            return nil
        }

        mutating func templateSource(_ node: YAMLNode, field: String) -> TemplateSource? {
            guard let s = node.scalar else {
                if node.mapping == nil || !document.text(node.range).hasPrefix("{{") {
                    issue(.invalidType, "`\(field)` must be text, not \(node.kindDescription)", node.range)
                }
                return nil
            }
            return TemplateSource(node: node, text: s.value, sourceMap: ScalarSourceMap(node: node, in: document.bytes))
        }

        mutating func message(_ node: YAMLNode) -> Message {
            guard let pairs = node.mapping else {
                issue(.invalidType, "each message is a mapping with `role` and `content`, not \(node.kindDescription)", node.range)
                return Message(role: nil, content: nil, range: node.range)
            }
            checkKeys(pairs, allowed: PromptFileReader.messageKeys, context: "message")
            let role = string(node["role"], field: "role")
            if let role, Role(rawValue: role.value) == nil {
                let suggestion = DidYouMean.suggestion(for: role.value, among: Role.allCases.map(\.rawValue))
                issue(.invalidValue, "`\(role.value)` is not a message role", role.range,
                      help: suggestion.map { "did you mean `\($0)`?" } ?? "roles: system, user, assistant, tool")
            }
            if node["role"] == nil {
                issue(.missingKey, "the message has no `role`", pairs.first?.key.range ?? node.range, help: "add `role: user` (or system, assistant, tool)")
            }
            var content: TemplateSource?
            if let c = node["content"] {
                content = templateSource(c, field: "content")
            } else {
                issue(.missingKey, "the message has no `content`", pairs.first?.key.range ?? node.range)
            }
            return Message(role: role, content: content, range: node.range)
        }

        mutating func schema(_ node: YAMLNode, path: String) -> VariableSchema {
            var fields = VariableSchema.Fields()
            // Shorthand: `customer: string` declares the type only.
            if let s = node.scalar {
                if s.resolved == .null { return VariableSchema(fields) }
                if let t = VariableType(rawValue: s.value) {
                    fields.type = Located(t, node.range)
                } else {
                    let suggestion = DidYouMean.suggestion(for: s.value, among: VariableType.allCases.map(\.rawValue))
                    issue(.invalidValue, "`\(s.value)` is not a variable type", node.range,
                          help: suggestion.map { "did you mean `\($0)`?" } ?? "types: string, number, integer, boolean, array, object")
                }
                return VariableSchema(fields)
            }
            guard let pairs = node.mapping else {
                issue(.invalidType, "the declaration of `\(path)` must be a mapping (or a type name), not \(node.kindDescription)", node.range)
                return VariableSchema(fields)
            }
            checkKeys(pairs, allowed: PromptFileReader.variableKeys, context: "the declaration of `\(path)`")
            for p in pairs {
                guard let key = p.key.scalar?.value else { continue }
                let v = p.value
                switch key {
                case "type":
                    if let s = v.scalar, let t = VariableType(rawValue: s.value) {
                        fields.type = Located(t, v.range)
                    } else {
                        let text = v.scalar?.value ?? ""
                        let suggestion = DidYouMean.suggestion(for: text, among: VariableType.allCases.map(\.rawValue))
                        issue(.invalidValue, "`\(text)` is not a variable type", v.range,
                              help: suggestion.map { "did you mean `\($0)`?" } ?? "types: string, number, integer, boolean, array, object")
                    }
                case "description":
                    fields.description = v.scalar?.value
                case "required", "untrusted":
                    guard case .bool(let b)? = v.scalar?.resolved else {
                        issue(.invalidType, "`\(key)` must be `true` or `false`", v.range)
                        continue
                    }
                    if key == "required" { fields.required = b } else { fields.untrusted = b }
                case "default":
                    fields.defaultValue = v
                case "example":
                    fields.example = v
                case "enum":
                    if let items = v.sequence {
                        fields.enumValues = items.map { YAMLValues.value(of: $0, in: document).value }
                    } else {
                        issue(.invalidType, "`enum` must be a list of allowed values", v.range)
                    }
                case "items":
                    fields.items = self.schema(v, path: "\(path)[]")
                case "properties":
                    if let pp = v.mapping {
                        var props: [(name: Located<String>, schema: VariableSchema)] = []
                        for prop in pp {
                            guard let name = prop.key.scalar?.value else { continue }
                            props.append((Located(name, prop.key.range), self.schema(prop.value, path: "\(path).\(name)")))
                        }
                        fields.properties = props
                    } else {
                        issue(.invalidType, "`properties` must be a mapping from property name to declaration", v.range)
                    }
                default: break
                }
            }
            if fields.items != nil, let t = fields.type, t.value != .array {
                issue(.invalidValue, "`items` only applies to `type: array`, but `\(path)` is `\(t.value.rawValue)`", t.range)
            }
            if fields.properties != nil, let t = fields.type, t.value != .object {
                issue(.invalidValue, "`properties` only applies to `type: object`, but `\(path)` is `\(t.value.rawValue)`", t.range)
            }
            if fields.type == nil {
                // Infer the obvious: structure implies the type.
                if fields.items != nil { fields.type = Located(.array, node.range) }
                else if fields.properties != nil { fields.type = Located(.object, node.range) }
            }
            return VariableSchema(fields)
        }

        /// Finds YAML traps anywhere in the file: unquoted `{{var}}` values and duplicate keys.
        mutating func scanForTraps(_ root: YAMLNode) {
            var stack = [root]
            while let node = stack.popLast() {
                switch node.kind {
                case .mapping(let pairs):
                    if node.isFlow, document.text(TextRange(start: node.range.start, end: min(node.range.start + 2, node.range.end))) == "{{" {
                        let text = document.text(node.range)
                        issue(.unquotedTemplate, "YAML reads the unquoted `\(text)` as a mapping, not as text", node.range,
                              help: "quote the value: \"\(text)\" — or use a block scalar (`|`)")
                        continue
                    }
                    var seen: [String: TextRange] = [:]
                    for p in pairs {
                        if let k = p.key.scalar?.value {
                            if seen[k] != nil {
                                issue(.duplicateKey, "the key `\(k)` appears twice in this mapping; YAML tools disagree on which one wins", p.key.range)
                            } else {
                                seen[k] = p.key.range
                            }
                        }
                        stack.append(p.key)
                        stack.append(p.value)
                    }
                case .sequence(let items):
                    stack.append(contentsOf: items)
                default:
                    break
                }
            }
        }
    }
}

/// Semantic Versioning 2.0.0.
public enum Semver {
    public static func isValid(_ s: String) -> Bool {
        var rest = Substring(s)
        var build: Substring?
        if let plus = rest.firstIndex(of: "+") {
            build = rest[rest.index(after: plus)...]
            rest = rest[..<plus]
        }
        var pre: Substring?
        if let dash = rest.firstIndex(of: "-") {
            pre = rest[rest.index(after: dash)...]
            rest = rest[..<dash]
        }
        let core = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard core.count == 3, core.allSatisfy(isNumericIdentifier) else { return false }
        if let pre {
            let ids = pre.split(separator: ".", omittingEmptySubsequences: false)
            guard !ids.isEmpty, ids.allSatisfy({ isIdentifier($0) && (!$0.allSatisfy(\.isASCIIDigit) || isNumericIdentifier($0)) }) else { return false }
        }
        if let build {
            let ids = build.split(separator: ".", omittingEmptySubsequences: false)
            guard !ids.isEmpty, ids.allSatisfy(isIdentifier) else { return false }
        }
        return true
    }

    /// A string whose byte order is SemVer 2.0.0 precedence (§11), so a database index can sort
    /// versions: numbers are length-prefixed (longer is larger), a release sorts after its
    /// pre-releases, numeric pre-release identifiers before alphanumeric ones, and a shorter
    /// identifier list before a longer one with the same prefix. Build metadata is ignored, as
    /// precedence ignores it. nil for an invalid version.
    public static func precedenceKey(_ s: String) -> String? {
        guard isValid(s) else { return nil }
        var rest = Substring(s)
        if let plus = rest.firstIndex(of: "+") { rest = rest[..<plus] }
        var pre: Substring?
        if let dash = rest.firstIndex(of: "-") {
            pre = rest[rest.index(after: dash)...]
            rest = rest[..<dash]
        }
        func number(_ digits: Substring) -> String {
            // Three digits of length cover any number a person writes; semver numbers have no leading zeros.
            let count = String(digits.count)
            return String(repeating: "0", count: max(0, 3 - count.count)) + count + digits
        }
        var key = rest.split(separator: ".").map(number).joined(separator: ".")
        guard let pre else { return key + "~" }  // "~" (0x7E) sorts after "!" below: releases last
        key += "!"
        for id in pre.split(separator: ".") {
            // "\u{1}" ends a list (shorter first); identifiers start with "0" (numeric) or "1" (text).
            key += id.allSatisfy(\.isASCIIDigit) ? "\u{2}0" + number(id) : "\u{2}1" + id
        }
        return key + "\u{1}"
    }

    static func isNumericIdentifier(_ s: Substring) -> Bool {
        !s.isEmpty && s.allSatisfy(\.isASCIIDigit) && (s == "0" || s.first != "0")
    }

    static func isIdentifier(_ s: Substring) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Converts YAML nodes to template data, expanding aliases within a budget so that an alias bomb
/// ("billion laughs") becomes an error instead of exhausting memory.
public enum YAMLValues {
    public static let maximumNodes = 100_000

    public struct Conversion: Sendable {
        public let value: Value
        /// Set when the alias-expansion budget ran out (the value is truncated).
        public let limitError: String?
    }

    public static func value(of node: YAMLNode, in document: YAMLDocument) -> Conversion {
        var budget = maximumNodes
        var error: String?
        let v = convert(node, document, &budget, &error, depth: 0)
        return Conversion(value: v, limitError: error)
    }

    static func convert(_ node: YAMLNode, _ doc: YAMLDocument, _ budget: inout Int, _ error: inout String?, depth: Int) -> Value {
        budget -= 1
        if budget < 0 || depth > YAMLParser.maximumDepth {
            if error == nil {
                error = budget < 0 ? "expanding aliases produces more than \(maximumNodes) values (an alias bomb?)"
                                   : "aliases nest more than \(YAMLParser.maximumDepth) levels deep"
            }
            return .null
        }
        switch node.kind {
        case .scalar(let s):
            return s.resolved
        case .sequence(let items):
            var out: [Value] = []
            for item in items {
                out.append(convert(item, doc, &budget, &error, depth: depth + 1))
                if error != nil { break }
            }
            return .array(out)
        case .mapping(let pairs):
            var o = OrderedObject()
            for p in pairs {
                let key = p.key.scalar?.value ?? doc.text(p.key.range)
                o[key] = convert(p.value, doc, &budget, &error, depth: depth + 1)
                if error != nil { break }
            }
            return .object(o)
        case .alias(let name):
            guard let target = doc.anchors[name] else { return .null }
            return convert(target, doc, &budget, &error, depth: depth + 1)
        }
    }
}
