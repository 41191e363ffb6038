import Foundation
import ModelCatalog
import Testing
@testable import Tokenizer

/// Exactness without Python: tiktoken 0.14's ids for the tricky cases, written by
/// `scripts/tokenizer/parity.py --write-golden` (the full parity run lives in that script).
@Suite struct TiktokenGoldenTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let bytes: [UInt8]
        let expected: [Encoding.Name: [UInt32]]
        var testDescription: String { String(decoding: bytes.prefix(40), as: UTF8.self).debugDescription }
    }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/tiktoken-expected.json")
        guard let data = try? Data(contentsOf: url),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let items = root["cases"] as? [[String: Any]] else { return [] }
        return items.compactMap { item in
            guard let hex = item["hex"] as? String else { return nil }
            var bytes: [UInt8] = []
            var index = hex.startIndex
            while index < hex.endIndex {
                let next = hex.index(index, offsetBy: 2)
                bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
                index = next
            }
            var expected: [Encoding.Name: [UInt32]] = [:]
            for name in Encoding.Name.allCases {
                expected[name] = (item[name.rawValue] as? [Int])?.map { UInt32($0) }
            }
            return Case(bytes: bytes, expected: expected)
        }
    }()

    @Test func goldenFileIsPresent() {
        #expect(Self.cases.count > 150)
    }

    @Test(arguments: cases)
    func idsMatchTiktoken(_ c: Case) {
        for name in Encoding.Name.allCases {
            let encoding = Encoding.named(name)
            #expect(encoding.encodeOrdinary(bytes: c.bytes) == c.expected[name], "\(name.rawValue)")
            #expect(encoding.count(bytes: c.bytes) == c.expected[name]?.count)
        }
    }
}

@Suite struct EncodingBehaviourTests {
    @Test func specialTokensArePlainTextUnlessAllowed() {
        let enc = Encoding.named(.cl100kBase)
        let text = "a<|endoftext|>b"
        #expect(!enc.encodeOrdinary(text).contains(100257))
        #expect(enc.encode(text, allowedSpecial: ["<|endoftext|>"]) == enc.encodeOrdinary("a") + [100257] + enc.encodeOrdinary("b"))
        #expect(enc.encode(text, allowedSpecial: ["<|fim_prefix|>"]) == enc.encodeOrdinary(text))
    }

    @Test func decodeRoundTripsBytes() throws {
        for name in Encoding.Name.allCases {
            let enc = Encoding.named(name)
            let text = "Grüße, 世界 👨‍👩‍👧‍👦\r\n  don't\tstop"
            #expect(try #require(enc.decode(enc.encodeOrdinary(text))) == Array(text.utf8))
            #expect(enc.decode([UInt32.max]) == nil)
        }
    }

    @Test func emptyInputIsZeroTokens() {
        #expect(Encoding.named(.o200kBase).count("") == 0)
        #expect(Encoding.named(.o200kBase).encodeOrdinary(bytes: []) == [])
    }

    @Test func crlfIsKept() {
        let enc = Encoding.named(.cl100kBase)
        #expect(enc.encodeOrdinary("a\r\nb") != enc.encodeOrdinary("a\nb"))
    }

    /// Long pieces go through the chunked merge (their ids are checked against tiktoken by the
    /// parity harness); here: they decode back to the input, and a million spaces do not fail.
    @Test func longPiecesAreStableAcrossChunkBoundaries() {
        let enc = Encoding.named(.o200kBase)
        for unit in ["a", " ", "ab", "xyz", "=", "\n"] {
            let long = String(repeating: unit, count: 5_000)
            let ids = enc.encodeOrdinary(long)
            #expect(enc.decode(ids) == Array(long.utf8))
        }
        // A million spaces: tiktoken's regex engine overflows its stack; this must not.
        let spaces = String(repeating: " ", count: 1_000_000) + "x"
        #expect(enc.count(spaces) > 0)
    }
}

