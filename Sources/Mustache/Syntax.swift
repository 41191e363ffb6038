import CoreSupport

/// A parsed Mustache template: a tree of nodes whose ranges are UTF-8 byte offsets into `source`.
///
/// Lossless: every byte of `source` lies inside exactly one node's range or is whitespace trivia
/// removed by the spec's standalone-line rule (`Template.trivia` lists those). Parsing never fails:
/// problems are collected in `errors` and the tree is still complete, so an editor can work on
/// half-typed templates (an unclosed `{{#items}}` still contains everything typed after it).
public struct Template: Sendable {
    public let source: [UInt8]
    public let nodes: [Node]
    public let errors: [TemplateError]

    public init(source: [UInt8], nodes: [Node], errors: [TemplateError]) {
        self.source = source
        self.nodes = nodes
        self.errors = errors
    }

    public init(_ text: String) { self = Parser.parse(Array(text.utf8)) }
    public init(bytes: [UInt8]) { self = Parser.parse(bytes) }

    public func text(_ range: TextRange) -> String {
        let lo = max(0, min(range.start, source.count))
        let hi = max(lo, min(range.end, source.count))
        return String(decoding: source[lo..<hi], as: UTF8.self)
    }
}

/// A name as written in a tag: `customer`, `user.name`, or `.` (the current item).
public struct Name: Hashable, Sendable {
    public let text: String
    /// Range of the name itself inside the tag (without delimiters, sigils or padding).
    public let range: TextRange

    /// Dotted components; empty for the implicit iterator. Computed once: lookups use them constantly.
    public let parts: [Substring]

    public init(text: String, range: TextRange) {
        self.text = text
        self.range = range
        if text == "." {
            parts = []
        } else if !text.utf8.contains(UInt8(ascii: ".")) {
            parts = [Substring(text)]
        } else {
            parts = text.split(separator: ".", omittingEmptySubsequences: false)
        }
    }

    public var isImplicitIterator: Bool { text == "." }
}

public indirect enum Node: Sendable {
    /// Literal text. Text nodes never span a line break: each ends at (and includes) a newline or
    /// at a tag, which is what partial indentation needs.
    case text(TextRange)
    case variable(Variable)
    case section(Section)
    case partial(Partial)
    case block(Block)
    case comment(TextRange)
    case setDelimiters(TextRange)

    /// The node's full range: for containers, from the opening tag to the end of the closing tag.
    public var range: TextRange {
        switch self {
        case .text(let r), .comment(let r), .setDelimiters(let r): r
        case .variable(let v): v.range
        case .section(let s): TextRange(start: s.openTag.start, end: s.closeTag?.end ?? s.contentEnd)
        case .partial(let p): TextRange(start: p.tag.start, end: p.closeTag?.end ?? p.tag.end)
        case .block(let b): TextRange(start: b.openTag.start, end: b.closeTag?.end ?? b.contentEnd)
        }
    }
}

public struct Variable: Sendable {
    public let name: Name
    public let escaped: Bool
    /// The whole tag, delimiters included.
    public let range: TextRange
}

public struct Section: Sendable {
    public let name: Name
    public let inverted: Bool
    public let openTag: TextRange
    /// Nil when the section was never closed (an error was recorded).
    public let closeTag: TextRange?
    public let children: [Node]
    /// Where the section's content ends (the close tag's start, or the end of input).
    public let contentEnd: Int
}

/// `{{> name}}`, `{{>*dynamic}}`, or a parent `{{< name}}…{{/name}}` carrying block overrides.
public struct Partial: Sendable {
    public let name: Name
    public let dynamic: Bool
    public let tag: TextRange
    /// The whitespace that precedes a standalone partial; applied to every line it renders.
    public let indentation: String?
    /// Non-nil for a parent tag: the `{{$block}}` overrides given in its body.
    public let overrides: [Block]?
    public let closeTag: TextRange?
    /// Everything inside a parent body, overrides included (text there is ignored when rendering).
    public let children: [Node]

    public var isParent: Bool { overrides != nil }
}

/// `{{$name}}default{{/name}}`: a block that a parent's caller may override.
public struct Block: Sendable {
    public let name: Name
    public let openTag: TextRange
    public let closeTag: TextRange?
    public let children: [Node]
    public let contentEnd: Int
    /// Indentation added to each line of an override at the expansion site: the tag's leading
    /// whitespace, or for a standalone tag the first line's indentation of its default content.
    public let indentation: String
    /// A standalone block's default content already carries its indentation and renders as written.
    public let standalone: Bool
}

public struct TemplateError: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case unclosedTag = "unclosed-tag"
        case emptyTag = "empty-tag"
        case invalidName = "invalid-name"
        case invalidDelimiters = "invalid-delimiters"
        case unclosedSection = "unclosed-section"
        case mismatchedClose = "mismatched-close"
        case unexpectedClose = "unexpected-close"
        case invalidParentContent = "invalid-parent-content"
        case nestingTooDeep = "nesting-too-deep"
        case tooManyErrors = "too-many-errors"
    }

    public let kind: Kind
    public let message: String
    public let range: TextRange
    /// For mismatched closes: the opening tag that was left open.
    public let relatedRange: TextRange?
    /// The section name involved, when there is one.
    public let name: String?
}
