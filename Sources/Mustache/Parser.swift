import CoreSupport

/// Parses Mustache source into a `Template`.
///
/// The standalone-line and indentation rules follow the official spec, including the
/// `~inheritance` extension's block reindentation. The parser is iterative (an explicit frame
/// stack), so hostile input such as 100,000 unclosed sections costs memory proportional to the
/// nesting cap, never stack depth.
enum Parser {
    static let maximumNesting = 256
    static let maximumErrors = 100

    private enum FrameKind {
        case root
        case section(name: Name, inverted: Bool, openTag: TextRange)
        case blockExpansion(name: Name, openTag: TextRange, indentation: String)
        case blockDefinition(name: Name, openTag: TextRange)
        case parent(name: Name, dynamic: Bool, tag: TextRange, indentation: String)

        var sectionName: Name? {
            switch self {
            case .root: nil
            case .section(let n, _, _), .blockExpansion(let n, _, _), .blockDefinition(let n, _), .parent(let n, _, _, _): n
            }
        }

        var openTag: TextRange? {
            switch self {
            case .root: nil
            case .section(_, _, let t), .blockExpansion(_, let t, _), .blockDefinition(_, let t), .parent(_, _, let t, _): t
            }
        }
    }

    private struct Frame {
        var kind: FrameKind
        var nodes: [Node] = []
        /// Inside a parent's body (at any depth): block definitions strip their own indentation.
        var inPartialDefinition = false
        /// Directly inside a parent's body, where `{{$x}}` defines an override.
        var isPartialDefinitionTopLevel = false
        /// The indentation of a block definition's first line, removed from each of its lines.
        var definitionIndent: Int?
        /// Whether the opening tag stood alone on its line.
        var openStandalone = false
        /// Indentation of the frame's first content line (a standalone block's expansion indent).
        var firstLineIndent: String?
    }

    private struct State {
        let src: [UInt8]
        var i = 0
        var open: [UInt8] = Array("{{".utf8)
        var close: [UInt8] = Array("}}".utf8)
        var frames: [Frame] = [Frame(kind: .root)]
        var errors: [TemplateError] = []
        /// True while only whitespace has been read since the start of the current line.
        var newLine = true
        /// Leading whitespace of the current line not yet emitted (a range into `src`).
        var pendingWhitespace = TextRange.empty(at: 0)
        /// Sections opened beyond the nesting cap are not pushed; their closes are ignored.
        var ignoredOpenCount = 0

        init(_ src: [UInt8]) { self.src = src }

        mutating func error(_ kind: TemplateError.Kind, _ message: String, _ range: TextRange,
                            related: TextRange? = nil, name: String? = nil) {
            if errors.count < Parser.maximumErrors {
                errors.append(TemplateError(kind: kind, message: message, range: range, relatedRange: related, name: name))
            } else if errors.count == Parser.maximumErrors {
                errors.append(TemplateError(kind: .tooManyErrors, message: "too many template errors; the rest are not shown",
                                            range: range, relatedRange: nil, name: nil))
            }
        }

        mutating func append(_ node: Node) {
            frames[frames.count - 1].nodes.append(node)
        }

        mutating func emitPendingWhitespace() {
            if !pendingWhitespace.isEmpty { append(.text(pendingWhitespace)) }
            pendingWhitespace = .empty(at: pendingWhitespace.end)
        }

        func matches(_ needle: [UInt8], at offset: Int) -> Bool {
            guard offset + needle.count <= src.count, !needle.isEmpty else { return false }
            for k in 0..<needle.count where src[offset + k] != needle[k] { return false }
            return true
        }

        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

        /// Length of the newline at `offset` (1 for LF, 2 for CRLF), or 0.
        func newlineLength(at offset: Int) -> Int {
            guard offset < src.count else { return 0 }
            if src[offset] == 0x0A { return 1 }
            if src[offset] == 0x0D, offset + 1 < src.count, src[offset + 1] == 0x0A { return 2 }
            return 0
        }

        /// If the rest of the line after the current tag is blank, consume it and its newline.
        mutating func consumeIfStandalone() -> Bool {
            guard newLine else { return false }
            var j = i
            while j < src.count, isBlank(src[j]) { j += 1 }
            if j == src.count { i = j; return true }
            let nl = newlineLength(at: j)
            guard nl > 0 else { return false }
            i = j + nl
            return true
        }
    }

