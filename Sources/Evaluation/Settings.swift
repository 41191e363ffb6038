import CoreSupport
import Foundation
import PromptSyntax

/// The `evaluation:` section of `promptkit.yaml` (docs/testing.md).
///
/// ```yaml
/// evaluation:
///   provider: recorded            # for tests that name none (default: recorded)
///   budget_usd: 5                 # stop the run once live calls cost this much
///   cache: {ttl: 7d, path: .promptkit/cache.sqlite}
///   judge: {provider: local, model: gpt-4o-mini}   # for llm-rubric
///   providers:
///     local:
///       type: openai-compatible
///       base_url: http://localhost:8000/v1
///       api_key_env: OPENAI_API_KEY
///       timeout: 60s
///       max_retries: 4
///       concurrency: 4
/// ```
public struct EvaluationSettings: Sendable {
    public struct ProviderSettings: Sendable {
        public var name: String
        public var baseURL: URL
        public var apiKeyVariable: String?
        public var headers: [String: String] = [:]
        public var reliability = ReliabilitySettings()
    }

    public var defaultProvider = "recorded"
    public var providers: [String: ProviderSettings] = [:]
    public var budget: Double?
    public var cacheTTL: Double = 7 * 86_400
    public var cachePath: String?
    public var judgeProvider: String?
    public var judgeModel: String?

    public init() {}

    public struct Problem: Sendable {
        public let message: String
        public let range: TextRange
    }

    /// Reads the section from the whole `promptkit.yaml`; problems are reported, never fatal.
    public static func parse(_ bytes: [UInt8]) -> (EvaluationSettings, [Problem]) {
        var settings = EvaluationSettings()
        var problems: [Problem] = []
        let doc = YAMLParser.parse(bytes)
        guard let section = doc.root?["evaluation"] else { return (settings, problems) }
        func problem(_ node: YAMLNode, _ message: String) { problems.append(Problem(message: message, range: node.range)) }
        guard let pairs = section.mapping else {
            problem(section, "`evaluation` must be a mapping (provider, providers, budget_usd, cache, judge)")
            return (settings, problems)
        }
        func number(_ node: YAMLNode, _ field: String, min: Double = 0) -> Double? {
            switch node.scalar?.resolved {
            case .int(let i)? where Double(i) >= min: return Double(i)
            case .double(let d)? where d >= min: return d
            default: problem(node, "`\(field)` must be a number ≥ \(Value.formatDouble(min))"); return nil
            }
        }
        func duration(_ node: YAMLNode, _ field: String) -> Double? {
            if let s = node.scalar?.value, let d = parseDuration(s) { return d }
            problem(node, "`\(field)` must be a duration: seconds, or a number with ms, s, m, h or d (`30s`, `7d`)")
            return nil
        }
        func string(_ node: YAMLNode, _ field: String) -> String? {
            guard let s = node.scalar?.value, !s.isEmpty else { problem(node, "`\(field)` must be a string"); return nil }
            return s
        }
        for pair in pairs {
            guard let key = pair.key.scalar?.value else { continue }
            let v = pair.value
            switch key {
            case "provider": settings.defaultProvider = string(v, "evaluation.provider") ?? settings.defaultProvider
            case "budget_usd": settings.budget = number(v, "evaluation.budget_usd")
            case "cache":
                for c in v.mapping ?? [] {
                    switch c.key.scalar?.value {
                    case "ttl": settings.cacheTTL = duration(c.value, "evaluation.cache.ttl") ?? settings.cacheTTL
                    case "path": settings.cachePath = string(c.value, "evaluation.cache.path")
                    default: problem(c.key, "unknown key in `evaluation.cache` (expected ttl, path)")
                    }
                }
            case "judge":
                for j in v.mapping ?? [] {
                    switch j.key.scalar?.value {
                    case "provider": settings.judgeProvider = string(j.value, "evaluation.judge.provider")
                    case "model": settings.judgeModel = string(j.value, "evaluation.judge.model")
                    default: problem(j.key, "unknown key in `evaluation.judge` (expected provider, model)")
                    }
                }
            case "providers":
                guard let list = v.mapping else { problem(v, "`evaluation.providers` must map provider names to settings"); continue }
                for p in list {
                    guard let name = p.key.scalar?.value else { continue }
                    if name == "recorded" { problem(p.key, "`recorded` is the built-in offline provider; choose another name"); continue }
                    if let parsed = parseProvider(name, p.value, problem: problem, number: number, duration: duration, string: string) {
                        settings.providers[name] = parsed
                    }
                }
            default:
                let suggestion = DidYouMean.suggestion(for: key, among: ["provider", "providers", "budget_usd", "cache", "judge"])
                problem(pair.key, "unknown key `evaluation.\(key)`" + (suggestion.map { "; did you mean `\($0)`?" } ?? ""))
            }
        }
        return (settings, problems)
    }

