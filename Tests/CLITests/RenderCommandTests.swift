import Foundation
import Testing

@Suite(.serialized) struct RenderCommandTests {
    @Test func rendersMessagesWithTheFirstSample() throws {
        let r = try CLI.run(["render", "fixtures/prompts/rag/answer.prompt.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("--- user ---\n[1] Refund policy (https://example.com/help/refunds)\n"))
        #expect(r.stdout.contains("Question: How long do refunds take?\n"))
    }

    @Test func rendersJSONChatMessagesWithPartials() throws {
        let r = try CLI.run(["render", "fixtures/prompts/agent/system.prompt.yaml", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let messages = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: String]])
        #expect(messages.map { $0["role"] } == ["system", "user"])
        #expect(messages[0]["content"]?.contains("- rollback: Roll a service back to its previous version.\nNever run") == true)
    }

    @Test func varsOverrideDefaultsAndAreNotEscaped() throws {
        let dir = try CLI.tempDir()
        try Data("{\"transcript\": \"A & B <decided>\"}".utf8).write(to: dir.appendingPathComponent("v.json"))
        let r = try CLI.run(["render", CLI.repoRoot.appendingPathComponent("fixtures/prompts/summarize/meeting-summary.prompt.yaml").path,
                             "--vars", dir.appendingPathComponent("v.json").path])
        #expect(r.status == 0)
        #expect(r.stdout.contains("for a engineering audience"))
        #expect(r.stdout.contains("A & B <decided>"))
    }

    @Test func aDirectoryIsAUsageError() throws {
        let r = try CLI.run(["render", "fixtures/prompts"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("fixtures/prompts: is a directory; render takes one prompt file"))
        #expect(r.stdout.isEmpty)
    }

    @Test func unknownSampleIsAUsageError() throws {
        let r = try CLI.run(["render", "fixtures/prompts/rag/answer.prompt.yaml", "--sample", "refund"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("no sample named `refund`; samples: refunds, no-results"))
    }

    @Test func plainTemplateModeWritesExactlyTheRenderedText() throws {
        let dir = try CLI.tempDir()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("partials"), withIntermediateDirectories: true)
        try Data("Hi {{name}} {{> sig}}\r\n  {{> list}}\nend".utf8).write(to: dir.appendingPathComponent("t.mustache"))
        try Data("-- {{team}}".utf8).write(to: dir.appendingPathComponent("partials/sig.mustache"))
        try Data("{{#items}}<{{.}}>\n{{/items}}".utf8).write(to: dir.appendingPathComponent("partials/list.mustache"))
        try Data("{\"name\": \"<Ada>\", \"team\": \"R&D\", \"items\": [\"a\", \"b\"]}".utf8).write(to: dir.appendingPathComponent("d.json"))
        let html = try CLI.run(["render", "--template-file", "t.mustache", "--data", "d.json", "--partials", "partials"], cwd: dir)
        #expect(html.status == 0)
        #expect(html.stdout == "Hi &lt;Ada&gt; -- R&amp;D\r\n  <a>\n  <b>\nend")
        let raw = try CLI.run(["render", "--template-file", "t.mustache", "--data", "-", "--partials", "partials", "--escape", "none"],
                              stdin: Data("{\"name\": \"<Ada>\", \"team\": \"R&D\", \"items\": [\"a\"]}".utf8), cwd: dir)
        #expect(raw.stdout == "Hi <Ada> -- R&D\r\n  <a>\nend")
    }

    @Test func invalidJSONDataSaysWhere() throws {
        let dir = try CLI.tempDir()
        try Data("{{x}}".utf8).write(to: dir.appendingPathComponent("t.mustache"))
        try Data("{\n  \"x\": tru\n}".utf8).write(to: dir.appendingPathComponent("d.json"))
        let r = try CLI.run(["render", "--template-file", "t.mustache", "--data", "d.json"], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("d.json:2:8: invalid JSON"), "\(r.stderr)")
    }

    @Test func templateErrorsExitOneWithPositions() throws {
        let dir = try CLI.tempDir()
        try Data("line\n{{#open}} never closed".utf8).write(to: dir.appendingPathComponent("t.mustache"))
        let r = try CLI.run(["render", "--template-file", "t.mustache"], cwd: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("t.mustache:2:1: error: section `open` is never closed"))
    }

    @Test func ruleCommandPrintsDocumentation() throws {
        let r = try CLI.run(["rule", "PK301"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("PK301 undeclared-variable\n"))
        let byName = try CLI.run(["rule", "unused-variable"])
        #expect(byName.stdout.hasPrefix("PK302 unused-variable"))
        let bad = try CLI.run(["rule", "undeclared-variabel"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("did you mean `undeclared-variable`?"))
    }
}
