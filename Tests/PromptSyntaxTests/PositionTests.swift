import CoreSupport
import Foundation
import Testing
@testable import PromptSyntax

/// Exact positions: a range inside a scalar's value maps back to exactly the characters in the
/// file, for every scalar style, with CRLF line endings and a multibyte prefix.
struct PositionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let yaml: String
        var testDescription: String { label }
    }

    static let prefixes = ["", "# 👨‍👩‍👧‍👦 é\n"]

    static let cases: [Case] = [
        Case(label: "plain", yaml: "content: Hello {{cusomer}}, welcome\n"),
        Case(label: "plain multi-line", yaml: "content: Hello there\n  dear {{cusomer}}\n\n  again\n"),
        Case(label: "single-quoted", yaml: "content: 'It''s {{cusomer}} here'\n"),
        Case(label: "single-quoted folded", yaml: "content: 'It''s\n   a {{cusomer}}   \n  here'\n"),
        Case(label: "double-quoted escapes", yaml: "content: \"Caf\\u00e9 \\\"q\\\" \\t {{cusomer}}\\n\"\n"),
        Case(label: "double-quoted escaped break", yaml: "content: \"one \\\n   two {{cusomer}} \\x41\"\n"),
        Case(label: "literal", yaml: "content: |\n  Line one\n\n  é {{cusomer}} two\n    indented\n"),
        Case(label: "literal strip", yaml: "content: |-\n  A\n  {{cusomer}}\n\n"),
        Case(label: "literal keep", yaml: "content: |+\n  A\n  {{cusomer}}\n\n"),
        Case(label: "literal explicit indent", yaml: "content: |2\n    lead\n  {{cusomer}}\n"),
        Case(label: "folded", yaml: "content: >\n  Hello there\n  {{cusomer}} is\n\n  here\n    more\n  end\n"),
        Case(label: "in sequence", yaml: "messages:\n  - role: user\n    content: >-\n      Hi\n      {{cusomer}}\n"),
    ]

    static func locate(_ needle: String, in bytes: [UInt8]) -> Int? {
        let n = Array(needle.utf8)
        guard n.count <= bytes.count else { return nil }
        for i in 0...(bytes.count - n.count) where Array(bytes[i..<i + n.count]) == n { return i }
        return nil
    }

    static func contentNode(_ doc: YAMLDocument) -> YAMLNode? {
        if let c = doc.root?["content"] { return c }
        return doc.root?["messages"]?.sequence?.first?["content"]
    }

    /// (CRLF line endings, multibyte prefix) variants.
    static let variants: [(Bool, String)] = [(false, ""), (true, ""), (false, prefixes[1]), (true, prefixes[1])]

    @Test(arguments: cases, 0..<4)
    func templateTagMapsToItsCharacters(_ c: Case, variant: Int) throws {
        let (crlf, prefix) = Self.variants[variant]
        var text = prefix + c.yaml
        if crlf { text = text.replacingOccurrences(of: "\n", with: "\r\n") }
        let bytes = Array(text.utf8)
        let doc = YAMLParser.parse(bytes)
        #expect(doc.problems.isEmpty, "\(doc.problems)")
        let node = try #require(Self.contentNode(doc))
        let map = ScalarSourceMap(node: node, in: bytes)
        #expect(map.isExact, "rebuild did not reproduce libyaml's value: \(node.scalar?.value.debugDescription ?? "")")
        let value = Array(try #require(node.scalar).value.utf8)
        let inValue = try #require(Self.locate("{{cusomer}}", in: value))
        let inFile = try #require(Self.locate("{{cusomer}}", in: bytes))
        let mapped = map.fileRange(TextRange(start: inValue, end: inValue + 11))
        #expect(mapped == TextRange(start: inFile, end: inFile + 11))
    }

    /// Positions are kept per run of copied bytes, not per byte: a literal block's line and its
    /// break are one segment, and an escape's bytes share one.
    @Test func copiedRunsAreOneSegment() throws {
        let lines = (0..<50).map { "  line \($0) of the template with {{var}}\n" }.joined()
        let bytes = Array(("content: |\n" + lines).utf8)
        let node = try #require(YAMLParser.parse(bytes).root?["content"])
        let map = ScalarSourceMap(node: node, in: bytes)
        #expect(map.isExact)
        #expect(map.segmentCount == 50)
        let value = Array(try #require(node.scalar).value.utf8)
        let at = try #require(Self.locate("line 49", in: value))
        let inFile = try #require(Self.locate("line 49", in: bytes))
        #expect(map.fileRange(TextRange(start: at, end: at + 7)) == TextRange(start: inFile, end: inFile + 7))

        let quoted = Array("content: \"a\\u00e9b\"\n".utf8)
        let q = try #require(YAMLParser.parse(quoted).root?["content"])
        let qmap = ScalarSourceMap(node: q, in: quoted)
        // "a", the two bytes of é from one escape, "b".
        #expect(qmap.segmentCount == 3)
        #expect(qmap.fileRange(TextRange(start: 1, end: 3)) == TextRange(start: 11, end: 17))
        #expect(qmap.fileRange(TextRange(start: 2, end: 2)) == TextRange(start: 11, end: 11))
    }

    @Test func marksCountCodepointsAndSkipTheBOM() {
        let text = "\u{FEFF}# é👍\r\nname: \"a\"\r\nkey: 😀value\r\n"
        let bytes = Array(text.utf8)
        let doc = YAMLParser.parse(bytes)
        let keyValue = doc.root?["key"]
        let expected = Self.locate("😀value", in: bytes) ?? -1
        #expect(keyValue?.range == TextRange(start: expected, end: expected + "😀value".utf8.count))
        let nameKey = doc.root?.mapping?.first?.key
        let nameAt = Self.locate("name", in: bytes) ?? -1
        #expect(nameKey?.range == TextRange(start: nameAt, end: nameAt + 4))
    }

    @Test func syntaxErrorKeepsWhatParsedBefore() {
        let text = "name: ok\nversion: 1.0.0\nbad: [unclosed\nlater: x\n"
        let doc = YAMLParser.parse(Array(text.utf8))
        #expect(doc.problems.count == 1)
        #expect(doc.root?["name"]?.scalar?.value == "ok")
        #expect(doc.root?["version"]?.scalar?.value == "1.0.0")
    }

    @Test func invalidUTF8IsAnEncodingProblemAtItsByte() {
        var bytes = Array("name: ok\nx: a".utf8)
        let at = bytes.count
        bytes += [0xFF, 0x0A]
        let doc = YAMLParser.parse(bytes)
        #expect(doc.problems.first?.kind == .encoding)
        #expect(doc.problems.first?.range.start == at)
    }

    @Test func deepNestingStopsWithAProblem() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let doc = YAMLParser.parse(Array(text.utf8))
        #expect(doc.problems.first?.kind == .nestingTooDeep)
    }
}
