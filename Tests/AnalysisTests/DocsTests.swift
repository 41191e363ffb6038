import Analysis
import Foundation
import Testing

struct DocsTests {
    @Test func rulesDocumentIsUpToDate() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/rules.md")
        let committed = try String(contentsOf: url, encoding: .utf8)
        #expect(committed == RuleDocs.markdown(), "docs/rules.md is stale: run `\(RuleDocs.regenerateCommand)`")
    }

    @Test func everyRuleIsDocumentedWithItsCode() {
        let doc = RuleDocs.markdown()
        for rule in Rules.all {
            #expect(doc.contains("## \(rule.code) \(rule.name)"))
            #expect(RuleDocs.text(rule).hasPrefix("\(rule.code) \(rule.name)\n"))
        }
    }
}
