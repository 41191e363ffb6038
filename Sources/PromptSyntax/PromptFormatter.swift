import CoreSupport

/// Canonical formatting of prompt files and test sidecars (`promptkit fmt`, LSP formatting).
///
/// The output is written from the YAML tree, not patched into the source, so every file comes out
/// in one shape: two-space indentation, sequences indented under their key, known keys in the
/// order the JSON Schema documents them (unknown and user-named keys keep their order), block
/// scalars for multi-line strings, single-line flow collections kept as written and multi-line
/// ones turned into block style. Comments and single blank lines between entries are kept.
///
/// libyaml reports no comments, so they are found in the bytes between scalar tokens and attached
/// to the entry they precede (full-line comments) or end (end-of-line comments).
///
/// Like black and ruff's formatter, the result is checked before it is returned: the output is
/// parsed again and must hold the same data (every key, item, scalar value, tag and anchor) and
/// the same comments; otherwise the file is refused and left as it was. Formatting can therefore
/// change how a file looks, never what it means, and a bug here shows as a refusal, not as damage.
public enum PromptFormatter {
    public enum FileKind: Sendable {
        /// `*.prompt.yaml`.
        case prompt
        /// `NAME.tests.yaml` sidecars.
        case tests

        /// The kind a file's name says it is: sidecars end in `.tests.yaml`/`.tests.yml`.
        public init(path: String) {
            self = path.hasSuffix(".tests.yaml") || path.hasSuffix(".tests.yml") ? .tests : .prompt
        }
    }

    /// Why a file was not formatted; `range` points at the cause in the input.
    public struct Refusal: Error, Sendable, Equatable {
        public let message: String
        public let range: TextRange
    }

    /// The formatted bytes (equal to `bytes` when the file is already formatted), or why the file
    /// cannot be formatted. Never traps on any input.
    public static func format(_ bytes: [UInt8], kind: FileKind = .prompt) -> Result<[UInt8], Refusal> {
        let document = YAMLParser.parse(bytes)
        if let problem = document.problems.first {
            return .failure(Refusal(message: "not formatted: the file is not valid YAML (\(problem.message))", range: problem.range))
        }
        guard let root = document.root else { return .success(bytes) }
        if let duplicate = firstDuplicateKey(root) {
            return .failure(Refusal(message: "not formatted: the key `\(duplicate.scalar?.value ?? "")` appears twice in one mapping; remove one first",
                                    range: duplicate.range))
        }
        if let complex = firstComplexKey(root) {
            let message = complex.scalar == nil
                ? "not formatted: a mapping or list is used as a key here (an unquoted `{{variable}}` is a YAML mapping; quote the value); fix the lint error first"
                : "not formatted: only single-line keys are supported"
            return .failure(Refusal(message: message, range: complex.range))
        }
        let comments = CommentScanner.comments(in: document)
        var writer = Writer(document: document, comments: comments, kind: kind)
        let text = writer.write(root)
        var output = Array(text.utf8)
        if usesCRLF(bytes) { output = crlf(output) }

        // The safety net: same data, same comments, or the input is left alone.
        let reparsed = YAMLParser.parse(output)
        guard reparsed.problems.isEmpty, let again = reparsed.root, sameData(root, again) else {
            return .failure(Refusal(message: "not formatted: internal error, the formatted text would not hold the same data; the file is left unchanged (please report this file)",
                                    range: root.range))
        }
        // Reordered keys carry their comments along, so the comments are compared as a multiset.
        guard CommentScanner.comments(in: reparsed).map(\.text).sorted() == comments.map(\.text).sorted() else {
            return .failure(Refusal(message: "not formatted: internal error, a comment would be lost; the file is left unchanged (please report this file)",
                                    range: root.range))
        }
        return .success(output)
    }

    // MARK: - Key order

    /// The value contexts whose keys have a canonical order; the orders match the `properties` of
    /// Schemas/prompt.schema.json and tests.schema.json (checked by tests/python/test_fmt.py).
    enum Context: Sendable {
        case promptRoot, testsRoot, params, budget, variables, variable, messages, message, tests, test, assertions, assertion, other
    }

