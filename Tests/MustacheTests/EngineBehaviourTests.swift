import CoreSupport
import Testing
@testable import Mustache

/// Behaviour the spec implies but its suite does not test, including the four places where
/// swift-mustache deviates (see DifferentialTests), plus the parser's recovery and limits.
struct EngineBehaviourTests {
    func render(_ t: String, _ data: Value = .object(OrderedObject()), partials: [String: String] = [:]) -> String {
        Template(t).render(data, partials: DictionaryPartials(partials), options: RenderOptions(escaping: .html)).text
    }

    static let items: Value = .object(OrderedObject([("items", .array([.string("a"), .string("b")])), ("on", .bool(true))]))

    @Test func twoTagsOnALineAreNotStandalone() {
        #expect(render("{{#on}}\n{{#on}}x{{/on}}{{/on}}\t\n.", Self.items) == "x\t\n.")
    }

    @Test func aLastLineOfWhitespaceIsKept() {
        #expect(render("a\n\t") == "a\n\t")
        #expect(render("{{#on}}\nx\n{{/on}}\n  ", Self.items) == "x\n  ")
    }

    @Test func everyLineOfAnIndentedPartialIsIndented() {
        #expect(render("  {{>p}}\n", partials: ["p": "a\r\nb\n"]) == "  a\r\n  b\n")
        #expect(render("  {{>p}}\n", Self.items, partials: ["p": "{{#items}}\n{{.}}\n{{/items}}\n"]) == "  a\n  b\n")
    }

    @Test func emptyStringsAreFalsey() {
        let data: Value = .object(OrderedObject([("e", .string("")), ("z", .int(0))]))
        #expect(render("{{#e}}yes{{/e}}{{^e}}no{{/e}} {{#z}}zero is truthy{{/z}}", data) == "no zero is truthy")
    }

    @Test func unclosedSectionKeepsItsContentInTheTree() throws {
        let t = Template("Hi {{#items}}\n- {{name}}\nbye")
        #expect(t.errors.map(\.kind) == [.unclosedSection])
        guard case .section(let s)? = t.nodes.last else { Issue.record("no section node"); return }
        #expect(s.closeTag == nil)
        let names = s.children.compactMap { if case .variable(let v) = $0 { v.name.text } else { nil } }
        #expect(names == ["name"])
    }

    @Test func everyTagKeepsItsRange() {
        let source = "a {{x}} {{#s}}{{ y.z }}{{/s}}"
        let t = Template(source)
        guard case .variable(let x) = t.nodes[1], case .section(let s) = t.nodes[3],
              case .variable(let yz) = s.children[0] else { Issue.record("unexpected tree"); return }
        #expect(t.text(x.range) == "{{x}}")
        #expect(t.text(s.openTag) == "{{#s}}")
        #expect(t.text(yz.range) == "{{ y.z }}")
        #expect(t.text(yz.name.range) == "y.z")
        #expect(yz.name.parts == ["y", "z"])
        #expect(s.closeTag.map(t.text) == "{{/s}}")
    }

    @Test func parsingIsLossless() {
        // Every byte is inside a node or is standalone-line whitespace between nodes.
        let source = "Hello {{name}}\n  {{#items}}\n  - {{.}}\n  {{/items}}\n{{! c }}\n{{=<% %>=}}\n<% x %>."
        let t = Template(source)
        var ranges: [TextRange] = []
        func collect(_ nodes: [Node]) {
            for n in nodes {
                switch n {
                case .section(let s):
                    ranges.append(s.openTag); collect(s.children); if let c = s.closeTag { ranges.append(c) }
                default: ranges.append(n.range)
                }
            }
        }
        collect(t.nodes)
        ranges.sort()
        var cursor = 0
        for r in ranges {
            #expect(r.start >= cursor, "overlap at \(r)")
            let gap = t.text(TextRange(start: cursor, end: r.start))
            #expect(gap.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r\n" }, "non-trivia gap \(gap.debugDescription)")
            cursor = r.end
        }
        #expect(cursor == source.utf8.count)
    }

    @Test func errorsAreCappedAndNestingIsBounded() {
        let t = Template(String(repeating: "{{#s}}", count: 100_000))
        #expect(t.errors.count <= Parser.maximumErrors + 1)
        #expect(t.errors.contains { $0.kind == .nestingTooDeep })
    }

    @Test func recursivePartialsStopAtTheBudget() {
        let r = Template("{{>p}}").render(.object(OrderedObject()), partials: DictionaryPartials(["p": "x{{>p}}{{>p}}"]))
        #expect(r.limitReached != nil)
    }
}
