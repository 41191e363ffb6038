import CYAML
import CoreSupport

/// Builds a `YAMLDocument` from libyaml's event stream.
///
/// libyaml marks count Unicode code points (a CRLF counts 2, a leading BOM counts 0), so every mark
/// is converted to a UTF-8 byte offset here, once, by a cursor that walks the bytes. libyaml stops at
/// its first error; the containers open at that point are closed with what they hold, so everything
/// before the error stays usable.
public enum YAMLParser {
    public static let maximumDepth = 200

    public static func parse(_ bytes: [UInt8]) -> YAMLDocument {
        var builder = TreeBuilder(bytes: bytes)
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) != 0 else {
            return YAMLDocument(bytes: bytes, root: nil,
                                problems: [YAMLProblem(kind: .syntax, message: "could not initialise the YAML parser", range: .empty(at: 0))],
                                anchors: [:])
        }
        defer { yaml_parser_delete(parser) }
        bytes.withUnsafeBufferPointer { buffer in
            // libyaml reads the buffer lazily during parsing, so all events are consumed inside this closure.
            let base = buffer.baseAddress ?? UnsafePointer<UInt8>(bitPattern: 1)
            guard let base else { return }
            yaml_parser_set_input_string(parser, base, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(parser, &event) != 0 else {
                    builder.fail(with: parser.pointee)
                    break
                }
                let keepGoing = builder.handle(&event)
                let done = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                if done || !keepGoing { break }
            }
        }
        return builder.finish()
    }
}

/// Converts libyaml's code-point indexes to byte offsets by walking forward (or back) from the
/// last conversion. Events arrive in source order, so the total walk is linear in the file size.
struct MarkConverter {
    let bytes: [UInt8]
    let bomLength: Int
    var codepoint = 0
    var offset: Int

    init(bytes: [UInt8]) {
        self.bytes = bytes
        bomLength = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        offset = bomLength
    }

    mutating func byteOffset(ofCodepoint target: Int) -> Int {
        while codepoint < target, offset < bytes.count {
            offset += 1
            while offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
            codepoint += 1
        }
        while codepoint > target, offset > bomLength {
            offset -= 1
            while offset > bomLength, bytes[offset] & 0xC0 == 0x80 { offset -= 1 }
            codepoint -= 1
        }
        return offset
    }
}

struct TreeBuilder {
    /// An open sequence or mapping; items are appended in place (no copy per append).
    struct Container {
        let isMapping: Bool
        let start: Int
        var items: [YAMLNode] = []
        let tag: String?
        let anchor: String?
        let flow: Bool
    }