    static func parse(_ src: [UInt8]) -> Template {
        var s = State(src)
        while s.i < src.count {
            if s.newLine { readLineIndentation(&s) }
            let textStart = s.pendingWhitespace.isEmpty ? s.i : s.pendingWhitespace.start
            let contentStart = s.i
            // Read text up to the next tag opener or newline.
            var foundTag = false
            var endedLine = false
            while s.i < src.count {
                if s.matches(s.open, at: s.i) { foundTag = true; break }
                let nl = s.newlineLength(at: s.i)
                if nl > 0 {
                    s.i += nl
                    s.append(.text(TextRange(start: textStart, end: s.i)))
                    s.pendingWhitespace = .empty(at: s.i)
                    s.newLine = true
                    endedLine = true
                    break
                }
                s.i += 1
            }
            if !foundTag {
                if !endedLine {
                    // End of input: whatever remains on the last line is literal text.
                    if s.i > textStart { s.append(.text(TextRange(start: textStart, end: s.i))) }
                    s.pendingWhitespace = .empty(at: s.i)
                }
                continue
            }
            if s.i > contentStart {
                s.append(.text(TextRange(start: textStart, end: s.i)))
                s.pendingWhitespace = .empty(at: s.i)
                s.newLine = false
            }
            parseTag(&s)
        }
        // Close everything left open: the tree keeps what was typed, with an error per section.
        s.emitPendingWhitespace()
        while s.frames.count > 1 {
            let frame = s.frames.removeLast()
            if let name = frame.kind.sectionName, let open = frame.kind.openTag {
                let what = describe(frame.kind)
                s.error(.unclosedSection, "\(what) `\(name.text)` is never closed (expected `{{/\(name.text)}}`)",
                        open, name: name.text)
            }
            s.append(finish(frame, closeTag: nil, contentEnd: src.count))
        }
        return Template(source: src, nodes: s.frames[0].nodes, errors: s.errors)
    }

    private static func describe(_ kind: FrameKind) -> String {
        switch kind {
        case .root: "template"
        case .section(_, let inverted, _): inverted ? "inverted section" : "section"
        case .blockExpansion, .blockDefinition: "block"
        case .parent: "parent"
        }
    }

    private static func readLineIndentation(_ s: inout State) {
        let start = s.i
        while s.i < s.src.count, s.isBlank(s.src[s.i]) { s.i += 1 }
        var wsStart = start
        var frame = s.frames[s.frames.count - 1]
        if frame.inPartialDefinition, !frame.isPartialDefinitionTopLevel {
            if frame.definitionIndent == nil {
                frame.definitionIndent = s.i - start
                s.frames[s.frames.count - 1] = frame
            }
            wsStart = min(s.i, start + (frame.definitionIndent ?? 0))
        }
        s.pendingWhitespace = TextRange(start: wsStart, end: s.i)
        if frame.firstLineIndent == nil {
            s.frames[s.frames.count - 1].firstLineIndent = String(decoding: s.src[wsStart..<s.i], as: UTF8.self)
        }
    }

