import CoreSupport
@testable import Evaluation
import Foundation
import PromptSyntax
import Testing

struct TestDefinitionTests {
    static func suite(_ yaml: String, sidecar: String? = nil) -> TestSuite {
        let doc = YAMLParser.parse(Array(yaml.utf8))
        let file = PromptFileReader.read(doc)
        return TestSuite.read(prompt: file, path: "p.prompt.yaml", sidecar: sidecar.map { ("p.tests.yaml", Array($0.utf8)) })
    }

    @Test func readsShortAndLongAssertionsFromFileAndSidecar() {
        let s = Self.suite("""
            name: p
            template: "{{q}}"
            tests:
              - name: first
                vars: {q: hi}
                assert:
                  - is-json
                  - contains: hello
                  - {type: rouge-l, value: a reference, threshold: 0.4}
            """, sidecar: """
            tests:
              - name: second
                sample: default
                model: gpt-4o
                assert:
                  - contains-any: [a, b]
            """)
        #expect(s.problems.isEmpty, "\(s.problems)")
        #expect(s.tests.map(\.name) == ["first", "second"])
        #expect(s.tests[0].assertions.map(\.kind) == [.isJSON, .contains, .rougeL])
        #expect(s.tests[0].assertions[2].threshold == 0.4)
        #expect(s.tests[1].path == "p.tests.yaml" && s.tests[1].model == "gpt-4o" && s.tests[1].sample == "default")
    }

    @Test func badDefinitionsAreReportedWithTheirPlace() {
        let yaml = """
            name: p
            template: x
            tests:
              - name: a
                asert: []
              - name: b
                assert:
                  - contians: x
                  - contains
                  - {type: bleu, value: ref, threshold: 3}
                  - {type: json-schema, value: {$ref: "#/x"}}
                  - {type: regex, value: "("}
              - name: b
                assert: [is-json]
            """
        let s = Self.suite(yaml)
        let messages = s.problems.map(\.message)
        #expect(messages.contains { $0.contains("unknown key `asert`") && $0.contains("did you mean `assert`") })
        #expect(messages.contains { $0.contains("unknown assertion `contians`") && $0.contains("`contains`") })
        #expect(messages.contains { $0.contains("`contains` needs a value") })
        #expect(messages.contains { $0.contains("threshold` is a score between 0 and 1") })
        #expect(messages.contains { $0.contains("`$ref` is not in promptkit's JSON Schema subset") })
        #expect(messages.contains { $0.contains("invalid regular expression") })
        #expect(messages.contains { $0.contains("two tests are named `b`") })
        // Each problem points into the file: the misspelled key's line.
        let bytes = Array(yaml.utf8)
        let asert = s.problems.first { $0.message.contains("asert") }
        #expect(asert.map { LineIndex(bytes).position(of: $0.range.start).line } == 5)
    }
}

struct JSONSchemaSubsetTests {
    static func schema(_ json: String) throws -> JSONSchemaSubset { try JSONSchemaSubset(try JSON.parse(json)) }

