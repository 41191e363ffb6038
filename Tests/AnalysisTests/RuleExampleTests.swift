import Analysis
import CoreSupport
import Foundation
import Testing

/// Every rule's documented examples are its tests: triggering examples must report the rule at
/// the `↓` marker, non-triggering ones must not report it. Each example also runs with a
/// multibyte prefix, with CRLF line endings, and with a file-level suppression comment.
struct RuleExampleTests {
    enum Variant: String, CaseIterable, Sendable { case plain, multibytePrefix, crlf, suppressed }

    struct Example: Sendable, CustomTestStringConvertible {
        let rule: Rule
        let index: Int
        let triggering: Bool
        let variant: Variant
        var testDescription: String { "\(rule.code) \(rule.name) \(triggering ? "triggering" : "clean") #\(index) (\(variant.rawValue))" }
    }

    static let examples: [Example] = Rules.all.flatMap { rule in
        Variant.allCases.flatMap { variant in
            rule.triggering.indices.map { Example(rule: rule, index: $0, triggering: true, variant: variant) }
                + rule.nonTriggering.indices.map { Example(rule: rule, index: $0, triggering: false, variant: variant) }
        }
    }

    static func apply(_ variant: Variant, _ text: String) -> String {
        switch variant {
        case .plain: text
        case .multibytePrefix: "# 👨‍👩‍👧‍👦 é\n" + text
        case .crlf: text.replacingOccurrences(of: "\n", with: "\r\n")
        case .suppressed: text
        }
    }

    @Test func everyRuleHasExamplesOfBothKinds() {
        for rule in Rules.all {
            #expect(!rule.triggering.isEmpty, "\(rule.code) has no triggering example")
            #expect(!rule.nonTriggering.isEmpty, "\(rule.code) has no non-triggering example")
        }
    }

    @Test func codesAndNamesAreUniqueAndWellFormed() {
        #expect(Set(Rules.all.map(\.code)).count == Rules.all.count)
        #expect(Set(Rules.all.map(\.name)).count == Rules.all.count)
        for rule in Rules.all {
            #expect(rule.name.allSatisfy { $0.isLowercase || $0 == "-" }, "\(rule.name) is not kebab-case")
            #expect(!rule.name.hasPrefix("no-") && !rule.name.hasPrefix("disallow-"))
        }
    }

    @Test(arguments: examples)
    func example(_ e: Example) throws {
        let source = e.triggering ? e.rule.triggering[e.index] : e.rule.nonTriggering[e.index]
        let (text, marker) = Fixture.strip(Self.apply(e.variant, source.source))
        var main = text
        if e.variant == .suppressed { main = "# promptkit-ignore-file: \(e.rule.code)\n" + text }
        let others = source.others.map { Self.apply(e.variant == .suppressed ? .plain : e.variant, $0) }
        let published = source.published.map { Self.apply(e.variant == .suppressed ? .plain : e.variant, $0) }
        let found = Fixture.lint(main, others: others, published: published).filter { $0.rule == e.rule }
        if e.triggering, e.variant != .suppressed {
            let offset = try #require(marker, "triggering example has no ↓ marker")
            #expect(found.contains { $0.range.start == offset },
                    "expected \(e.rule.code) at byte \(offset); got \(found.map { "\($0.range): \($0.message)" })")
        } else {
            #expect(found.isEmpty, "unexpected: \(found.map { "\($0.range): \($0.message)" })")
        }
    }
}
