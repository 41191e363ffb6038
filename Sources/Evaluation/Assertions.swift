import CoreSupport
import Foundation
import PromptSyntax
import Security

public enum AssertionKind: String, Sendable, CaseIterable {
    case equals, contains, icontains
    case containsAny = "contains-any", containsAll = "contains-all", notContains = "not-contains"
    case startsWith = "starts-with", regex
    case isJSON = "is-json", jsonSchema = "json-schema"
    case maxTokens = "max-tokens", maxCost = "max-cost", maxLatency = "max-latency"
    case bleu, rouge1 = "rouge-1", rouge2 = "rouge-2", rougeL = "rouge-l"
    case noPII = "no-pii", noPromptLeak = "no-prompt-leak", llmRubric = "llm-rubric"

    /// Assertions that need no `value`.
    var valueIsOptional: Bool { [.isJSON, .noPII, .noPromptLeak].contains(self) }
    /// Assertions compared against `threshold` (a minimum score, 0–1).
    var isScore: Bool { [.bleu, .rouge1, .rouge2, .rougeL, .llmRubric].contains(self) }
}

/// One assertion as written: `- is-json`, `- contains: text`, or the long form
/// `{type: rouge-l, value: reference, threshold: 0.4}`.
public struct AssertionSpec: Sendable {
    public let kind: AssertionKind
    public let value: Value?
    public let threshold: Double?
    public let range: TextRange
    let schema: JSONSchemaSubset?

    public static let defaultScoreThreshold = 0.5
    public static let defaultLeakWords = 10

    struct ReadError: Error {
        let range: TextRange
        let message: String
    }

    static func read(_ node: YAMLNode, document: YAMLDocument) throws(ReadError) -> AssertionSpec {
        func kind(_ name: String, _ range: TextRange) throws(ReadError) -> AssertionKind {
            guard let k = AssertionKind(rawValue: name) else {
                let suggestion = DidYouMean.suggestion(for: name, among: AssertionKind.allCases.map(\.rawValue))
                throw ReadError(range: range, message: "unknown assertion `\(name)`" + (suggestion.map { "; did you mean `\($0)`?" } ?? ""))
            }
            return k
        }
        func convert(_ n: YAMLNode) throws(ReadError) -> Value {
            let c = YAMLValues.value(of: n, in: document)
            if let limit = c.limitError { throw ReadError(range: n.range, message: limit) }
            return c.value
        }
        if let s = node.scalar {
            let k = try kind(s.value, node.range)
            guard k.valueIsOptional else { throw ReadError(range: node.range, message: "`\(k.rawValue)` needs a value: `- \(k.rawValue): …`") }
            return try make(k, value: nil, threshold: nil, range: node.range)
        }
        guard let pairs = node.mapping, !pairs.isEmpty else {
            throw ReadError(range: node.range, message: "an assertion is a name (`- is-json`), `- name: value`, or a mapping with `type`")
        }
        if node["type"] == nil {
            guard pairs.count == 1, let name = pairs[0].key.scalar?.value else {
                throw ReadError(range: node.range, message: "an assertion with more than one key needs `type:` (the long form: type, value, threshold)")
            }
            return try make(try kind(name, pairs[0].key.range), value: try convert(pairs[0].value), threshold: nil, range: node.range)
        }
        var type: AssertionKind?
        var value: Value?
        var threshold: Double?
        for pair in pairs {
            guard let key = pair.key.scalar?.value else { continue }
            switch key {
            case "type":
                guard let name = pair.value.scalar?.value else { throw ReadError(range: pair.value.range, message: "`type` must be an assertion name") }
                type = try kind(name, pair.value.range)
            case "value": value = try convert(pair.value)
            case "threshold":
                switch try convert(pair.value) {
                case .int(let i): threshold = Double(i)
                case .double(let d): threshold = d
                default: throw ReadError(range: pair.value.range, message: "`threshold` must be a number")
                }
            default:
                throw ReadError(range: pair.key.range, message: "unknown key `\(key)` in an assertion (expected type, value, threshold)")
            }
        }
        guard let type else { throw ReadError(range: node.range, message: "missing `type`") }
        return try make(type, value: value, threshold: threshold, range: node.range)
    }

