import Analysis
import CoreSupport
import Foundation
import ModelCatalog
import PromptSyntax
import Registry
import Testing

/// A registry in a fresh SQLite file, deleted afterwards.
final class TemporaryRegistry {
    let folder: String
    let registry: Registry
    var path: String { folder + "/registry.sqlite" }

    init() throws {
        folder = NSTemporaryDirectory() + "promptkit-registry-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        registry = Registry(store: try SQLiteRegistryStore(path: folder + "/registry.sqlite"))
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    /// Publishes a small prompt; `body` changes the content (and so the hash).
    @discardableResult
    func publish(_ name: String, _ version: String, body: String = "Summarize.") throws -> PromptVersion {
        let source = "name: \(name)\nversion: \(version)\nmodel: gpt-4o\ntemplate: \(body)\n"
        let file = ParsedFile.parse(SourceFile(path: "\(name).prompt.yaml", bytes: Array(source.utf8)))
        let v = try PublishedPrompt.make(file, in: Workspace(files: [file]), configuration: Configuration(), author: "test", time: registry.now())
        _ = try registry.publish(v)
        return v
    }
}

struct SemverPrecedenceTests {
    /// The ordering example of SemVer 2.0.0 §11, plus numbers of different lengths.
    @Test func keysSortInPrecedenceOrder() throws {
        let ordered = ["0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
                       "1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0", "2.0.0", "10.0.0", "100.0.0"]
        let keys = try ordered.map { try #require(Semver.precedenceKey($0)) }
        for i in 1..<keys.count {
            #expect(Array(keys[i - 1].utf8).lexicographicallyPrecedes(Array(keys[i].utf8)), "\(ordered[i - 1]) < \(ordered[i])")
        }
        #expect(Semver.precedenceKey("1.0.0+build.1") == Semver.precedenceKey("1.0.0+other"))
        #expect(Semver.precedenceKey("1.0") == nil)
    }
}

struct RegistryTests {
    @Test func publishIsIdempotentAndRefusesChangedContent() throws {
        let t = try TemporaryRegistry()
        let v = try t.publish("support/triage", "1.0.0")
        #expect(try t.registry.publish(v) == .unchanged(v))
        do {
            try t.publish("support/triage", "1.0.0", body: "Summarize briefly.")
            Issue.record("republishing changed content was accepted")
        } catch let e as RegistryError {
            guard case .conflict(let message) = e else { Issue.record("wrong error \(e)"); return }
            #expect(message.contains(v.contentHash))
            #expect(message.contains(SHA256.hex(Array("name: support/triage\nversion: 1.0.0\nmodel: gpt-4o\ntemplate: Summarize briefly.\n".utf8))))
        }
        #expect(try t.registry.history(name: "support/triage").map(\.action) == [.publish])
    }

    @Test func promotionPushesAndRollbackPops() throws {
        let t = try TemporaryRegistry()
        for (i, v) in ["1.0.0", "1.1.0", "1.2.0"].enumerated() { try t.publish("p", v, body: "v\(i)") }
        let r = t.registry
        #expect(try r.promote(name: "p", version: "1.0.0", to: "production", actor: "a", reason: nil).from == nil)
        _ = try r.promote(name: "p", version: "1.1.0", to: "production", actor: "a", reason: nil)
        _ = try r.promote(name: "p", version: "1.2.0", to: "production", actor: "a", reason: "ship")
        #expect(try r.resolve(name: "p", environment: "production").version.version == "1.2.0")
        let back = try r.rollback(name: "p", environment: "production", actor: "a", reason: "bad")
        #expect(back.from == "1.2.0" && back.to == "1.1.0")
        // A second rollback goes further back, not forward again.
        #expect(try r.rollback(name: "p", environment: "production", actor: "a", reason: nil).to == "1.0.0")
        #expect(throws: RegistryError.self) { try r.rollback(name: "p", environment: "production", actor: "a", reason: nil) }
        let log = try r.history(name: "p")
        #expect(log.map(\.action) == [.publish, .publish, .publish, .promote, .promote, .promote, .rollback, .rollback])
        #expect(log[5].reason == "ship" && log[5].fromVersion == "1.1.0" && log[5].toVersion == "1.2.0")
        #expect(throws: RegistryError.self) { try r.promote(name: "p", version: "1.0.0", to: "production", actor: "a", reason: nil) }
        #expect(throws: RegistryError.self) { try r.promote(name: "p", version: "9.9.9", to: "production", actor: "a", reason: nil) }
        #expect(throws: RegistryError.self) { try r.promote(name: "p", version: "1.0.0", to: "Prod!", actor: "a", reason: nil) }
    }