    private static func parseTag(_ s: inout State) {
        let tagStart = s.i
        s.i += s.open.count
        guard s.i < s.src.count else {
            s.error(.unclosedTag, "tag is never closed (expected `\(String(decoding: s.close, as: UTF8.self))`)",
                    TextRange(start: tagStart, end: s.i))
            s.emitPendingWhitespace()
            s.append(.text(TextRange(start: tagStart, end: s.i)))
            s.newLine = false
            return
        }
        let sigil = s.src[s.i]
        switch sigil {
        case UInt8(ascii: "{"):
            s.i += 1
            guard let (name, _) = readName(&s, tagStart: tagStart, extraClose: UInt8(ascii: "}")) else { return recoverUnclosed(&s, tagStart) }
            s.emitPendingWhitespace()
            s.append(.variable(Variable(name: name, escaped: false, range: TextRange(start: tagStart, end: s.i))))
            s.newLine = false
        case UInt8(ascii: "&"):
            s.i += 1
            guard let (name, _) = readName(&s, tagStart: tagStart) else { return recoverUnclosed(&s, tagStart) }
            s.emitPendingWhitespace()
            s.append(.variable(Variable(name: name, escaped: false, range: TextRange(start: tagStart, end: s.i))))
            s.newLine = false
        case UInt8(ascii: "#"), UInt8(ascii: "^"):
            s.i += 1
            guard let (name, tagEnd) = readName(&s, tagStart: tagStart) else { return recoverUnclosed(&s, tagStart) }
            let openTag = TextRange(start: tagStart, end: tagEnd)
            openFrame(&s, .section(name: name, inverted: sigil == UInt8(ascii: "^"), openTag: openTag), tag: openTag, ws: .drop)
        case UInt8(ascii: "$"):
            s.i += 1
            guard let (name, tagEnd) = readName(&s, tagStart: tagStart) else { return recoverUnclosed(&s, tagStart) }
            let openTag = TextRange(start: tagStart, end: tagEnd)
            if s.frames[s.frames.count - 1].isPartialDefinitionTopLevel {
                openFrame(&s, .blockDefinition(name: name, openTag: openTag), tag: openTag, ws: .drop)
            } else {
                let indentation = String(decoding: s.src[s.pendingWhitespace.start..<s.pendingWhitespace.end], as: UTF8.self)
                openFrame(&s, .blockExpansion(name: name, openTag: openTag, indentation: indentation), tag: openTag, ws: .emitAlways)
            }
        case UInt8(ascii: "<"):
            s.i += 1
            skipBlanks(&s)
            let dynamic = s.i < s.src.count && s.src[s.i] == UInt8(ascii: "*")
            if dynamic { s.i += 1 }
            guard let (name, tagEnd) = readName(&s, tagStart: tagStart) else { return recoverUnclosed(&s, tagStart) }
            let tag = TextRange(start: tagStart, end: tagEnd)
            let indentation = String(decoding: s.src[s.pendingWhitespace.start..<s.pendingWhitespace.end], as: UTF8.self)
            openFrame(&s, .parent(name: name, dynamic: dynamic, tag: tag, indentation: indentation), tag: tag, ws: .emitAlways)
        case UInt8(ascii: "/"):
            s.i += 1
            guard let (name, tagEnd) = readName(&s, tagStart: tagStart) else { return recoverUnclosed(&s, tagStart) }
            closeFrame(&s, name: name, closeTag: TextRange(start: tagStart, end: tagEnd))
        case UInt8(ascii: "!"):
            // Comments may contain anything, including newlines, up to the close delimiter.
            guard let end = find(s.close, in: s.src, from: s.i) else { return recoverUnclosed(&s, tagStart) }
            s.i = end + s.close.count
            let range = TextRange(start: tagStart, end: s.i)
            finishInvisibleTag(&s)
            s.append(.comment(range))
        case UInt8(ascii: ">"):
            s.i += 1
            skipBlanks(&s)
            let dynamic = s.i < s.src.count && s.src[s.i] == UInt8(ascii: "*")
            if dynamic { s.i += 1 }
            guard let (name, tagEnd) = readName(&s, tagStart: tagStart) else { return recoverUnclosed(&s, tagStart) }
            let indentation = String(decoding: s.src[s.pendingWhitespace.start..<s.pendingWhitespace.end], as: UTF8.self)
            s.emitPendingWhitespace()
            let standalone = s.consumeIfStandalone()
            s.append(.partial(Partial(name: name, dynamic: dynamic, tag: TextRange(start: tagStart, end: tagEnd),
                                      indentation: standalone ? indentation : nil, overrides: nil, closeTag: nil, children: [])))
            s.newLine = standalone
        case UInt8(ascii: "="):
            parseSetDelimiters(&s, tagStart: tagStart)
        default:
            guard let (name, _) = readName(&s, tagStart: tagStart) else { return recoverUnclosed(&s, tagStart) }
            s.emitPendingWhitespace()
            s.append(.variable(Variable(name: name, escaped: true, range: TextRange(start: tagStart, end: s.i))))
            s.newLine = false
        }
    }

    private enum WhitespacePolicy { case drop, emitAlways }

    private static func openFrame(_ s: inout State, _ kind: FrameKind, tag: TextRange, ws: WhitespacePolicy) {
        var standalone: Bool
        if case .blockExpansion = kind {
            // A standalone block re-indents its expansion itself, so its indentation is not text.
            standalone = s.consumeIfStandalone()
            if !standalone { s.emitPendingWhitespace() }
        } else {
            if ws == .emitAlways { s.emitPendingWhitespace() }
            standalone = s.consumeIfStandalone()
            if !standalone { s.emitPendingWhitespace() }
        }
        s.pendingWhitespace = .empty(at: s.i)
        guard s.frames.count <= maximumNesting else {
            if s.ignoredOpenCount == 0 {
                s.error(.nestingTooDeep, "sections are nested more than \(maximumNesting) levels deep; deeper tags are ignored", tag)
            }
            s.ignoredOpenCount += 1
            s.newLine = standalone
            return
        }
        let current = s.frames[s.frames.count - 1]
        var frame = Frame(kind: kind)
        frame.openStandalone = standalone
        frame.firstLineIndent = standalone ? nil : ""
        frame.inPartialDefinition = current.inPartialDefinition
        frame.definitionIndent = current.definitionIndent
        switch kind {
        case .parent:
            frame.inPartialDefinition = true
            frame.isPartialDefinitionTopLevel = true
            frame.definitionIndent = nil
            // A parent's opening and closing tags need not be on separate lines to be standalone.
            s.newLine = true
        case .blockDefinition:
            frame.definitionIndent = nil
            s.newLine = standalone
        default:
            s.newLine = standalone
        }
        s.frames.append(frame)
    }