    static func make(_ kind: AssertionKind, value: Value?, threshold: Double?, range: TextRange) throws(ReadError) -> AssertionSpec {
        func need(_ what: String) -> ReadError { ReadError(range: range, message: "`\(kind.rawValue)` needs \(what)") }
        if value == nil, !kind.valueIsOptional { throw need("a `value`") }
        if let threshold {
            if kind.isScore, !(0...1).contains(threshold) { throw ReadError(range: range, message: "`threshold` is a score between 0 and 1") }
            if !kind.isScore, kind != .noPromptLeak { throw ReadError(range: range, message: "`\(kind.rawValue)` takes no threshold") }
            if kind == .noPromptLeak, threshold < 1 || threshold.rounded() != threshold {
                throw ReadError(range: range, message: "`no-prompt-leak` takes its threshold in words (a whole number, at least 1)")
            }
        }
        var schema: JSONSchemaSubset?
        switch kind {
        case .equals, .contains, .icontains, .notContains, .startsWith, .llmRubric:
            guard case .string? = value else { throw need("a string value") }
        case .regex:
            guard case .string(let p)? = value else { throw need("a regular expression") }
            do { _ = try NSRegularExpression(pattern: p) } catch { throw ReadError(range: range, message: "invalid regular expression: \(p)") }
        case .containsAny, .containsAll:
            guard case .array(let items)? = value, !items.isEmpty, items.allSatisfy({ if case .string = $0 { true } else { false } }) else {
                throw need("a list of strings")
            }
        case .isJSON:
            if let value {
                do { schema = try JSONSchemaSubset(value) } catch { throw ReadError(range: range, message: "schema: \(error.description)") }
            }
        case .jsonSchema:
            guard let value else { throw need("a schema") }
            do { schema = try JSONSchemaSubset(value) } catch { throw ReadError(range: range, message: "schema: \(error.description)") }
        case .maxTokens:
            guard case .int(let n)? = value, n >= 0 else { throw need("a whole number of tokens") }
        case .maxCost, .maxLatency:
            guard let v = value, let n = JSONSchemaSubset.number(v), n >= 0 else {
                throw need(kind == .maxCost ? "a cost in US dollars" : "a latency in milliseconds")
            }
        case .bleu, .rouge1, .rouge2, .rougeL:
            switch value {
            case .string?: break
            case .array(let refs)? where !refs.isEmpty && refs.allSatisfy({ if case .string = $0 { true } else { false } }): break
            default: throw need("a reference text (or a list of them)")
            }
        case .noPII: break
        case .noPromptLeak:
            if value != nil { throw ReadError(range: range, message: "`no-prompt-leak` takes a `threshold` (words), not a value") }
        }
        return AssertionSpec(kind: kind, value: value, threshold: threshold, range: range, schema: schema)
    }
}

/// What an assertion found: whether it passed, the value it computed, and why.
public struct AssertionResult: Sendable {
    public let kind: AssertionKind
    public let passed: Bool
    /// The computed value (a score, a count, a latency…); `null` for plain text checks.
    public let value: Value
    public let threshold: Double?
    public let message: String
    public let range: TextRange
}

/// Everything an assertion may look at.
public struct AssertionContext: Sendable {
    public let output: String
    /// The rendered system messages (for `no-prompt-leak`).
    public let systemPrompt: String
    public let completionTokens: Int?
    public let cost: Double?
    public let latencyMilliseconds: Double
}