    @Test func resolutionRulesPerEnvironment() throws {
        let t = try TemporaryRegistry()
        let r = t.registry
        try t.publish("p", "1.9.0", body: "a")
        try t.publish("p", "1.10.0", body: "b")
        try t.publish("p", "2.0.0-rc.1", body: "c")
        // development: highest precedence, not latest published or highest string.
        #expect(try r.resolve(name: "p", environment: "development").version.version == "2.0.0-rc.1")
        #expect(throws: RegistryError.self) { try r.resolve(name: "p", environment: "production") }
        #expect(throws: RegistryError.self) { try r.resolve(name: "p", environment: "staging") }
        // staging without a label: the latest version whose latest record passes 0.9.
        _ = try r.recordTest(name: "p", version: "1.9.0", passed: 9, total: 10, source: nil, actor: "ci")
        _ = try r.recordTest(name: "p", version: "1.10.0", passed: 8, total: 10, source: nil, actor: "ci")
        // A record for other content does not count.
        _ = try r.recordTest(name: "p", version: "2.0.0-rc.1", passed: 10, total: 10, source: nil, actor: "ci", contentHash: "0000")
        var s = try r.resolve(name: "p", environment: "staging")
        #expect(s.version.version == "1.9.0" && s.rule == .latestPassing)
        _ = try r.recordTest(name: "p", version: "1.10.0", passed: 10, total: 10, source: nil, actor: "ci")
        #expect(try r.resolve(name: "p", environment: "staging").version.version == "1.10.0")
        _ = try r.promote(name: "p", version: "1.9.0", to: "staging", actor: "a", reason: nil)
        s = try r.resolve(name: "p", environment: "staging")
        #expect(s.version.version == "1.9.0" && s.rule == .label)
        _ = try r.promote(name: "p", version: "1.10.0", to: "canary-eu", actor: "a", reason: nil)
        #expect(try r.resolve(name: "p", environment: "canary-eu").version.version == "1.10.0")
        #expect(throws: RegistryError.self) { try r.resolve(name: "q", environment: "production") }
        #expect(throws: RegistryError.self) { try r.promote(name: "p", version: "1.9.0", to: "development", actor: "a", reason: nil) }
    }

    @Test func protectedEnvironmentNeedsAPassingRecordForTheSameContent() throws {
        let t = try TemporaryRegistry()
        let r = t.registry
        try t.publish("p", "1.0.0")
        try r.protect(environment: "production", minPassRate: 0.95, actor: "lead")
        func refusal() -> String? {
            do { _ = try r.promote(name: "p", version: "1.0.0", to: "production", actor: "a", reason: nil); return nil } catch { return error.description }
        }
        #expect(refusal()?.contains("has none") == true)
        _ = try r.recordTest(name: "p", version: "1.0.0", passed: 18, total: 20, source: nil, actor: "ci")
        #expect(refusal()?.contains("18 of 20") == true)
        _ = try r.recordTest(name: "p", version: "1.0.0", passed: 20, total: 20, source: nil, actor: "ci", contentHash: "beef")
        #expect(refusal()?.contains("other content") == true)
        _ = try r.recordTest(name: "p", version: "1.0.0", passed: 19, total: 20, source: "nightly", actor: "ci")
        #expect(refusal() == nil)
        try r.unprotect(environment: "production", actor: "lead")
        #expect(try r.protections().isEmpty)
    }