    static func keyOrder(_ context: Context) -> [String] {
        switch context {
        case .promptRoot:
            ["name", "version", "description", "model", "fallback_models", "params", "budget", "variables", "template", "messages",
             "samples", "tests", "metadata"]
        case .testsRoot: ["prompt", "tests"]
        case .params: ["temperature", "top_p", "max_tokens", "presence_penalty", "frequency_penalty"]
        case .budget: ["max_prompt_tokens"]
        case .variable: ["type", "description", "required", "untrusted", "items", "properties", "enum", "default", "example"]
        case .message: ["role", "name", "content"]
        case .test: ["name", "description", "sample", "vars", "provider", "model", "params", "assert"]
        case .assertion: ["type", "value", "threshold"]
        case .variables, .messages, .tests, .assertions, .other: []
        }
    }

    /// The context of the value under `key` in a mapping of `context`.
    static func valueContext(_ context: Context, key: String) -> Context {
        switch (context, key) {
        case (.promptRoot, "params"), (.test, "params"): .params
        case (.promptRoot, "budget"): .budget
        case (.promptRoot, "variables"), (.variable, "properties"): .variables
        case (.variables, _), (.variable, "items"): .variable
        case (.promptRoot, "messages"): .messages
        case (.promptRoot, "tests"), (.testsRoot, "tests"): .tests
        case (.test, "assert"): .assertions
        default: .other
        }
    }

    static func itemContext(_ context: Context) -> Context {
        switch context {
        case .messages: .message
        case .tests: .test
        case .assertions: .assertion
        default: .other
        }
    }

    /// Known keys in canonical order. A key the order does not know (a typo, an extension) stays
    /// right after the known key it followed, so `descripton:` is still found next to `version:`.
    static func ordered(_ pairs: [YAMLPair], context: Context) -> [YAMLPair] {
        let order = keyOrder(context)
        guard !order.isEmpty else { return pairs }
        var ranked: [(rank: Int, position: Int, pair: YAMLPair)] = []
        var previousRank = -1
        for (position, pair) in pairs.enumerated() {
            if let known = pair.key.scalar.flatMap({ order.firstIndex(of: $0.value) }) {
                previousRank = known
                ranked.append((known, position, pair))
            } else {
                ranked.append((previousRank, position, pair))
            }
        }
        // Within one rank the known key (written first in its group) leads, then its followers as written.
        return ranked.sorted { $0.rank != $1.rank ? $0.rank < $1.rank : $0.position < $1.position }.map(\.pair)
    }

    // MARK: - Preconditions and the equivalence check

    static func firstDuplicateKey(_ node: YAMLNode) -> YAMLNode? {
        switch node.kind {
        case .mapping(let pairs):
            var seen = Set<String>()
            for pair in pairs {
                if let key = pair.key.scalar?.value, !seen.insert(key).inserted { return pair.key }
                if let found = firstDuplicateKey(pair.value) { return found }
            }
        case .sequence(let items):
            for item in items { if let found = firstDuplicateKey(item) { return found } }
        default: break
        }
        return nil
    }

    static func firstComplexKey(_ node: YAMLNode) -> YAMLNode? {
        switch node.kind {
        case .mapping(let pairs):
            for pair in pairs {
                guard let scalar = pair.key.scalar, !scalar.value.contains("\n"), scalar.style != .literal, scalar.style != .folded else {
                    return pair.key
                }
                if let found = firstComplexKey(pair.value) { return found }
            }
        case .sequence(let items):
            for item in items { if let found = firstComplexKey(item) { return found } }
        default: break
        }
        return nil
    }

    /// Same data: mappings as key → value (order free), sequences item by item, scalars by value
    /// and by how they resolve (so `1` never becomes `"1"`), tags and anchors equal.
    static func sameData(_ a: YAMLNode, _ b: YAMLNode) -> Bool {
        guard a.tag == b.tag, a.anchor == b.anchor else { return false }
        switch (a.kind, b.kind) {
        case (.scalar(let x), .scalar(let y)):
            return x.value == y.value && x.resolved.typeName == y.resolved.typeName
        case (.alias(let x), .alias(let y)):
            return x == y
        case (.sequence(let xs), .sequence(let ys)):
            return xs.count == ys.count && zip(xs, ys).allSatisfy { sameData($0, $1) }
        case (.mapping(let xs), .mapping(let ys)):
            guard xs.count == ys.count else { return false }
            // Keys are unique scalars here (checked before formatting), so a lookup table pairs them.
            var byKey: [String: YAMLPair] = [:]
            for y in ys { byKey[y.key.scalar?.value ?? ""] = y }
            for x in xs {
                guard let y = byKey[x.key.scalar?.value ?? ""], sameData(x.key, y.key), sameData(x.value, y.value) else { return false }
            }
            return true
        default:
            return false
        }
    }

