import Foundation
import Testing

@Suite(.serialized) struct LintCommandTests {
    @Test func cleanFixturesExitZero() throws {
        let r = try CLI.run(["lint", "fixtures/prompts"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        // The fixtures are free of errors; the security rules' structure warnings and infos on
        // their unfenced untrusted inputs (PK502, PK503) are real findings, listed in the golden output.
        #expect(!r.stdout.contains("error["), "\(r.stdout)")
    }

    @Test func brokenFixturesExitOneWithCodeFrames() throws {
        let r = try CLI.run(["lint", "fixtures/broken/typos.prompt.yaml"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("""
        error[PK301] undeclared-variable: the variable `cusomer` is not declared
          --> fixtures/broken/typos.prompt.yaml:13:29
           |
        13 |   Write a {{tone}} reply to {{cusomer}}, who has placed {{order_count}} orders.
           |                             ^^^^^^^^^^^
           = help: did you mean `customer`?
        """), "\(r.stdout)")
    }

    @Test func jsonReportIsVersionedAndPrecise() throws {
        let r = try CLI.run(["lint", "--format", "json", "fixtures/broken/typos.prompt.yaml"])
        #expect(r.status == 1)
        let report = try CLI.json(r.stdout)
        #expect(report["version"] as? Int == 1)
        #expect(report["files_checked"] as? Int == 1)
        let diagnostics = try #require(report["diagnostics"] as? [[String: Any]])
        let d = try #require(diagnostics.first { $0["code"] as? String == "PK301" })
        #expect(d["name"] as? String == "undeclared-variable")
        #expect(d["category"] as? String == "variables")
        #expect(d["severity"] as? String == "error")
        #expect(d["file"] as? String == "fixtures/broken/typos.prompt.yaml")
        let start = try #require(d["start"] as? [String: Int])
        let end = try #require(d["end"] as? [String: Int])
        #expect(start["line"] == 13 && start["column"] == 29)
        #expect(end["line"] == 13 && end["column"] == 40)
        let bytes = try Data(contentsOf: CLI.repoRoot.appendingPathComponent("fixtures/broken/typos.prompt.yaml"))
        let slice = bytes[try #require(start["offset"])..<(try #require(end["offset"]))]
        #expect(String(decoding: slice, as: UTF8.self) == "{{cusomer}}")
    }

    @Test func columnsCountUnicodeScalarsAndOffsetsCountBytes() throws {
        let dir = try CLI.tempDir()
        let text = "name: a/b\nversion: 1.0.0\nvariables:\n  x: string\ntemplate: \"👨‍👩‍👧‍👦 é {{y}} {{x}}\"\n"
        try Data(text.utf8).write(to: dir.appendingPathComponent("u.prompt.yaml"))
        let r = try CLI.run(["lint", "--format", "json", "u.prompt.yaml"], cwd: dir)
        let d = try #require((try CLI.json(r.stdout)["diagnostics"] as? [[String: Any]])?.first)
        let start = try #require(d["start"] as? [String: Int])
        // `template: "` is 11 scalars, the family emoji 7 scalars, then " é " 3: column 22.
        #expect(start["line"] == 5 && start["column"] == 22)
        #expect(start["offset"] == text.utf8.count - "{{y}} {{x}}\"\n".utf8.count)
    }

    @Test func stdinIsReadForDash() throws {
        let input = "name: a/b\nversion: 1.0.0\ntemplate: \"{{nope}}\"\n"
        let r = try CLI.run(["lint", "-"], stdin: Data(input.utf8))
        #expect(r.status == 1)
        #expect(r.stdout.contains("<stdin>:3:12"))
    }

    @Test func missingPathIsAUsageError() throws {
        let r = try CLI.run(["lint", "does/not/exist"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("does/not/exist: no such file or directory"))
    }

    @Test func badArgumentsExitTwo() throws {
        let format = try CLI.run(["lint", "--format", "xml"])
        #expect(format.status == 2)
        #expect(format.stderr.contains("The value 'xml' is invalid for '--format <format>'"))
        #expect(try CLI.run(["frobnicate"]).status == 2)
        #expect(try CLI.run(["lint", "--help"]).status == 0)
    }

    @Test func strictFailsOnWarnings() throws {
        let dir = try CLI.tempDir()
        try Data("name: a/b\nversion: 1.0.0\nvariables:\n  unused: string\ntemplate: hi\n".utf8)
            .write(to: dir.appendingPathComponent("w.prompt.yaml"))
        #expect(try CLI.run(["lint"], cwd: dir).status == 0)
        #expect(try CLI.run(["lint", "--strict"], cwd: dir).status == 1)
    }

    @Test func configurationSelectsRulesSeverityAndFiles() throws {
        let dir = try CLI.tempDir()
        try Data("name: a/b\nversion: 1.0.0\nvariables:\n  unused: string\ntemplate: \"{{nope}}\"\n".utf8)
            .write(to: dir.appendingPathComponent("a.prompt.yaml"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("drafts"), withIntermediateDirectories: true)
        try Data("not: [valid".utf8).write(to: dir.appendingPathComponent("drafts/x.prompt.yaml"))
        try Data("""
        exclude: ["drafts/**"]
        rules:
          ignore: [undeclared-variable]
          severity:
            unused-variable: error
        """.utf8).write(to: dir.appendingPathComponent("promptkit.yaml"))
        let r = try CLI.run(["lint", "--format", "json"], cwd: dir)
        let report = try CLI.json(r.stdout)
        #expect(report["files_checked"] as? Int == 1)
        let codes = (report["diagnostics"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
        #expect(codes == ["PK302"])
        #expect(r.status == 1, "unused-variable was raised to error")
    }

    @Test func configurationMistakesAreReportedWithPositions() throws {
        let dir = try CLI.tempDir()
        try Data("name: a/b\nversion: 1.0.0\ntemplate: hi\n".utf8).write(to: dir.appendingPathComponent("a.prompt.yaml"))
        try Data("rules:\n  ignore: [unused-variabel]\n".utf8).write(to: dir.appendingPathComponent("promptkit.yaml"))
        let r = try CLI.run(["lint"], cwd: dir)
        #expect(r.stderr.contains("promptkit.yaml:2:12: unknown rule or category `unused-variabel`; did you mean `unused-variable`?"),
                "\(r.stderr)")
    }

    @Test func goldenOutputForAllFixtures() throws {
        let r = try CLI.run(["lint", "fixtures"])
        #expect(r.status == 1)
        let golden = CLI.repoRoot.appendingPathComponent("tests/golden/lint-fixtures.txt")
        if ProcessInfo.processInfo.environment["PROMPTKIT_UPDATE_GOLDEN"] == "1" {
            try Data(r.stdout.utf8).write(to: golden)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(r.stdout == expected, "lint output changed; review it and regenerate with PROMPTKIT_UPDATE_GOLDEN=1 swift test --filter goldenOutput")
    }
}