@Suite struct StreamingAndIncrementalTests {
    struct Rng {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static let alphabet: [String] = ["a", "B", " ", "  ", "\n", "\r\n", "'s", "'", "1", "234", "!", ".", "/", "é", "e\u{301}", "日本", "👍🏽", "\u{3000}", "ǅ", "\t", "ſ"]

    static func randomText(_ rng: inout Rng, _ length: Int) -> String {
        (0..<length).map { _ in alphabet[rng.next(alphabet.count)] }.joined()
    }

    @Test(arguments: Encoding.Name.allCases)
    func streamingEqualsOneShot(_ name: Encoding.Name) {
        let enc = Encoding.named(name)
        var rng = Rng(state: 42)
        for _ in 0..<40 {
            var bytes = Array(Self.randomText(&rng, 300).utf8)
            if rng.next(3) == 0 { bytes.insert(0xFF, at: rng.next(bytes.count)) }
            if rng.next(3) == 0 { bytes.append(0xE2) }  // cut multibyte sequence at the very end
            var stream = TokenStream(encoding: enc)
            var ids: [UInt32] = []
            var offset = 0
            while offset < bytes.count {
                let size = 1 + rng.next(17)
                stream.feed(Array(bytes[offset..<min(offset + size, bytes.count)])) { ids.append($0) }
                offset += size
            }
            stream.finish { ids.append($0) }
            #expect(ids == enc.encodeOrdinary(bytes: bytes))
        }
    }

    @Test(arguments: Encoding.Name.allCases)
    func incrementalEqualsFullRecount(_ name: Encoding.Name) {
        let enc = Encoding.named(name)
        var rng = Rng(state: 7)
        let counter = IncrementalTokenCounter(encoding: enc, text: Self.randomText(&rng, 400))
        #expect(counter.tokenCount == enc.count(counter.text))
        for step in 0..<600 {
            let count = counter.utf8Count
            let start = rng.next(count + 1)
            let end = min(count, start + rng.next(6))
            let insert = rng.next(4) == 0 ? "" : Self.randomText(&rng, 1 + rng.next(3))
            counter.replace(utf8Range: start..<end, with: insert)
            let expected = enc.count(counter.text)
            #expect(counter.tokenCount == expected, "after edit \(step)")
            if counter.tokenCount != expected { break }
        }
        counter.replace(utf8Range: 0..<counter.utf8Count, with: "")
        #expect(counter.tokenCount == 0)
    }
}

@Suite struct ModelCatalogTests {
    @Test func builtInCatalogIsCompleteAndSourced() throws {
        let catalog = ModelCatalog.builtIn
        for id in ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3", "gpt-5", "claude-sonnet-4-5", "gemini-2.5-pro", "llama-3.3-70b-instruct", "mistral-large-latest"] {
            let model = try #require(catalog.model(id), "\(id)")
            #expect(model.source != nil && model.asOf != nil)
            #expect(model.contextWindow != nil)
        }
        #expect(catalog.model("gpt-4o-2024-08-06")?.id == "gpt-4o")
        #expect(catalog.model("gpt-4o")?.tokenizer == .exact(.o200kBase))
        #expect(catalog.model("gpt-4")?.tokenizer == .exact(.cl100kBase))
        #expect(catalog.model("claude-sonnet-4-5")?.tokenizer.isEstimate == true)
        #expect(catalog.suggestion(for: "gpt4o") == "gpt-4o")
    }

    @Test func overridesUpdateAndAdd() throws {
        let (catalog, problems) = ModelCatalog.builtIn.applying([
            .object(.init([("id", .string("gpt-4o")), ("input_per_million", .double(1.0))])),
            .object(.init([("id", .string("acme-7b")), ("tokenizer", .string("cl100k_base")), ("context_window", .int(4096))])),
            .object(.init([("id", .string("broken")), ("context_window", .string("big"))])),
        ])
        #expect(catalog.model("gpt-4o")?.inputPerMillion == 1.0)
        #expect(catalog.model("gpt-4o")?.contextWindow == 128_000)
        #expect(catalog.model("acme-7b")?.contextWindow == 4096)
        #expect(problems.count == 1)
    }
}
