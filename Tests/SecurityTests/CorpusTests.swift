import Foundation
@testable import Security
import Testing

/// The labelled corpus (Tests/SecurityTests/Corpus, provenance in PROVENANCE.md) measured with
/// the scanners the lint rules use. The targets are the issue's: injection F1 ≥ 0.85 with at most
/// 5% false positives on hard negatives, secrets F1 ≥ 0.95. `PROMPTKIT_SECURITY_REPORT=path`
/// writes the per-family and per-category figures docs/security-rules.md publishes.
struct CorpusTests {
    struct Item {
        let id: String
        let text: String
        let label: Bool
        let category: String
        let source: String
    }

    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    static func load(_ name: String) throws -> [Item] {
        let data = try String(contentsOf: corpus.appendingPathComponent(name), encoding: .utf8)
        return try data.split(separator: "\n").map { line in
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return Item(id: o["id"] as? String ?? "", text: o["text"] as? String ?? "", label: (o["label"] as? Int ?? 0) == 1,
                        category: o["category"] as? String ?? "", source: o["source"] as? String ?? "")
        }
    }

    /// What the lint reports for an untrusted sample value (PK510–PK523 without structure).
    static func injectionFlagged(_ text: String) -> Bool {
        !InjectionScanner.scan(text).isEmpty || !HiddenCharacters.invisible(text).isEmpty || !HiddenCharacters.tags(Array(text.utf8)).isEmpty
    }

    struct Score: Codable {
        var tp = 0, fp = 0, fn = 0, tn = 0
        var precision: Double { tp + fp == 0 ? 1 : Double(tp) / Double(tp + fp) }
        var recall: Double { tp + fn == 0 ? 1 : Double(tp) / Double(tp + fn) }
        var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
        mutating func add(label: Bool, flagged: Bool) {
            switch (label, flagged) {
            case (true, true): tp += 1
            case (true, false): fn += 1
            case (false, true): fp += 1
            case (false, false): tn += 1
            }
        }
    }

    static func score(_ items: [Item], _ flagged: (String) -> Bool) -> (Score, [String: Score], [Item]) {
        var total = Score()
        var byCategory: [String: Score] = [:]
        var misses: [Item] = []
        for item in items {
            let f = flagged(item.text)
            total.add(label: item.label, flagged: f)
            byCategory[item.category, default: Score()].add(label: item.label, flagged: f)
            if f != item.label { misses.append(item) }
        }
        return (total, byCategory, misses)
    }

    static func report(_ family: String, _ s: Score, _ cats: [String: Score], _ misses: [Item]) {
        print(String(format: "%@: P %.3f R %.3f F1 %.3f (tp %d fp %d fn %d tn %d)", family, s.precision, s.recall, s.f1, s.tp, s.fp, s.fn, s.tn))
        for (c, v) in cats.sorted(by: { $0.key < $1.key }) {
            print(String(format: "  %@: tp %d fp %d fn %d tn %d", c, v.tp, v.fp, v.fn, v.tn))
        }
        for m in misses.prefix(400) { print("  MISS \(m.id) [\(m.category)] label=\(m.label): \(m.text.prefix(110).replacingOccurrences(of: "\n", with: "⏎"))") }
        if let path = ProcessInfo.processInfo.environment["PROMPTKIT_SECURITY_REPORT"] {
            var all = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))) as? [String: Any] ?? [:]
            func obj(_ s: Score) -> [String: Any] { ["tp": s.tp, "fp": s.fp, "fn": s.fn, "tn": s.tn, "precision": s.precision, "recall": s.recall, "f1": s.f1] }
            all[family] = ["total": obj(s), "categories": cats.mapValues(obj)]
            if let data = try? JSONSerialization.data(withJSONObject: all, options: [.prettyPrinted, .sortedKeys]) {
                try? data.write(to: URL(fileURLWithPath: path))
            }
        }
    }

    @Test func injection() throws {
        let items = try Self.load("injection.jsonl")
        let (s, cats, misses) = Self.score(items, Self.injectionFlagged)
        Self.report("injection", s, cats, misses)
        #expect(s.f1 >= 0.85, "injection F1 \(s.f1)")
        let hard = cats["hard-negative"] ?? Score()
        let fpRate = Double(hard.fp) / Double(max(1, hard.fp + hard.tn))
        #expect(fpRate <= 0.05, "false positives on hard negatives: \(hard.fp) of \(hard.fp + hard.tn)")
    }

    @Test func secrets() throws {
        let items = try Self.load("secrets.jsonl")
        let (s, cats, misses) = Self.score(items) { !SecretScanner.scan($0).isEmpty }
        Self.report("secrets", s, cats, misses)
        #expect(s.f1 >= 0.95, "secrets F1 \(s.f1)")
    }

    @Test func pii() throws {
        let items = try Self.load("pii.jsonl")
        let (s, cats, misses) = Self.score(items) { !PIIScanner.scan($0).isEmpty }
        Self.report("pii", s, cats, misses)
        #expect(s.f1 >= 0.9, "PII F1 \(s.f1)")
    }
}
