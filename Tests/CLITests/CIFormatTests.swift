import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// `promptkit lint --format sarif|github|junit`, run as CI runs it.
@Suite(.serialized) struct CIFormatTests {
    @Test func sarifCarriesRulesLocationsAndStableFingerprints() throws {
        let r = try CLI.run(["lint", "--format", "sarif", "fixtures/broken/typos.prompt.yaml"])
        #expect(r.status == 1)
        let log = try CLI.json(r.stdout)
        #expect(log["version"] as? String == "2.1.0")
        #expect((log["$schema"] as? String)?.contains("sarif-2.1.0") == true)
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        #expect(run["columnKind"] as? String == "unicodeCodePoints")
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "promptkit")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        let pk301 = try #require(rules.first { $0["id"] as? String == "PK301" })
        #expect(pk301["name"] as? String == "undeclared-variable")
        #expect(((pk301["help"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
        #expect((pk301["helpUri"] as? String)?.contains("docs/rules.md#pk301") == true)
        let results = try #require(run["results"] as? [[String: Any]])
        let finding = try #require(results.first { $0["ruleId"] as? String == "PK301" })
        #expect(finding["level"] as? String == "error")
        #expect(rules[try #require(finding["ruleIndex"] as? Int)]["id"] as? String == "PK301")
        let physical = try #require(((finding["locations"] as? [[String: Any]])?.first)?["physicalLocation"] as? [String: Any])
        let artifact = try #require(physical["artifactLocation"] as? [String: Any])
        #expect(artifact["uri"] as? String == "fixtures/broken/typos.prompt.yaml")
        #expect(artifact["uriBaseId"] as? String == "SRCROOT")
        let region = try #require(physical["region"] as? [String: Int])
        #expect(region["startLine"] == 13 && region["startColumn"] == 29 && region["endLine"] == 13 && region["endColumn"] == 40)
        let fingerprint = try #require((finding["partialFingerprints"] as? [String: String])?["promptkit/v1"])

        // Lines inserted above the finding move it, but its fingerprint stays.
        let dir = try CLI.tempDir()
        var text = try String(contentsOf: CLI.repoRoot.appendingPathComponent("fixtures/broken/typos.prompt.yaml"), encoding: .utf8)
        try Data(text.utf8).write(to: dir.appendingPathComponent("t.prompt.yaml"))
        let before = try CLI.json(try CLI.run(["lint", "--format", "sarif", "t.prompt.yaml"], cwd: dir).stdout)
        text = "# a comment\n# another\n" + text
        try Data(text.utf8).write(to: dir.appendingPathComponent("t.prompt.yaml"))
        let after = try CLI.json(try CLI.run(["lint", "--format", "sarif", "t.prompt.yaml"], cwd: dir).stdout)
        func prints(_ log: [String: Any]) -> [String] {
            let results = ((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
            return results.compactMap { ($0["partialFingerprints"] as? [String: String])?["promptkit/v1"] }
        }
        #expect(!prints(before).isEmpty && prints(before) == prints(after))
        #expect(Set(prints(before)).count == prints(before).count, "fingerprints are unique within a run")
        #expect(fingerprint.count == 64)  // SHA-256, hex
    }

    @Test func githubWorkflowCommandsAnnotateEachFinding() throws {
        let r = try CLI.run(["lint", "--format", "github", "fixtures/broken/typos.prompt.yaml"])
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.allSatisfy { $0.hasPrefix("::error ") || $0.hasPrefix("::warning ") || $0.hasPrefix("::notice ") }, "\(r.stdout)")
        #expect(lines.contains {
            $0.hasPrefix("::error file=fixtures/broken/typos.prompt.yaml,line=13,col=29,endLine=13,endColumn=40,title=PK301 undeclared-variable::the variable `cusomer` is not declared%0Adid you mean `customer`?")
        }, "\(r.stdout)")
    }

    @Test func githubEscapingKeepsOneCommandPerLine() throws {
        let dir = try CLI.tempDir()
        // A file name with `,` and `:` and a message that quotes a multi-line value.
        let text = "name: a/b\nversion: 1.0.0\ntemplate: \"{{nope}}\"\n"
        try Data(text.utf8).write(to: dir.appendingPathComponent("a,b:c.prompt.yaml"))
        let r = try CLI.run(["lint", "--format", "github", "."], cwd: dir)
        #expect(r.stdout.contains("file=a%2Cb%3Ac.prompt.yaml,"), "\(r.stdout)")
        #expect(r.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("::") })
    }

    @Test func junitIsValidXMLWithFailuresForErrors() throws {
        let r = try CLI.run(["lint", "--format", "junit", "fixtures/broken/typos.prompt.yaml", "fixtures/prompts/support"])
        #expect(r.status == 1)
        let document = try XMLDocument(data: Data(r.stdout.utf8))
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        let suites = root.elements(forName: "testsuite")
        #expect(suites.count == 2)
        let typos = try #require(suites.first { $0.attribute(forName: "name")?.stringValue == "fixtures/broken/typos.prompt.yaml" })
        let failing = typos.elements(forName: "testcase").filter { !$0.elements(forName: "failure").isEmpty }
        #expect(failing.contains { $0.attribute(forName: "name")?.stringValue == "PK301 undeclared-variable" })
        #expect(Int(root.attribute(forName: "failures")?.stringValue ?? "") == suites.reduce(0) { $0 + (Int($1.attribute(forName: "failures")?.stringValue ?? "") ?? 0) })
        let clean = try #require(suites.first { $0.attribute(forName: "name")?.stringValue == "fixtures/prompts/support/triage.prompt.yaml" })
        #expect(clean.attribute(forName: "failures")?.stringValue == "0")
    }
}