    private static func closeFrame(_ s: inout State, name: Name, closeTag: TextRange) {
        if s.ignoredOpenCount > 0 {
            s.ignoredOpenCount -= 1
            s.newLine = s.consumeIfStandalone()
            return
        }
        // Find the frame this tag closes: normally the innermost; if an outer one matches, the
        // frames in between were left open.
        var target: Int?
        var k = s.frames.count - 1
        while k >= 1 {
            if s.frames[k].kind.sectionName?.text == name.text { target = k; break }
            k -= 1
        }
        guard let target else {
            if let open = s.frames.last?.kind, let openName = open.sectionName {
                s.error(.mismatchedClose, "`{{/\(name.text)}}` does not match the open section `\(openName.text)`",
                        closeTag, related: open.openTag, name: name.text)
            } else {
                s.error(.unexpectedClose, "`{{/\(name.text)}}` closes a section that was never opened", closeTag, name: name.text)
            }
            s.emitPendingWhitespace()
            s.newLine = false
            return
        }
        let standalone = s.consumeIfStandalone()
        if !standalone { s.emitPendingWhitespace() }
        s.pendingWhitespace = .empty(at: s.i)
        while s.frames.count - 1 > target {
            let inner = s.frames.removeLast()
            if let innerName = inner.kind.sectionName, let open = inner.kind.openTag {
                s.error(.unclosedSection, "`\(innerName.text)` is never closed before `{{/\(name.text)}}`",
                        open, related: closeTag, name: innerName.text)
            }
            s.append(finish(inner, closeTag: nil, contentEnd: closeTag.start))
        }
        let frame = s.frames.removeLast()
        s.append(finish(frame, closeTag: closeTag, contentEnd: closeTag.start))
        switch frame.kind {
        case .parent, .blockDefinition, .blockExpansion:
            // Parent and block tags count as standalone together even when they share a line.
            s.newLine = standalone || frame.openStandalone
        default:
            s.newLine = standalone
        }
    }

    private static func finish(_ frame: Frame, closeTag: TextRange?, contentEnd: Int) -> Node {
        switch frame.kind {
        case .root:
            return .text(.empty(at: contentEnd))
        case .section(let name, let inverted, let openTag):
            return .section(Section(name: name, inverted: inverted, openTag: openTag, closeTag: closeTag,
                                    children: frame.nodes, contentEnd: contentEnd))
        case .blockExpansion(let name, let openTag, let indentation):
            // A standalone block's indentation is intrinsic to its default content when it has some.
            let indent = frame.openStandalone && !frame.nodes.isEmpty ? (frame.firstLineIndent ?? indentation) : indentation
            return .block(Block(name: name, openTag: openTag, closeTag: closeTag, children: frame.nodes,
                                contentEnd: contentEnd, indentation: indent, standalone: frame.openStandalone))
        case .blockDefinition(let name, let openTag):
            return .block(Block(name: name, openTag: openTag, closeTag: closeTag, children: frame.nodes,
                                contentEnd: contentEnd, indentation: "", standalone: frame.openStandalone))
        case .parent(let name, let dynamic, let tag, let indentation):
            var overrides: [Block] = []
            for node in frame.nodes { if case .block(let b) = node { overrides.append(b) } }
            return .partial(Partial(name: name, dynamic: dynamic, tag: tag, indentation: indentation,
                                    overrides: overrides, closeTag: closeTag, children: frame.nodes))
        }
    }

    /// A comment or delimiter change: renders nothing and may stand alone on its line.
    private static func finishInvisibleTag(_ s: inout State) {
        let standalone = s.consumeIfStandalone()
        if !standalone { s.emitPendingWhitespace() }
        s.pendingWhitespace = .empty(at: s.i)
        s.newLine = standalone
    }

    private static func skipBlanks(_ s: inout State) {
        while s.i < s.src.count, s.isWhitespace(s.src[s.i]) { s.i += 1 }
    }