public enum Assertions {
    /// Evaluates every assertion but `llm-rubric` (which needs a model call; the runner does it).
    public static func evaluate(_ spec: AssertionSpec, _ context: AssertionContext) -> AssertionResult {
        let output = context.output
        func result(_ passed: Bool, _ value: Value, _ message: String) -> AssertionResult {
            AssertionResult(kind: spec.kind, passed: passed, value: value, threshold: spec.threshold ?? defaultThreshold(spec), message: message, range: spec.range)
        }
        func text(_ v: Value?) -> String { if case .string(let s)? = v { s } else { "" } }
        func strings(_ v: Value?) -> [String] {
            if case .array(let a)? = v { return a.compactMap { if case .string(let s) = $0 { s } else { nil } } }
            if case .string(let s)? = v { return [s] }
            return []
        }
        switch spec.kind {
        case .equals:
            let expected = text(spec.value)
            let same = output.trimmingCharacters(in: .whitespacesAndNewlines) == expected.trimmingCharacters(in: .whitespacesAndNewlines)
            return result(same, .bool(same), same ? "equals the expected text" : "differs from the expected text: \(preview(output))")
        case .contains:
            let needle = text(spec.value)
            let found = output.contains(needle)
            return result(found, .bool(found), found ? "contains \(quote(needle))" : "does not contain \(quote(needle))")
        case .icontains:
            let needle = text(spec.value)
            let found = output.range(of: needle, options: [.caseInsensitive]) != nil
            return result(found, .bool(found), found ? "contains \(quote(needle)) (ignoring case)" : "does not contain \(quote(needle)) (ignoring case)")
        case .notContains:
            let needle = text(spec.value)
            let found = output.contains(needle)
            return result(!found, .bool(found), found ? "contains \(quote(needle))" : "does not contain \(quote(needle))")
        case .containsAny:
            let needles = strings(spec.value)
            let found = needles.filter { output.contains($0) }
            return result(!found.isEmpty, .array(found.map(Value.string)),
                          found.isEmpty ? "contains none of \(needles.map(quote).joined(separator: ", "))" : "contains \(found.map(quote).joined(separator: ", "))")
        case .containsAll:
            let needles = strings(spec.value)
            let missing = needles.filter { !output.contains($0) }
            return result(missing.isEmpty, .array(missing.map(Value.string)),
                          missing.isEmpty ? "contains all \(needles.count)" : "is missing \(missing.map(quote).joined(separator: ", "))")
        case .startsWith:
            let prefix = text(spec.value)
            let ok = output.hasPrefix(prefix)
            return result(ok, .bool(ok), ok ? "starts with \(quote(prefix))" : "starts with \(quote(String(output.prefix(max(prefix.count, 20))))) instead of \(quote(prefix))")
        case .regex:
            let pattern = text(spec.value)
            guard let re = try? NSRegularExpression(pattern: pattern) else { return result(false, .null, "invalid regular expression") }
            let match = re.firstMatch(in: output, range: NSRange(output.startIndex..., in: output))
            let matched = match.flatMap { Range($0.range, in: output) }.map { String(output[$0]) }
            return result(matched != nil, matched.map(Value.string) ?? .null,
                          matched.map { "matches /\(pattern)/ at \(quote($0))" } ?? "does not match /\(pattern)/")
        case .isJSON, .jsonSchema:
            let parsed: Value
            do {
                parsed = try JSON.parse(Array(output.trimmingCharacters(in: .whitespacesAndNewlines).utf8))
            } catch {
                return result(false, .null, "is not JSON: \(error.description)")
            }
            guard let schema = spec.schema else { return result(true, parsed, "is valid JSON") }
            let errors = schema.validate(parsed)
            return result(errors.isEmpty, .array(errors.map(Value.string)),
                          errors.isEmpty ? "matches the schema" : "does not match the schema: " + errors.joined(separator: "; "))
        case .maxTokens:
            let limit = if case .int(let n)? = spec.value { n } else { 0 }
            guard let tokens = context.completionTokens else { return result(false, .null, "the output's token count is unknown") }
            return result(tokens <= limit, .int(tokens), "\(tokens) output tokens (limit \(limit))")
        case .maxCost:
            let limit = spec.value.flatMap(JSONSchemaSubset.number) ?? 0
            guard let cost = context.cost else { return result(false, .null, "the call's cost is unknown (no price for the model in the catalog)") }
            return result(cost <= limit, .double(cost), String(format: "cost $%.6f (limit $%.6f)", cost, limit))
        case .maxLatency:
            let limit = spec.value.flatMap(JSONSchemaSubset.number) ?? 0
            let ms = context.latencyMilliseconds
            return result(ms <= limit, .double(ms.rounded()), String(format: "took %.0f ms (limit %.0f ms)", ms, limit))
        case .bleu:
            let score = Metrics.bleu(output, references: strings(spec.value)).score
            let t = spec.threshold ?? AssertionSpec.defaultScoreThreshold
            return result(score >= t, .double(score), String(format: "BLEU %.4f (threshold %.4f)", score, t))
        case .rouge1, .rouge2, .rougeL:
            let kind: Metrics.ROUGEKind = spec.kind == .rouge1 ? .rouge1 : spec.kind == .rouge2 ? .rouge2 : .rougeL
            // Several references: the best, as rouge-score's `score_multi` takes.
            let score = strings(spec.value).map { Metrics.rouge(kind, prediction: output, reference: $0).fmeasure }.max() ?? 0
            let t = spec.threshold ?? AssertionSpec.defaultScoreThreshold
            return result(score >= t, .double(score), String(format: "%@ F1 %.4f (threshold %.4f)", kind.rawValue.uppercased(), score, t))
        case .noPII:
            let findings = PIIScanner.scan(output)
            return result(findings.isEmpty, .int(findings.count),
                          findings.isEmpty ? "no personal data found" : "found " + findings.prefix(5).map { "\($0.detail.isEmpty ? $0.kind.rawValue : $0.detail) \($0.evidence)" }.joined(separator: ", "))
        case .noPromptLeak:
            let limit = Int(spec.threshold ?? Double(AssertionSpec.defaultLeakWords))
            let span = PromptLeak.longestSharedSpan(output, context.systemPrompt)
            return result(span.words < limit, .int(span.words),
                          span.words < limit ? "longest span shared with the system prompt: \(span.words) words (limit \(limit))"
                              : "repeats \(span.words) words of the system prompt: \(quote(span.text))")
        case .llmRubric:
            return result(false, .null, "needs a judge model")
        }
    }