    static func parseProvider(_ name: String, _ node: YAMLNode, problem: (YAMLNode, String) -> Void,
                              number: (YAMLNode, String, Double) -> Double?, duration: (YAMLNode, String) -> Double?,
                              string: (YAMLNode, String) -> String?) -> ProviderSettings? {
        guard let pairs = node.mapping else { problem(node, "provider `\(name)` must be a mapping with type and base_url"); return nil }
        var type: String?
        var baseURL: URL?
        var settings = ReliabilitySettings()
        var apiKey: String?
        var headers: [String: String] = [:]
        let field = "evaluation.providers.\(name)"
        for p in pairs {
            guard let key = p.key.scalar?.value else { continue }
            let v = p.value
            func int(_ minimum: Double) -> Int? { number(v, "\(field).\(key)", minimum).map { Int($0) } }
            switch key {
            case "type": type = string(v, "\(field).type")
            case "base_url":
                if let s = string(v, "\(field).base_url") {
                    if let url = URL(string: s), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil {
                        baseURL = url
                    } else {
                        problem(v, "`\(field).base_url` must be an http(s) URL such as https://api.openai.com/v1")
                    }
                }
            case "api_key_env": apiKey = string(v, "\(field).api_key_env")
            case "headers":
                for h in v.mapping ?? [] { if let k = h.key.scalar?.value, let value = h.value.scalar?.value { headers[k] = value } }
            case "timeout": settings.timeout = duration(v, "\(field).timeout") ?? settings.timeout
            case "max_retries": settings.maxRetries = int(0) ?? settings.maxRetries
            case "backoff_base": settings.backoffBase = duration(v, "\(field).backoff_base") ?? settings.backoffBase
            case "backoff_max": settings.backoffMax = duration(v, "\(field).backoff_max") ?? settings.backoffMax
            case "max_retry_after": settings.maxRetryAfter = duration(v, "\(field).max_retry_after") ?? settings.maxRetryAfter
            case "concurrency": settings.concurrency = int(1) ?? settings.concurrency
            case "breaker_failures": settings.breakerFailures = int(1) ?? settings.breakerFailures
            case "breaker_cooldown": settings.breakerCooldown = duration(v, "\(field).breaker_cooldown") ?? settings.breakerCooldown
            default: problem(p.key, "unknown key `\(field).\(key)`")
            }
        }
        guard type == "openai-compatible" else {
            problem(node, "provider `\(name)` needs `type: openai-compatible` (the only live provider type)")
            return nil
        }
        guard let baseURL else { problem(node, "provider `\(name)` needs `base_url`"); return nil }
        return ProviderSettings(name: name, baseURL: baseURL, apiKeyVariable: apiKey, headers: headers, reliability: settings)
    }

    /// `90`, `1.5`, `250ms`, `30s`, `5m`, `2h`, `7d` → seconds.
    public static func parseDuration(_ text: String) -> Double? {
        let s = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, factor) in units where s.hasSuffix(suffix) {
            if let n = Double(s.dropLast(suffix.count)), n >= 0, n.isFinite { return n * factor }
        }
        if let n = Double(s), n >= 0, n.isFinite { return n }
        return nil
    }
}