    static func usesCRLF(_ bytes: [UInt8]) -> Bool {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return false }
        return newline > 0 && bytes[newline - 1] == UInt8(ascii: "\r")
    }

    static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 20)
        for byte in bytes {
            if byte == UInt8(ascii: "\n") { out.append(UInt8(ascii: "\r")) }
            out.append(byte)
        }
        return out
    }
}

// MARK: - Comments

struct SourceComment {
    /// Byte offset of the `#`.
    let offset: Int
    /// From `#` to the end of the line, trailing whitespace removed.
    let text: String
    /// Nothing but whitespace before it on its line.
    let isFullLine: Bool
}

enum CommentScanner {
    /// Every comment in the document, in source order. A `#` starts a comment when it begins a
    /// line or follows a space or tab, outside every scalar token. A block scalar's header line
    /// (`key: |-  # note`) is scanned too; its content lines are not.
    static func comments(in document: YAMLDocument) -> [SourceComment] {
        var skipped: [TextRange] = []
        if let root = document.root { collectScalarBodies(root, document: document, into: &skipped) }
        let bytes = document.bytes
        var comments: [SourceComment] = []
        var next = 0
        var i = 0
        var lineStart = 0
        var onlySpaceSoFar = true
        while i < bytes.count {
            while next < skipped.count, skipped[next].end <= i { next += 1 }
            if next < skipped.count, skipped[next].contains(i) {
                i = skipped[next].end
                // A block scalar's range ends at the start of the line after it.
                if bytes[i - 1] == UInt8(ascii: "\n") {
                    lineStart = i
                    onlySpaceSoFar = true
                } else {
                    onlySpaceSoFar = false
                }
                continue
            }
            let byte = bytes[i]
            if byte == UInt8(ascii: "\n") {
                i += 1
                lineStart = i
                onlySpaceSoFar = true
                continue
            }
            if byte == UInt8(ascii: "#"), i == lineStart || bytes[i - 1] == UInt8(ascii: " ") || bytes[i - 1] == UInt8(ascii: "\t") {
                var end = i
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                var trimmed = end
                while trimmed > i, bytes[trimmed - 1] == UInt8(ascii: " ") || bytes[trimmed - 1] == UInt8(ascii: "\t") || bytes[trimmed - 1] == UInt8(ascii: "\r") {
                    trimmed -= 1
                }
                comments.append(SourceComment(offset: i, text: String(decoding: bytes[i..<trimmed], as: UTF8.self), isFullLine: onlySpaceSoFar))
                i = end
                continue
            }
            if byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t"), byte != UInt8(ascii: "\r") { onlySpaceSoFar = false }
            i += 1
        }
        return comments
    }

    /// Ranges inside which a `#` is text, not a comment, in source order.
    static func collectScalarBodies(_ node: YAMLNode, document: YAMLDocument, into ranges: inout [TextRange]) {
        switch node.kind {
        case .scalar(let scalar):
            if scalar.style == .literal || scalar.style == .folded {
                // Content starts on the line after the header; the header itself may end in a comment.
                let bytes = document.bytes
                var start = node.range.start
                while start < node.range.end, bytes[start] != UInt8(ascii: "\n") { start += 1 }
                if start < node.range.end { ranges.append(TextRange(start: start, end: node.range.end)) }
            } else {
                ranges.append(node.range)
            }
        case .alias:
            ranges.append(node.range)
        case .mapping(let pairs):
            for pair in pairs {
                collectScalarBodies(pair.key, document: document, into: &ranges)
                collectScalarBodies(pair.value, document: document, into: &ranges)
            }
        case .sequence(let items):
            for item in items { collectScalarBodies(item, document: document, into: &ranges) }
        }
    }
}

// MARK: - Writing