    static func defaultThreshold(_ spec: AssertionSpec) -> Double? {
        if spec.kind.isScore, spec.kind != .llmRubric { return AssertionSpec.defaultScoreThreshold }
        if spec.kind == .noPromptLeak { return Double(AssertionSpec.defaultLeakWords) }
        return nil
    }

    static func quote(_ s: String) -> String { "\"" + preview(s, limit: 60) + "\"" }

    static func preview(_ s: String, limit: Int = 120) -> String {
        let flat = s.replacingOccurrences(of: "\n", with: "⏎")
        return flat.count <= limit ? flat : String(flat.prefix(limit)) + "…"
    }
}

/// The longest run of words an output shares with the system prompt: a binary search on the run
/// length, each step hashing every window of word ids (O((n + m) · k · log n), no quadratic table).
enum PromptLeak {
    static func words(_ s: String) -> [(word: String, range: Range<String.Index>)] {
        var out: [(String, Range<String.Index>)] = []
        var start: String.Index?
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c.isLetter || c.isNumber {
                if start == nil { start = i }
            } else if let st = start {
                out.append((s[st..<i].lowercased(), st..<i))
                start = nil
            }
            i = s.index(after: i)
        }
        if let st = start { out.append((s[st...].lowercased(), st..<s.endIndex)) }
        return out
    }

    static func longestSharedSpan(_ output: String, _ prompt: String) -> (words: Int, text: String) {
        let o = words(output), p = words(prompt)
        guard !o.isEmpty, !p.isEmpty else { return (0, "") }
        var ids: [String: Int] = [:]
        let oi = o.map { w in ids[w.word] ?? { ids[w.word] = ids.count; return ids.count - 1 }() }
        let pi = p.map { w in ids[w.word] ?? { ids[w.word] = ids.count; return ids.count - 1 }() }
        // Whether a shared run of `k` words exists; returns where it starts in the output.
        func shared(_ k: Int) -> Int? {
            guard k <= o.count, k <= p.count else { return nil }
            var seen: [[Int]: Bool] = [:]
            seen.reserveCapacity(p.count)
            for s in 0...(p.count - k) { seen[Array(pi[s..<(s + k)])] = true }
            for s in 0...(o.count - k) where seen[Array(oi[s..<(s + k)])] != nil { return s }
            return nil
        }
        var lo = 0, hi = min(o.count, p.count), bestStart = 0
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if let s = shared(mid) { lo = mid; bestStart = s } else { hi = mid - 1 }
        }
        guard lo > 0 else { return (0, "") }
        let text = String(output[o[bestStart].range.lowerBound..<o[bestStart + lo - 1].range.upperBound])
        return (lo, text)
    }
}
