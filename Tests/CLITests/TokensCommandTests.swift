import Foundation
import Testing

@Suite struct TokensCommandTests {
    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func promptFileCountsPerMessageAndAcrossModels() throws {
        let r = try CLI.run(["tokens", "fixtures/prompts/agent/system.prompt.yaml", "--format", "json",
                             "--models", "gpt-4o,gpt-4,claude-sonnet-4-5"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try json(r.stdout)
        let messages = try #require(o["messages"] as? [[String: Any]])
        let content = messages.compactMap { $0["tokens"] as? Int }.reduce(0, +)
        let total = try #require(o["total"] as? Int)
        // Chat formatting: 3 per message, the role's tokens (1 each here), 3 for the reply.
        #expect(total == content + messages.count * 4 + 3)
        let models = try #require(o["models"] as? [[String: Any]])
        #expect(models.map { $0["id"] as? String } == ["gpt-4o", "gpt-4", "claude-sonnet-4-5"])
        #expect(models[2]["estimate"] as? Bool == true)
        #expect(models[0]["estimate"] as? Bool == false)
        let cost = try #require(models[0]["input_cost"] as? Double)
        #expect(abs(cost - Double(models[0]["prompt_tokens"] as? Int ?? 0) * 2.5 / 1_000_000) < 1e-12)
    }

    @Test func plainTextFromStdinCountsAndPrintsIds() throws {
        let r = try CLI.run(["tokens", "--encoding", "cl100k_base", "--ids"], stdin: Data("hello world".utf8))
        #expect(r.status == 0)
        #expect(r.stdout == "15339\n1917\n")
        let counted = try CLI.run(["tokens", "--model", "gpt-4o", "--format", "json"], stdin: Data("hello world".utf8))
        #expect(try json(counted.stdout)["tokens"] as? Int == 2)
    }

    @Test func invalidUTF8IsReplacedAndSpecialTokensNeedAsking() throws {
        let r = try CLI.run(["tokens", "--encoding", "cl100k_base", "--ids"], stdin: Data([0x61, 0xFF, 0x62]))
        #expect(r.status == 0)
        #expect(r.stdout.split(separator: "\n").count == 3)  // a, U+FFFD, b
        let plain = try CLI.run(["tokens", "--encoding", "cl100k_base", "--ids"], stdin: Data("<|endoftext|>".utf8))
        #expect(!plain.stdout.contains("100257"))
        let special = try CLI.run(["tokens", "--encoding", "cl100k_base", "--ids", "--allow-special", "all"], stdin: Data("<|endoftext|>".utf8))
        #expect(special.stdout == "100257\n")
    }

    @Test func badArgumentsExitTwoWithAMessage() throws {
        let unknownEncoding = try CLI.run(["tokens", "--encoding", "p50k"], stdin: Data())
        #expect(unknownEncoding.status == 2)
        #expect(unknownEncoding.stderr.contains("unknown encoding `p50k`"))
        let unknownModel = try CLI.run(["tokens", "--model", "gpt4o"], stdin: Data())
        #expect(unknownModel.status == 2)
        #expect(unknownModel.stderr.contains("did you mean `gpt-4o`?"))
        let directory = try CLI.run(["tokens", "fixtures"])
        #expect(directory.status == 2)
        #expect(directory.stderr.contains("is a directory"))
    }

    @Test func modelsListsTheCatalog() throws {
        let r = try CLI.run(["models", "--format", "json"])
        #expect(r.status == 0)
        let models = try #require(try json(r.stdout)["models"] as? [[String: Any]])
        #expect(models.contains { $0["id"] as? String == "gpt-4.1" && $0["context_window"] as? Int == 1_047_576 })
        let text = try CLI.run(["models"])
        #expect(text.stdout.contains("~cl100k_base"))
    }

    @Test func configurationOverridesTheCatalog() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pk-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("models:\n  - id: acme-7b\n    tokenizer: cl100k_base\n    context_window: 4096\n".utf8)
            .write(to: dir.appendingPathComponent("promptkit.yaml"))
        try Data("name: a\nversion: 1.0.0\nmodel: acme-7b\nparams:\n  max_tokens: 4090\ntemplate: Summarize this ticket for the on-call engineer.\n".utf8)
            .write(to: dir.appendingPathComponent("a.prompt.yaml"))
        let r = try CLI.run(["lint", "--format", "json", "."], cwd: dir)
        #expect(r.stdout.contains("PK401"), "\(r.stdout)")
        #expect(!r.stdout.contains("PK404"))
    }
}