/// Writes the canonical text of one document.
struct Writer {
    /// Where a comment goes in the output.
    struct Attachment {
        var leading: [String] = []
        var trailing: [String] = []
        var blankLineBefore = false
    }

    let document: YAMLDocument
    let lines: LineIndex
    let kind: PromptFormatter.FileKind
    /// Keyed by the entry's node: the key for mapping pairs, the item for sequence items.
    var attachments: [ObjectIdentifier: Attachment] = [:]
    var headerComments: [String] = []
    var footerComments: [String] = []
    var out = ""
    /// The last thing written is a `|+` block: a blank line after it would join its value.
    var endsInKeptBlock = false

    init(document: YAMLDocument, comments: [SourceComment], kind: PromptFormatter.FileKind) {
        self.document = document
        self.lines = LineIndex(document.bytes)
        self.kind = kind
        if let root = document.root { attach(comments, root: root) }
    }

    mutating func write(_ root: YAMLNode) -> String {
        for comment in headerComments { out += comment + "\n" }
        if hasExplicitDocumentStart() { out += "---\n" }
        let context: PromptFormatter.Context = kind == .prompt ? .promptRoot : .testsRoot
        if isBlock(root), root.mapping != nil || root.sequence != nil {
            writeBlock(root, indent: 0, context: context, dashLine: false)
        } else {
            out += inlineText(root, context: context) + "\n"
        }
        if !footerComments.isEmpty {
            if !out.hasSuffix("\n\n"), !endsInKeptBlock { out += "\n" }
            for comment in footerComments { out += comment + "\n" }
        }
        return out
    }

    // MARK: Attaching comments to entries

    /// Entries in source (pre-)order with their start offset, for every collection written in
    /// block style.
    func entries(_ node: YAMLNode, into list: inout [(start: Int, node: YAMLNode, value: YAMLNode)]) {
        switch node.kind {
        case .mapping(let pairs):
            guard isBlock(node) else { return }
            for pair in pairs {
                list.append((pair.key.range.start, pair.key, pair.value))
                entries(pair.value, into: &list)
            }
        case .sequence(let items):
            guard isBlock(node) else { return }
            for item in items {
                list.append((item.range.start, item, item))
                entries(item, into: &list)
            }
        default: break
        }
    }

    mutating func attach(_ comments: [SourceComment], root: YAMLNode) {
        var list: [(start: Int, node: YAMLNode, value: YAMLNode)] = []
        entries(root, into: &list)
        // Pre-order starts never decrease, so "the last entry starting before" and "the first
        // starting after" an offset are binary searches (files can hold 100,000 entries).
        let starts = list.map(\.start)
        let commentLines = Set(comments.filter(\.isFullLine).map { lines.line(containing: $0.offset) })
        for (start, node, _) in list where hasBlankLineBefore(start, commentLines: commentLines) {
            attachments[ObjectIdentifier(node), default: Attachment()].blankLineBefore = true
        }
        for comment in comments {
            if comment.offset < root.range.start || list.isEmpty && comment.offset < root.range.end {
                headerComments.append(comment.text)
                continue
            }
            // The first entry starting after the comment (starts equal to the offset cannot occur).
            let after = Self.partition(starts) { $0 <= comment.offset }
            // An end-of-line comment belongs to the entry on its line: one that starts there, or a
            // scalar that ends there (a plain scalar folded over lines). One per entry; a second
            // (only possible after a multi-line flow collection) goes above the next entry.
            if !comment.isFullLine, after > 0, attachments[ObjectIdentifier(list[after - 1].node)]?.trailing.isEmpty ?? true {
                let owner = list[after - 1]
                let line = lines.line(containing: comment.offset)
                let startsHere = lines.line(containing: owner.start) == line
                let scalarEndsHere = !isBlock(owner.value) && lines.line(containing: owner.start) <= line
                    && line <= lines.line(containing: max(owner.value.range.start, owner.value.range.end - 1))
                if startsHere || scalarEndsHere {
                    attachments[ObjectIdentifier(owner.node), default: Attachment()].trailing.append(comment.text)
                    continue
                }
            }
            if after < list.count {
                attachments[ObjectIdentifier(list[after].node), default: Attachment()].leading.append(comment.text)
            } else {
                footerComments.append(comment.text)
            }
        }
    }