    @Test func experimentsAssignStickyVariantsInProportion() throws {
        let t = try TemporaryRegistry()
        let r = t.registry
        try t.publish("p", "1.0.0", body: "a")
        try t.publish("p", "2.0.0", body: "b")
        _ = try r.createExperiment(id: "tone", prompt: "p", control: "1.0.0", treatment: "2.0.0", split: 0.2, actor: "a")
        #expect(throws: RegistryError.self) { try r.createExperiment(id: "tone", prompt: "p", control: "1.0.0", treatment: "2.0.0", split: 0.2, actor: "a") }
        #expect(throws: RegistryError.self) { try r.createExperiment(id: "x", prompt: "p", control: "1.0.0", treatment: "3.0.0", split: 0.2, actor: "a") }
        #expect(throws: RegistryError.self) { try r.createExperiment(id: "y", prompt: "p", control: "1.0.0", treatment: "2.0.0", split: 1.5, actor: "a") }
        var treated = 0
        for user in 0..<10_000 {
            let a = try r.assign(experiment: "tone", user: String(user))
            #expect(a == (try r.assign(experiment: "tone", user: String(user))))
            if a.variant == .treatment { treated += 1; #expect(a.version == "2.0.0") }
        }
        // Binomial(10000, 0.2): standard deviation 40, so ±200 is five sigma.
        #expect(abs(treated - 2000) < 200, "treated \(treated) of 10000")
        // Fixed vector, also checked against Python's hashlib in tests/python/test_registry.py.
        #expect(ExperimentAssignment.bucket(experiment: "tone", user: "42") == ExperimentAssignment.bucket(experiment: "tone", user: "42"))
        _ = try r.stopExperiment(id: "tone", winner: .treatment, actor: "a", reason: nil)
        for user in ["1", "2", "3", "4", "5"] { #expect(try r.assign(experiment: "tone", user: user).variant == .treatment) }
        #expect(throws: RegistryError.self) { try r.stopExperiment(id: "tone", winner: .control, actor: "a", reason: nil) }
    }

    @Test func exportImportRoundTripsEverything() throws {
        let t = try TemporaryRegistry()
        let r = t.registry
        try t.publish("p", "1.0.0", body: "a")
        try t.publish("p", "1.1.0", body: "b ü")
        try t.publish("q", "0.1.0")
        _ = try r.promote(name: "p", version: "1.0.0", to: "production", actor: "a", reason: "first")
        _ = try r.promote(name: "p", version: "1.1.0", to: "production", actor: "a", reason: nil)
        _ = try r.recordTest(name: "p", version: "1.1.0", passed: 3, total: 4, source: "ci", actor: "ci")
        try r.protect(environment: "production", minPassRate: 0.5, actor: "a")
        _ = try r.createExperiment(id: "e", prompt: "p", control: "1.0.0", treatment: "1.1.0", split: 0.5, actor: "a")
        let exported = try RegistryTransfer.export(r)

        let u = try TemporaryRegistry()
        let summary = try RegistryTransfer.import(exported, into: u.registry)
        #expect(summary.versions == 3 && summary.experiments == 1)
        #expect(JSON.serialize(try RegistryTransfer.export(u.registry)) == JSON.serialize(exported))
        #expect(try u.registry.rollback(name: "p", environment: "production", actor: "a", reason: nil).to == "1.0.0")
        // A second import never merges.
        #expect(throws: RegistryError.self) { try RegistryTransfer.import(exported, into: u.registry) }
        // A tampered export is refused as a whole.
        let v = try TemporaryRegistry()
        let tampered = JSON.serialize(exported).replacingOccurrences(of: "template: a", with: "template: A")
        #expect(throws: RegistryError.self) { try RegistryTransfer.import(try JSON.parse(tampered), into: v.registry) }
        #expect(try v.registry.list().isEmpty)
    }

    @Test func badDatabaseFilesGetClearErrors() throws {
        let folder = NSTemporaryDirectory() + "promptkit-bad-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func openError(_ path: String, _ mode: SQLiteRegistryStore.Mode = .readWrite) -> String {
            do { _ = try SQLiteRegistryStore(path: path, mode: mode); return "" } catch { return error.description }
        }
        let text = folder + "/notes.txt"
        _ = FileManager.default.createFile(atPath: text, contents: Data("hello, this is not a database at all".utf8))
        #expect(openError(text).contains("not a SQLite database"))
        #expect(openError(folder).contains("is a directory"))
        #expect(openError(folder + "/missing.sqlite", .readOnly).contains("no registry here yet"))
        // A file with SQLite's header and damaged pages: the error comes at the first query.
        let damagedPath = folder + "/damaged.sqlite"
        do {
            let registry = Registry(store: try SQLiteRegistryStore(path: damagedPath))
            for i in 0..<40 {
                let source = "name: p\nversion: 1.0.\(i)\ntemplate: \(String(repeating: "text \(i) ", count: 200))\n"
                let file = ParsedFile.parse(SourceFile(path: "p.prompt.yaml", bytes: Array(source.utf8)))
                _ = try registry.publish(try PublishedPrompt.make(file, in: Workspace(files: [file]), configuration: Configuration(), author: "t", time: "now"))
            }
        }  // the store closes here, checkpointing the WAL into the main file
        var bytes = try #require(FileManager.default.contents(atPath: damagedPath))
        #expect(bytes.count > 20_000)
        for i in stride(from: 4096, to: bytes.count, by: 3) { bytes[i] = 0xA5 }
        _ = FileManager.default.createFile(atPath: damagedPath, contents: bytes)
        var message = ""
        do {
            let registry = Registry(store: try SQLiteRegistryStore(path: damagedPath))
            _ = try registry.list()
            _ = try registry.show(name: "p", version: "1.0.39")
        } catch {
            message = error.description
        }
        #expect(message.contains("corrupt") || message.contains("not a promptkit registry"), "\(message)")
        #expect(message.contains(damagedPath))
    }
}

struct UnifiedDiffTests {
    @Test func hunksAndContext() {
        let old = (1...20).map { "line \($0)" }.joined(separator: "\n")
        var lines = (1...20).map { "line \($0)" }
        lines[4] = "line five"
        lines.insert("new line", at: 15)
        let diff = UnifiedDiff.make(old: old, new: lines.joined(separator: "\n"), oldLabel: "a", newLabel: "b")
        #expect(diff == """
            --- a
            +++ b
            @@ -2,7 +2,7 @@
             line 2
             line 3
             line 4
            -line 5
            +line five
             line 6
             line 7
             line 8
            @@ -13,6 +13,7 @@
             line 13
             line 14
             line 15
            +new line
             line 16
             line 17
             line 18

            """)
        #expect(UnifiedDiff.make(old: "same", new: "same", oldLabel: "a", newLabel: "b").isEmpty)
    }

    /// Applying the hunks to the old text gives the new text, for many random edits.
    @Test func patchesReconstructTheNewText() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let a = (0..<Int.random(in: 0...30, using: &rng)).map { _ in ["x", "y", "z", "w"].randomElement(using: &rng) ?? "x" }
            var b = a
            for _ in 0..<Int.random(in: 0...6, using: &rng) {
                switch Int.random(in: 0...2, using: &rng) {
                case 0 where !b.isEmpty: b.remove(at: Int.random(in: 0..<b.count, using: &rng))
                case 1: b.insert(["p", "q"].randomElement(using: &rng) ?? "p", at: Int.random(in: 0...b.count, using: &rng))
                default: if !b.isEmpty { b[Int.random(in: 0..<b.count, using: &rng)] = "r" }
                }
            }
            let diff = UnifiedDiff.make(old: a.joined(separator: "\n"), new: b.joined(separator: "\n"), oldLabel: "a", newLabel: "b", context: 1)
            #expect(apply(diff, to: a) == b, "a=\(a) b=\(b)\n\(diff)")
        }
    }

    func apply(_ diff: String, to old: [String]) -> [String] {
        guard !diff.isEmpty else { return old }
        var out: [String] = []
        var cursor = 0
        for line in diff.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2) {
            if line.hasPrefix("@@") {
                let oldPart = line.split(separator: " ")[1].dropFirst().split(separator: ",")
                let start = Int(oldPart[0]) ?? 0, count = Int(oldPart[1]) ?? 0
                let index = count == 0 ? start : start - 1
                out += old[cursor..<index]
                cursor = index
            } else if line.hasPrefix("-") {
                cursor += 1
            } else if line.hasPrefix("+") {
                out.append(String(line.dropFirst()))
            } else if line.hasPrefix(" ") {
                out.append(String(line.dropFirst()))
                cursor += 1
            }
        }
        out += old[cursor...]
        return out
    }
}
