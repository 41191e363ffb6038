import Foundation
import Testing

/// Hostile and broken input: every case ends with a clear diagnostic and exit 1 or 2, never a
/// crash, a hang or a trap. The 30-second guard only detects hangs; speed is measured by the
/// benchmark (docs/benchmarks.md), not asserted here.
@Suite(.serialized) struct BadInputTests {
    static let guardSeconds = 30.0

    func lintFile(named name: String, bytes: [UInt8]) throws -> CLI.Result {
        let dir = try CLI.tempDir()
        try Data(bytes).write(to: dir.appendingPathComponent(name))
        return try CLI.run(["lint", "--format", "json", name], cwd: dir, timeout: Self.guardSeconds)
    }

    func codes(_ r: CLI.Result) throws -> [String] {
        let report = try CLI.json(r.stdout)
        return (report["diagnostics"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
    }

    @Test func binaryFile() throws {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]
        for i in 0..<4096 { bytes.append(UInt8(truncatingIfNeeded: i &* 31)) }
        let r = try lintFile(named: "image.prompt.yaml", bytes: bytes)
        #expect(r.status == 1)
        #expect(try codes(r) == ["PK002"])
        #expect(r.stdout.contains("NUL byte"))
    }

    @Test func invalidUTF8() throws {
        let bytes = Array("name: a/b\nversion: 1.0.0\ntemplate: \"caf".utf8) + [0xE9] + Array("\"\n".utf8)
        let r = try lintFile(named: "latin1.prompt.yaml", bytes: bytes)
        #expect(r.status == 1)
        let report = try CLI.json(r.stdout)
        let d = try #require((report["diagnostics"] as? [[String: Any]])?.first)
        #expect(d["code"] as? String == "PK002")
        #expect((d["message"] as? String)?.contains("not valid UTF-8") == true)
        #expect((d["start"] as? [String: Int])?["offset"] == bytes.firstIndex(of: 0xE9))
    }

    @Test func nulBytesInsideText() throws {
        let bytes = Array("name: a/b\nversion: 1.0.0\ntemplate: \"a".utf8) + [0] + Array("b\"\n".utf8)
        let r = try lintFile(named: "nul.prompt.yaml", bytes: bytes)
        #expect(r.status == 1)
        #expect(try codes(r) == ["PK002"])
    }

    @Test func tenMegabyteFile() throws {
        var text = "name: big/file\nversion: 1.0.0\nvariables:\n  topic: string\ntemplate: |\n"
        let line = "  Explain {{topic}} in plain words, with examples and counter-examples, step by step.\n"
        while text.utf8.count < 10_000_000 { text += line }
        text += "samples:\n  one:\n    topic: caching\n"
        let r = try lintFile(named: "big.prompt.yaml", bytes: Array(text.utf8))
        #expect(r.status == 0, "a large valid file is fine: \(r.stdout.prefix(500))")
        #expect(try codes(r).isEmpty)
    }

    @Test func billionLaughs() throws {
        var text = "name: a/b\nversion: 1.0.0\nvariables:\n  v: string\ntemplate: \"{{v}}\"\nsamples:\n  bomb:\n    v: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for i in 1...9 {
            let refs = Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ")
            text += "    x\(i): &a\(i) [\(refs)]\n"
        }
        text += "    v2: *a9\n"
        let r = try lintFile(named: "bomb.prompt.yaml", bytes: Array(text.utf8))
        #expect(r.status == 1)
        #expect(r.status != -9, "hung")
        #expect(try codes(r).contains("PK110") || codes(r).contains("PK305"))
        // Rendering must not expand the bomb either.
        let dir = try CLI.tempDir()
        try Data(text.utf8).write(to: dir.appendingPathComponent("bomb.prompt.yaml"))
        let render = try CLI.run(["render", "bomb.prompt.yaml"], cwd: dir, timeout: Self.guardSeconds)
        #expect(render.status != -9)
    }

    @Test func tenThousandLevelsOfNesting() throws {
        let text = "name: a/b\nversion: 1.0.0\ntemplate: hi\nmetadata:\n  deep: " + String(repeating: "[", count: 10_000)
            + String(repeating: "]", count: 10_000) + "\n"
        let r = try lintFile(named: "deep.prompt.yaml", bytes: Array(text.utf8))
        #expect(r.status == 1)
        #expect(try codes(r).contains("PK110"))
        var block = "name: a/b\nversion: 1.0.0\ntemplate: hi\nmetadata:\n"
        for depth in 0..<10_000 { block += String(repeating: " ", count: depth + 2) + "k:\n" }
        let r2 = try lintFile(named: "deep-block.prompt.yaml", bytes: Array(block.utf8))
        #expect(r2.status == 1)
        #expect(try codes(r2).contains("PK110"))
    }

    @Test func hundredThousandUnclosedSections() throws {
        let body = String(repeating: "{{#s}}", count: 100_000)
        let text = "name: a/b\nversion: 1.0.0\nvariables:\n  s: boolean\ntemplate: \"\(body)\"\nsamples:\n  x:\n    s: true\n"
        let r = try lintFile(named: "sections.prompt.yaml", bytes: Array(text.utf8))
        #expect(r.status == 1)
        let c = try codes(r)
        #expect(c.contains("PK202"))
        #expect(c.contains("PK110"))
        #expect(c.count <= 300, "errors are capped, not one per tag")
        let dir = try CLI.tempDir()
        try Data(text.utf8).write(to: dir.appendingPathComponent("s.prompt.yaml"))
        let render = try CLI.run(["render", "s.prompt.yaml"], cwd: dir, timeout: Self.guardSeconds)
        #expect(render.status == 0 || render.status == 1)
    }

    @Test func emptyAndWhitespaceFiles() throws {
        let r = try lintFile(named: "empty.prompt.yaml", bytes: [])
        #expect(r.status == 1)
        #expect(try codes(r) == ["PK102"])
        let r2 = try lintFile(named: "list.prompt.yaml", bytes: Array("- just\n- a list\n".utf8))
        #expect(r2.status == 1)
        #expect(try codes(r2) == ["PK103"])
    }

    @Test func partialCycleRendersWithoutHanging() throws {
        let dir = try CLI.tempDir()
        try Data("name: c/a\nversion: 1.0.0\ntemplate: \"a{{> c/b}}\"\n".utf8).write(to: dir.appendingPathComponent("a.prompt.yaml"))
        try Data("name: c/b\nversion: 1.0.0\ntemplate: \"b{{> c/a}}{{> c/a}}\"\n".utf8).write(to: dir.appendingPathComponent("b.prompt.yaml"))
        let r = try CLI.run(["render", "a.prompt.yaml"], cwd: dir, timeout: Self.guardSeconds)
        #expect(r.status == 1)
        #expect(r.stderr.contains("rendering stopped"))
    }
}