    @Test func validatesTheSubset() throws {
        let s = try Self.schema("""
            {"type": "object", "required": ["area", "urgency"], "additionalProperties": false,
             "properties": {"area": {"enum": ["billing", "outage"]}, "urgency": {"type": "integer", "minimum": 1, "maximum": 4},
                            "tags": {"type": "array", "items": {"type": "string", "minLength": 2}, "uniqueItems": true},
                            "note": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}
            """)
        #expect(s.validate(try JSON.parse(#"{"area": "outage", "urgency": 4, "tags": ["ab"], "note": null}"#)).isEmpty)
        #expect(s.validate(try JSON.parse(#"{"area": "outage", "urgency": 4.0}"#)).isEmpty, "4.0 is an integer in 2020-12")
        let errors = s.validate(try JSON.parse(#"{"area": "sales", "urgency": 9, "tags": ["a", "a"], "extra": 1, "note": 3}"#))
        #expect(errors.contains { $0.hasPrefix("/area:") && $0.contains("must be one of") })
        #expect(errors.contains { $0.hasPrefix("/urgency:") && $0.contains("maximum") })
        #expect(errors.contains { $0.contains("unexpected property `extra`") })
        #expect(errors.contains { $0.hasPrefix("/tags:") && $0.contains("equal") })
        #expect(errors.contains { $0.hasPrefix("/tags/0:") && $0.contains("shorter") })
        #expect(errors.contains { $0.hasPrefix("/note:") && $0.contains("anyOf") })
        #expect(s.validate(try JSON.parse(#"{"area": "billing"}"#)) == ["/: missing the required property `urgency`"])
    }

    @Test func refusesWhatItDoesNotCheck() {
        #expect(throws: JSONSchemaSubset.SchemaError.self) { try Self.schema(##"{"$ref": "#/defs/a"}"##) }
        #expect(throws: JSONSchemaSubset.SchemaError.self) { try Self.schema(#"{"type": "text"}"#) }
        #expect(throws: JSONSchemaSubset.SchemaError.self) { try Self.schema(#"{"properties": {"a": {"if": {}}}}"#) }
        #expect((try? Self.schema(#"{"title": "x", "description": "y", "format": "email", "type": "string"}"#)) != nil)
    }
}

struct AssertionTests {
    static func check(_ kind: AssertionKind, _ value: Value?, threshold: Double? = nil, output: String, system: String = "") throws -> AssertionResult {
        let spec = try AssertionSpec.make(kind, value: value, threshold: threshold, range: TextRange(start: 0, end: 0))
        return Assertions.evaluate(spec, AssertionContext(output: output, systemPrompt: system, completionTokens: 12, cost: 0.002, latencyMilliseconds: 850))
    }

    @Test func textChecksReportWhatTheyFound() throws {
        #expect(try Self.check(.equals, .string("Yes"), output: "  Yes\n").passed)
        #expect(try Self.check(.icontains, .string("REFUND"), output: "a refund").passed)
        #expect(try !Self.check(.notContains, .string("sorry"), output: "so sorry").passed)
        let any = try Self.check(.containsAny, .array([.string("x"), .string("b")]), output: "abc")
        #expect(any.passed && any.value == .array([.string("b")]))
        let all = try Self.check(.containsAll, .array([.string("a"), .string("z")]), output: "abc")
        #expect(!all.passed && all.value == .array([.string("z")]))
        let re = try Self.check(.regex, .string(#"urgency": [0-9]"#), output: #"{"urgency": 3}"#)
        #expect(re.passed && re.value == .string(#"urgency": 3"#))
        #expect(try !Self.check(.startsWith, .string("{"), output: "Sure! {").passed)
    }

    @Test func limitsAndScoresCarryTheirValues() throws {
        let tokens = try Self.check(.maxTokens, .int(10), output: "x")
        #expect(!tokens.passed && tokens.value == .int(12))
        #expect(try Self.check(.maxCost, .double(0.01), output: "x").passed)
        let latency = try Self.check(.maxLatency, .int(500), output: "x")
        #expect(!latency.passed && latency.value == .double(850))
        // sacrebleu 2.6.0: sentence_bleu("the cat is on the mat", ["the cat sat on the mat"]).score / 100
        let bleu = try Self.check(.bleu, .string("the cat sat on the mat"), threshold: 0.3, output: "the cat is on the mat")
        if case .double(let v) = bleu.value { #expect(abs(v - 0.3799178428257963) < 1e-12) } else { Issue.record("no value") }
        // rouge-score 0.1.2 on the same pair: rouge1 0.8333…, rouge2 0.6, rougeL 0.8333…
        #expect(abs(Metrics.rouge(.rouge2, prediction: "the cat is on the mat", reference: "the cat sat on the mat").fmeasure - 0.6) < 1e-12)
        #expect(abs(Metrics.rouge(.rougeL, prediction: "the cat is on the mat", reference: "the cat sat on the mat").fmeasure - 0.8333333333333334) < 1e-12)
    }

    @Test func promptLeakAndPersonalData() throws {
        let system = "You are the support assistant for Acme Cloud. Never reveal internal escalation codes to customers under any circumstances."
        let leak = try Self.check(.noPromptLeak, nil, output: "My instructions: never reveal internal escalation codes to customers under any circumstances!", system: system)
        #expect(!leak.passed && leak.value == .int(10))
        #expect(leak.message.contains("never reveal internal escalation codes"))
        #expect(try Self.check(.noPromptLeak, nil, output: "I can't share that.", system: system).passed)
        let pii = try Self.check(.noPII, nil, output: "Call me at ada@lovelace-labs.com")
        #expect(!pii.passed && pii.value == .int(1))
        #expect(try Self.check(.isJSON, nil, output: " {\"a\": [1, 2]}\n").passed)
        #expect(try !Self.check(.isJSON, nil, output: "```json\n{}\n```").passed)
    }
}

struct ReliabilityTests {
    @Test func breakerOpensFailsFastThenProbesAndCloses() async {
        let breaker = CircuitBreaker(failures: 3, cooldown: 10)
        let t0 = Date(timeIntervalSince1970: 1_000)
        #expect(await breaker.permit(now: t0) == nil)
        for _ in 0..<3 { await breaker.failed(now: t0) }
        let wait = await breaker.permit(now: t0.addingTimeInterval(4))
        #expect(wait.map { abs($0 - 6) < 1e-9 } == true, "open: six more seconds")
        #expect(await breaker.permit(now: t0.addingTimeInterval(10)) == nil, "half-open: one probe goes out")
        #expect(await breaker.permit(now: t0.addingTimeInterval(10)) != nil, "others wait for the probe")
        await breaker.failed(now: t0.addingTimeInterval(11))
        #expect(await breaker.state == .open(until: t0.addingTimeInterval(21)), "a failed probe reopens at once")
        #expect(await breaker.permit(now: t0.addingTimeInterval(21)) == nil)
        await breaker.succeeded()
        #expect(await breaker.state == .closed)
        #expect(await breaker.trips == 2)
    }

    @Test func backoffIsJitteredUnderItsCeilingAndHonoursRetryAfter() {
        var s = ReliabilitySettings()
        s.backoffBase = 0.5
        s.backoffMax = 4
        #expect(s.backoff(attempt: 0, retryAfter: nil, random: 1) == 0.5)
        #expect(s.backoff(attempt: 3, retryAfter: nil, random: 1) == 4)
        #expect(s.backoff(attempt: 10, retryAfter: nil, random: 0.25) == 1)
        #expect(s.backoff(attempt: 0, retryAfter: 7, random: 0.9) == 7)
    }

    @Test func settingsReadProvidersAndReportMistakes() {
        let yaml = """
            evaluation:
              provider: local
              budget_usd: 2.5
              cache: {ttl: 12h}
              providers:
                local:
                  type: openai-compatible
                  base_url: http://127.0.0.1:8080/v1
                  timeout: 250ms
                  max_retries: 2
                broken:
                  type: anthropic
                  base_url: ftp://x
              provders: {}
            """
        let (s, problems) = EvaluationSettings.parse(Array(yaml.utf8))
        #expect(s.defaultProvider == "local" && s.budget == 2.5 && s.cacheTTL == 43_200)
        #expect(s.providers["local"]?.reliability.timeout == 0.25 && s.providers["local"]?.reliability.maxRetries == 2)
        #expect(s.providers["broken"] == nil)
        #expect(problems.contains { $0.message.contains("http(s) URL") })
        #expect(problems.contains { $0.message.contains("type: openai-compatible") })
        #expect(problems.contains { $0.message.contains("did you mean `providers`") })
        #expect(EvaluationSettings.parseDuration("7d") == 604_800 && EvaluationSettings.parseDuration("soon") == nil)
    }

    @Test func cacheHitsWithinTheTTLAndMissesAfter() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pk-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = try ResponseCache(path: dir.appendingPathComponent("c.sqlite").path, ttl: 60)
        let now = Date()
        cache.store("k", provider: "p", Completion(text: "hi", model: "m", promptTokens: 3, completionTokens: 1, latency: 0.2), now: now)
        let hit = cache.lookup("k", now: now.addingTimeInterval(59))
        #expect(hit?.text == "hi" && hit?.cached == true && hit?.promptTokens == 3)
        #expect(cache.lookup("k", now: now.addingTimeInterval(61)) == nil)
        #expect(cache.lookup("other", now: now) == nil)
    }
}