    let bytes: [UInt8]
    var marks: MarkConverter
    var stack: [Container] = []
    var root: YAMLNode?
    var problems: [YAMLProblem] = []
    var anchors: [String: YAMLNode] = [:]
    var documents = 0
    var lastEnd = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
        marks = MarkConverter(bytes: bytes)
    }

    static func string(_ p: UnsafeMutablePointer<yaml_char_t>?, length: Int? = nil) -> String? {
        guard let p else { return nil }
        if let length {
            return String(decoding: UnsafeBufferPointer(start: p, count: length), as: UTF8.self)
        }
        return String(cString: UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
    }

    /// Returns false to stop reading (a limit was hit).
    mutating func handle(_ event: inout yaml_event_t) -> Bool {
        let start = marks.byteOffset(ofCodepoint: Int(event.start_mark.index))
        let end = marks.byteOffset(ofCodepoint: Int(event.end_mark.index))
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                problems.append(YAMLProblem(kind: .multipleDocuments,
                                            message: "a prompt file holds one YAML document; the content after `---` is ignored",
                                            range: TextRange(start: start, end: max(end, start + 3))))
                return false
            }
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let style: ScalarStyle = switch s.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: .literal
            case YAML_FOLDED_SCALAR_STYLE: .folded
            default: .plain
            }
            let tag = Self.string(s.tag)
            let scalar = YAMLScalar(value: Self.string(s.value, length: Int(s.length)) ?? "", style: style, tag: tag)
            add(YAMLNode(kind: .scalar(scalar), range: TextRange(start: start, end: end), tag: tag,
                         anchor: Self.string(s.anchor), isFlow: false))
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            add(YAMLNode(kind: .alias(name), range: TextRange(start: start, end: end), tag: nil, anchor: nil, isFlow: false))
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            if stack.count >= YAMLParser.maximumDepth {
                problems.append(YAMLProblem(kind: .nestingTooDeep,
                                            message: "YAML nested more than \(YAMLParser.maximumDepth) levels deep; the rest of the file is not read",
                                            range: TextRange(start: start, end: end)))
                return false
            }
            if event.type == YAML_SEQUENCE_START_EVENT {
                let d = event.data.sequence_start
                stack.append(Container(isMapping: false, start: start, tag: Self.string(d.tag), anchor: Self.string(d.anchor),
                                       flow: d.style == YAML_FLOW_SEQUENCE_STYLE))
            } else {
                let d = event.data.mapping_start
                stack.append(Container(isMapping: true, start: start, tag: Self.string(d.tag), anchor: Self.string(d.anchor),
                                       flow: d.style == YAML_FLOW_MAPPING_STYLE))
            }
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            closeContainer(end: end)
        default:
            break
        }
        return true
    }

    mutating func add(_ node: YAMLNode) {
        lastEnd = max(lastEnd, node.range.end)
        if let anchor = node.anchor { anchors[anchor] = node }
        guard !stack.isEmpty else {
            if root == nil { root = node }
            return
        }
        stack[stack.count - 1].items.append(node)
    }

    mutating func closeContainer(end: Int) {
        guard let top = stack.popLast() else { return }
        let e = max(end, top.items.last?.range.end ?? top.start)
        let node: YAMLNode
        if top.isMapping {
            var pairs: [YAMLPair] = []
            pairs.reserveCapacity(top.items.count / 2)
            var k = 0
            while k + 1 < top.items.count {
                pairs.append(YAMLPair(key: top.items[k], value: top.items[k + 1]))
                k += 2
            }
            node = YAMLNode(kind: .mapping(pairs), range: TextRange(start: top.start, end: e), tag: top.tag, anchor: top.anchor, isFlow: top.flow)
        } else {
            node = YAMLNode(kind: .sequence(top.items), range: TextRange(start: top.start, end: e), tag: top.tag, anchor: top.anchor, isFlow: top.flow)
        }
        add(node)
    }

    mutating func fail(with parser: yaml_parser_t) {
        let problem = Self.string(UnsafeMutablePointer(mutating: parser.problem.map { UnsafeRawPointer($0).assumingMemoryBound(to: yaml_char_t.self) })) ?? "invalid YAML"
        let context = Self.string(UnsafeMutablePointer(mutating: parser.context.map { UnsafeRawPointer($0).assumingMemoryBound(to: yaml_char_t.self) }))
        if parser.error == YAML_READER_ERROR {
            // Reader errors (bad encoding, control characters) carry a byte offset, not a mark.
            let offset = min(Int(parser.problem_offset), bytes.count)
            var message = problem
            if parser.problem_value != -1 {
                let hex = String(parser.problem_value, radix: 16, uppercase: true)
                message += " (0x\(hex.count % 2 == 1 ? "0" + hex : hex))"
            }
            problems.append(YAMLProblem(kind: .encoding, message: message,
                                        range: TextRange(start: offset, end: min(offset + 1, bytes.count))))
        } else {
            let at = marks.byteOffset(ofCodepoint: Int(parser.problem_mark.index))
            var message = problem
            if let context { message = "\(problem) (\(context))" }
            problems.append(YAMLProblem(kind: .syntax, message: message,
                                        range: TextRange(start: at, end: min(at + 1, bytes.count))))
        }
    }

    mutating func finish() -> YAMLDocument {
        // Close whatever libyaml left open so the partial tree is usable.
        while !stack.isEmpty { closeContainer(end: lastEnd) }
        return YAMLDocument(bytes: bytes, root: root, problems: problems, anchors: anchors)
    }
}
