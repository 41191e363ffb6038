import CoreSupport

/// How interpolated values are escaped.
public enum Escaping: String, Sendable, CaseIterable {
    /// Prompt files are not HTML: `{{var}}` inserts the value verbatim (the default for prompts).
    case none
    /// Spec mode: `{{var}}` escapes `& < > "`; `{{{var}}}` and `{{&var}}` do not.
    case html

    /// `text` as `{{var}}` inserts it under this escaping (with `.html`, safe in HTML content and
    /// double-quoted attributes).
    public func apply(_ text: String) -> String {
        self == .html ? Renderer.escapeHTML(text) : text
    }
}

/// Supplies partials by name. Prompt files resolve names to other prompt files in the workspace;
/// the spec suite and `render --template-file` use a dictionary.
public protocol PartialResolver: Sendable {
    func template(named name: String) -> Template?
}

public struct DictionaryPartials: PartialResolver {
    public let templates: [String: Template]
    public init(_ sources: [String: String]) {
        templates = sources.mapValues { Template($0) }
    }
    public init(templates: [String: Template]) { self.templates = templates }
    public func template(named name: String) -> Template? { templates[name] }
}

public struct RenderOptions: Sendable {
    public var escaping: Escaping
    /// Partials nested deeper than this stop expanding (a partial cycle with data that never ends).
    public var maximumPartialDepth: Int
    /// Total work (nodes visited) before rendering stops: recursive partials can explode exponentially.
    public var maximumSteps: Int
    public var maximumOutputBytes: Int

    public init(escaping: Escaping = .none, maximumPartialDepth: Int = 64,
                maximumSteps: Int = 5_000_000, maximumOutputBytes: Int = 64 << 20) {
        self.escaping = escaping
        self.maximumPartialDepth = maximumPartialDepth
        self.maximumSteps = maximumSteps
        self.maximumOutputBytes = maximumOutputBytes
    }
}

public struct RenderResult: Sendable {
    public let text: String
    /// Why rendering stopped early, if it did. The text is what was produced up to that point.
    public let limitReached: String?
}

extension Template {
    public func render(_ data: Value, partials: any PartialResolver = DictionaryPartials([:]),
                       options: RenderOptions = RenderOptions()) -> RenderResult {
        var r = Renderer(partials: partials, options: options)
        r.render(nodes, source: source, stack: [data], indentation: "", inherited: [:], depth: 0)
        return RenderResult(text: String(decoding: r.out, as: UTF8.self), limitReached: r.stopReason)
    }
}

/// Renders nodes into one byte buffer. Indentation of standalone partials and blocks is applied
/// whenever a non-empty chunk starts at the beginning of an output line; interpolated values are
/// single chunks, so their inner lines are not indented (as the spec requires).
struct Renderer {
    struct Override {
        let source: [UInt8]
        let block: Block
    }

    let partials: any PartialResolver
    let options: RenderOptions
    var out: [UInt8] = []
    var steps = 0
    var stopReason: String?

    init(partials: any PartialResolver, options: RenderOptions) {
        self.partials = partials
        self.options = options
    }

    mutating func emit<C: Collection<UInt8>>(_ chunk: C, indentation: String) {
        guard !chunk.isEmpty, stopReason == nil else { return }
        if !indentation.isEmpty, out.isEmpty || out.last == 0x0A { out.append(contentsOf: indentation.utf8) }
        out.append(contentsOf: chunk)
        if out.count > options.maximumOutputBytes {
            stopReason = "rendered output exceeds \(options.maximumOutputBytes) bytes"
        }
    }

    mutating func render(_ nodes: [Node], source: [UInt8], stack: [Value], indentation: String,
                         inherited: [String: Override], depth: Int) {
        for node in nodes {
            steps += 1
            if steps > options.maximumSteps, stopReason == nil {
                stopReason = "rendering took more than \(options.maximumSteps) steps (recursive partials?)"
            }
            if stopReason != nil { return }
            switch node {
            case .text(let r):
                emit(source[r.start..<r.end], indentation: indentation)
            case .comment, .setDelimiters:
                break
            case .variable(let v):
                let value = Renderer.lookup(v.name, in: stack)
                let text = value?.interpolationText ?? ""
                if v.escaped, options.escaping == .html {
                    emit(Array(Renderer.escapeHTML(text).utf8), indentation: indentation)
                } else {
                    emit(Array(text.utf8), indentation: indentation)
                }
            case .section(let s):
                let value = Renderer.lookup(s.name, in: stack) ?? .null
                if s.inverted {
                    if !value.isTruthy {
                        render(s.children, source: source, stack: stack, indentation: indentation, inherited: inherited, depth: depth)
                    }
                } else if case .array(let items) = value {
                    for item in items {
                        render(s.children, source: source, stack: stack + [item], indentation: indentation,
                               inherited: inherited, depth: depth)
                    }
                } else if value.isTruthy {
                    render(s.children, source: source, stack: stack + [value], indentation: indentation,
                           inherited: inherited, depth: depth)
                }
            case .block(let b):
                let inner = indentation + b.indentation
                if let o = inherited[b.name.text] {
                    render(o.block.children, source: o.source, stack: stack, indentation: inner, inherited: inherited, depth: depth)
                } else {
                    render(b.children, source: source, stack: stack, indentation: b.standalone ? indentation : inner,
                           inherited: inherited, depth: depth)
                }
            case .partial(let p):
                var name = p.name.text
                if p.dynamic {
                    guard case .string(let resolved)? = Renderer.lookup(p.name, in: stack) else { continue }
                    name = resolved
                }
                guard let template = partials.template(named: name) else { continue }
                guard depth < options.maximumPartialDepth else {
                    if stopReason == nil {
                        stopReason = "partials nested more than \(options.maximumPartialDepth) levels deep (`\(name)`)"
                    }
                    return
                }
                var merged = inherited
                for block in p.overrides ?? [] where merged[block.name.text] == nil {
                    // The outermost override wins: a caller's block beats a parent's own default.
                    merged[block.name.text] = Override(source: source, block: block)
                }
                render(template.nodes, source: template.source, stack: stack,
                       indentation: indentation + (p.indentation ?? ""), inherited: merged, depth: depth + 1)
            }
        }
    }

    /// Resolves a (dotted) name against the context stack, as the spec defines: the first part is
    /// looked up from the innermost frame outwards; the remaining parts only inside what it found.
    static func lookup(_ name: Name, in stack: [Value]) -> Value? {
        if name.isImplicitIterator { return stack.last }
        let parts = name.parts
        guard let first = parts.first else { return nil }
        var current: Value?
        for frame in stack.reversed() {
            if case .object(let o) = frame, let v = o[String(first)] {
                current = v
                break
            }
        }
        for part in parts.dropFirst() {
            guard case .object(let o)? = current, let v = o[String(part)] else { return nil }
            current = v
        }
        return current
    }

    /// Escapes `&`, `<`, `>` and `"` (Mustache's `{{var}}` escaping), which makes text safe in HTML
    /// content and in double-quoted attribute values.
    static func escapeHTML(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