    /// Reads `  name  }}` (or `  name  }}}` with `extraClose`). Returns the name and the tag end,
    /// or nil when the close delimiter is missing (the caller recovers).
    private static func readName(_ s: inout State, tagStart: Int, extraClose: UInt8? = nil) -> (Name, Int)? {
        skipBlanks(&s)
        let nameStart = s.i
        var closeSeq = s.close
        if let extraClose { closeSeq = [extraClose] + s.close }
        // Find the closing delimiter on the remaining input; a tag may not contain the opener again.
        guard let closeAt = find(closeSeq, in: s.src, from: s.i, stopAt: s.open) else { return nil }
        var nameEnd = closeAt
        while nameEnd > nameStart, s.isWhitespace(s.src[nameEnd - 1]) { nameEnd -= 1 }
        let range = TextRange(start: nameStart, end: nameEnd)
        let text = String(decoding: s.src[nameStart..<nameEnd], as: UTF8.self)
        s.i = closeAt + closeSeq.count
        let tag = TextRange(start: tagStart, end: s.i)
        if text.isEmpty {
            s.error(.emptyTag, "empty tag: a name is expected between the delimiters", tag)
        } else if s.src[nameStart..<nameEnd].contains(where: { s.isWhitespace($0) }) {
            s.error(.invalidName, "`\(text)` is not a valid name: names cannot contain whitespace", range)
        } else if nameEnd - nameStart > 1, Self.hasEmptyDottedPart(s.src[nameStart..<nameEnd]) {
            s.error(.invalidName, "`\(text)` is not a valid dotted name", range)
        }
        return (Name(text: text, range: range), s.i)
    }

    /// `.x`, `x.` and `x..y` are not valid dotted names (a lone `.` is the implicit iterator).
    private static func hasEmptyDottedPart(_ name: ArraySlice<UInt8>) -> Bool {
        let dot = UInt8(ascii: ".")
        guard name.contains(dot) else { return false }
        if name.first == dot || name.last == dot { return true }
        var previous: UInt8 = 0
        for b in name {
            if b == dot, previous == dot { return true }
            previous = b
        }
        return false
    }

    private static func recoverUnclosed(_ s: inout State, _ tagStart: Int) {
        // Treat the opener as text up to the end of its line, so the rest of the template still parses.
        var end = tagStart + s.open.count
        while end < s.src.count, s.newlineLength(at: end) == 0, !s.matches(s.open, at: end) { end += 1 }
        s.error(.unclosedTag, "tag is never closed (expected `\(String(decoding: s.close, as: UTF8.self))`)",
                TextRange(start: tagStart, end: end))
        s.emitPendingWhitespace()
        s.append(.text(TextRange(start: tagStart, end: end)))
        s.i = end
        s.newLine = false
    }

    private static func parseSetDelimiters(_ s: inout State, tagStart: Int) {
        // {{=<% %>=}}: the tag ends at "=" followed by the current close delimiter.
        s.i += 1
        guard let endAt = find([UInt8(ascii: "=")] + s.close, in: s.src, from: s.i) else { return recoverUnclosed(&s, tagStart) }
        let inner = Array(s.src[s.i..<endAt])
        let parts = inner.split(whereSeparator: { s.isWhitespace($0) })
        s.i = endAt + 1 + s.close.count
        let range = TextRange(start: tagStart, end: s.i)
        if parts.count == 2, !parts[0].contains(UInt8(ascii: "=")), !parts[1].contains(UInt8(ascii: "=")) {
            s.open = Array(parts[0])
            s.close = Array(parts[1])
        } else {
            s.error(.invalidDelimiters, "invalid delimiter change: expected `{{=OPEN CLOSE=}}` with two delimiters without `=`", range)
        }
        finishInvisibleTag(&s)
        s.append(.setDelimiters(range))
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int, stopAt: [UInt8]? = nil) -> Int? {
        guard !needle.isEmpty, needle.count <= hay.count else { return nil }
        var k = from
        let first = needle[0]
        while k + needle.count <= hay.count {
            if hay[k] == first {
                var ok = true
                for t in 1..<needle.count where hay[k + t] != needle[t] { ok = false; break }
                if ok { return k }
            }
            if let stopAt, !stopAt.isEmpty, hay[k] == stopAt[0], k > from {
                var stop = k + stopAt.count <= hay.count
                if stop { for t in 0..<stopAt.count where hay[k + t] != stopAt[t] { stop = false; break } }
                if stop { return nil }
            }
            k += 1
        }
        return nil
    }
}