    /// The index of the first element of the sorted `values` for which `isBefore` is false.
    static func partition(_ values: [Int], isBefore: (Int) -> Bool) -> Int {
        var lo = 0
        var hi = values.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if isBefore(values[mid]) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Whether a blank line separates this entry (with the full-line comments just above it) from
    /// what comes before.
    func hasBlankLineBefore(_ start: Int, commentLines: Set<Int>) -> Bool {
        var line = lines.line(containing: start) - 1
        while line >= 0, commentLines.contains(line) { line -= 1 }
        guard line >= 0 else { return false }
        let range = lines.lineRange(line)
        return document.bytes[range.start..<range.end].allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }

    func hasExplicitDocumentStart() -> Bool {
        guard let root = document.root else { return false }
        let rootLine = lines.line(containing: root.range.start)
        for line in 0..<rootLine where document.text(lines.lineRange(line)).hasPrefix("---") { return true }
        return false
    }

    // MARK: Layout decisions

    /// Block collections, and flow collections that span lines (a multi-line flow collection is
    /// written in block style; a single-line one stays as written). Empty collections stay flow.
    func isBlock(_ node: YAMLNode) -> Bool {
        switch node.kind {
        case .mapping(let pairs) where pairs.isEmpty: return false
        case .sequence(let items) where items.isEmpty: return false
        case .mapping, .sequence:
            guard node.isFlow else { return true }
            return lines.line(containing: node.range.start) != lines.line(containing: max(node.range.start, node.range.end - 1))
        default: return false
        }
    }

    func properties(_ node: YAMLNode) -> String {
        var parts: [String] = []
        if let anchor = node.anchor { parts.append("&" + anchor) }
        if let tag = node.tag { parts.append(Self.shorthand(tag)) }
        return parts.joined(separator: " ")
    }

    static func shorthand(_ tag: String) -> String {
        let core = "tag:yaml.org,2002:"
        if tag.hasPrefix(core) { return "!!" + tag.dropFirst(core.count) }
        if tag.hasPrefix("!") { return tag }
        return "!<\(tag)>"
    }

    func source(_ node: YAMLNode) -> String { document.text(node.range) }

    func isSingleLine(_ node: YAMLNode) -> Bool {
        !document.bytes[node.range.start..<min(node.range.end, document.bytes.count)].contains(UInt8(ascii: "\n"))
    }

    // MARK: Scalars

    enum ScalarLayout {
        /// Written on the key's line.
        case inline(String)
        /// A block scalar: the header on the key's line, then the content lines (unindented).
        case block(header: String, lines: [String])
    }

    func scalarLayout(_ node: YAMLNode, flow: Bool) -> ScalarLayout {
        guard let scalar = node.scalar else { return .inline(source(node)) }
        let props = properties(node)
        let prefix = props.isEmpty ? "" : props + " "
        if !flow, scalar.style == .folded, let folded = reindentedFolded(node) {
            return .block(header: prefix + folded.header, lines: folded.lines)
        }
        if !flow, scalar.value.contains("\n") || scalar.style == .literal, let literal = Self.literal(scalar.value) {
            return .block(header: prefix + literal.header, lines: literal.lines)
        }
        if isSingleLine(node), scalar.style != .literal, scalar.style != .folded, !(flow && scalar.value.contains("\n")) {
            return .inline(source(node))
        }
        if scalar.style == .plain, !scalar.value.contains("\n"), !scalar.value.isEmpty {
            // A plain scalar folded over several lines: the same words on one line.
            return .inline(prefix + scalar.value)
        }
        return .inline(prefix + Self.doubleQuoted(scalar.value))
    }

    /// A literal block for `value`, or nil when a block scalar cannot hold it exactly (control
    /// characters, other line breaks, nothing but newlines).
    static func literal(_ value: String) -> (header: String, lines: [String])? {
        var trailing = 0
        var body = Substring(value)
        while body.hasSuffix("\n") { body = body.dropLast(); trailing += 1 }
        guard !body.isEmpty else { return nil }
        for scalar in value.unicodeScalars {
            let v = scalar.value
            if v == 0x0A || v == 0x09 { continue }
            if v < 0x20 || v == 0x7F || (v >= 0x80 && v <= 0x9F) || v == 0x2028 || v == 0x2029 || v == 0xFEFF { return nil }
        }
        var lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let chomping: String
        switch trailing {
        case 0: chomping = "-"
        case 1: chomping = ""
        default:
            chomping = "+"
            lines += Array(repeating: "", count: trailing - 1)
        }
        // An explicit indentation indicator when the first line with content starts with a space
        // or a tab (or a blank line before it holds one): auto-detection would take spaces as
        // indentation, and libyaml rejects a tab there.
        var indicator = ""
        for line in lines {
            if line.hasPrefix(" ") || line.hasPrefix("\t") { indicator = "2"; break }
            if !line.isEmpty { break }
        }
        return ("|" + indicator + chomping, lines)
    }

    /// A folded scalar keeps its author's line breaks: its content lines are re-indented as they
    /// are. Only for clip and strip chomping without an indentation indicator; others are written
    /// as literal blocks.
    func reindentedFolded(_ node: YAMLNode) -> (header: String, lines: [String])? {
        let text = source(node)
        var all = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        guard !all.isEmpty else { return nil }
        var header = all.removeFirst().trimmingSpaces
        // Drop the properties and any comment from the header: `!!str >- # note` → `>-`.
        guard let indicatorStart = header.firstIndex(of: ">") else { return nil }
        header = String(header[indicatorStart...])
        if let space = header.firstIndex(where: { $0 == " " || $0 == "\t" }) { header = String(header[..<space]) }
        guard header == ">" || header == ">-" else { return nil }
        while let last = all.last, last.allSatisfy({ $0 == " " || $0 == "\t" }) { all.removeLast() }
        guard let first = all.first(where: { !$0.allSatisfy { $0 == " " } }) else { return nil }
        let indentation = first.prefix(while: { $0 == " " }).count
        guard indentation > 0 else { return nil }
        var lines: [String] = []
        for line in all {
            let spaces = line.prefix(while: { $0 == " " }).count
            if spaces >= indentation { lines.append(String(line.dropFirst(indentation))) }
            else if line.allSatisfy({ $0 == " " }) { lines.append("") }
            else { return nil }
        }
        // Leading spaces on the first content line would need an indicator; let the literal path handle it.
        if let firstContent = lines.first(where: { !$0.isEmpty }), firstContent.hasPrefix(" ") || firstContent.hasPrefix("\t") { return nil }
        return (header, lines)
    }

    static func doubleQuoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                let v = scalar.value
                if v < 0x20 || v == 0x7F || (v >= 0x80 && v <= 0x9F) || v == 0x2028 || v == 0x2029 || v == 0xFEFF {
                    out += v <= 0xFF ? "\\x" + hex(v, width: 2) : "\\u" + hex(v, width: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func hex(_ v: UInt32, width: Int) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    // MARK: Inline (flow) text

    func inlineText(_ node: YAMLNode, context: PromptFormatter.Context) -> String {
        let props = properties(node)
        let prefix = props.isEmpty ? "" : props + " "
        switch node.kind {
        case .scalar:
            if case .inline(let text) = scalarLayout(node, flow: true) { return text }
            return source(node)
        case .alias(let name):
            return "*" + name
        case .sequence(let items):
            let itemContext = PromptFormatter.itemContext(context)
            return prefix + "[" + items.map { inlineText($0, context: itemContext) }.joined(separator: ", ") + "]"
        case .mapping(let pairs):
            let body = PromptFormatter.ordered(pairs, context: context).map { pair -> String in
                let key = inlineText(pair.key, context: .other)
                if let scalar = pair.value.scalar, scalar.value.isEmpty, scalar.style == .plain, pair.value.tag == nil, pair.value.anchor == nil {
                    return key
                }
                return key + ": " + inlineText(pair.value, context: PromptFormatter.valueContext(context, key: pair.key.scalar?.value ?? ""))
            }
            return prefix + "{" + body.joined(separator: ", ") + "}"
        }
    }

    // MARK: Block text

    mutating func writeComments(_ comments: [String], indent: Int) {
        for comment in comments { out += String(repeating: " ", count: indent) + comment + "\n" }
    }

    func trailingText(_ attachment: Attachment?) -> String {
        guard let attachment, !attachment.trailing.isEmpty else { return "" }
        return "  " + attachment.trailing.joined(separator: "  ")
    }

    /// Writes a block collection's entries at `indent`. With `dashLine`, the first entry goes on
    /// the current line, right after a `- ` the caller wrote.
    mutating func writeBlock(_ node: YAMLNode, indent: Int, context: PromptFormatter.Context, dashLine: Bool) {
        let pad = String(repeating: " ", count: indent)
        var first = true
        func startEntry(_ writer: inout Writer, _ attachment: Attachment?) {
            if first && dashLine { first = false; return }
            if !first, attachment?.blankLineBefore == true, !writer.endsInKeptBlock { writer.out += "\n" }
            writer.writeComments(attachment?.leading ?? [], indent: indent)
            writer.out += pad
            first = false
        }
        switch node.kind {
        case .mapping(let pairs):
            for pair in PromptFormatter.ordered(pairs, context: context) {
                let attachment = attachments[ObjectIdentifier(pair.key)]
                startEntry(&self, attachment)
                out += source(pair.key) + ":"
                let childContext = PromptFormatter.valueContext(context, key: pair.key.scalar?.value ?? "")
                writeValue(pair.value, indent: indent, context: childContext, attachment: attachment, isItem: false)
            }
        case .sequence(let items):
            let itemContext = PromptFormatter.itemContext(context)
            for item in items {
                var attachment = attachments[ObjectIdentifier(item)] ?? Attachment()
                if isBlock(item), properties(item).isEmpty {
                    // The item's first entry shares the `- ` line, so comments that belong above that
                    // entry, or after a bare `-`, are written above the dash. Reading the output back
                    // attaches them to the item, which keeps formatting idempotent.
                    attachment.leading += attachment.trailing + hoistedComments(item, context: itemContext)
                    attachment.trailing = []
                }
                startEntry(&self, attachment)
                out += "-"
                writeValue(item, indent: indent, context: itemContext, attachment: attachment, isItem: true)
            }
        default:
            out += inlineText(node, context: context) + "\n"
        }
    }

    /// Writes what follows `key:` or `-` on the current line and any lines below it.
    mutating func writeValue(_ value: YAMLNode, indent: Int, context: PromptFormatter.Context, attachment: Attachment?, isItem: Bool) {
        let trailing = trailingText(attachment)
        let childIndent = indent + 2
        endsInKeptBlock = false
        if isBlock(value) {
            let props = properties(value)
            if isItem, props.isEmpty {
                out += " "
                writeBlock(value, indent: childIndent, context: context, dashLine: true)
                return
            }
            out += (props.isEmpty ? "" : " " + props) + trailing + "\n"
            writeBlock(value, indent: childIndent, context: context, dashLine: false)
            return
        }
        if value.scalar != nil {
            switch scalarLayout(value, flow: false) {
            case .inline(let text):
                out += (text.isEmpty ? "" : " " + text) + trailing + "\n"
            case .block(let header, let lines):
                out += " " + header + trailing + "\n"
                let pad = String(repeating: " ", count: childIndent)
                for line in lines { out += (line.isEmpty ? "" : pad + line) + "\n" }
                endsInKeptBlock = header.hasSuffix("+")
            }
            return
        }
        out += " " + inlineText(value, context: context) + trailing + "\n"
    }

    /// Comments above the entry written first in a block collection (and, for a list, above its
    /// own first entry, and so on): they move above the `- ` line that entry shares.
    func hoistedComments(_ node: YAMLNode, context: PromptFormatter.Context) -> [String] {
        switch node.kind {
        case .mapping(let pairs):
            guard let first = PromptFormatter.ordered(pairs, context: context).first else { return [] }
            return attachments[ObjectIdentifier(first.key)]?.leading ?? []
        case .sequence(let items):
            guard let first = items.first else { return [] }
            let own = attachments[ObjectIdentifier(first)]
            var comments = (own?.leading ?? [])
            if isBlock(first), properties(first).isEmpty {
                comments += (own?.trailing ?? []) + hoistedComments(first, context: PromptFormatter.itemContext(context))
            }
            return comments
        default:
            return []
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" || s.last == "\r" { s = s.dropLast() }
        return String(s)
    }
}
