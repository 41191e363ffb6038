import CTokenizerData
import CoreSupport
import Tokenizer

/// One model: its limits, prices and how its tokens are counted.
public struct ModelInfo: Sendable, Equatable {
    public enum Tokenizer: Sendable, Equatable {
        /// Counts are exact: the model uses this public encoding.
        case exact(Encoding.Name)
        /// The model's tokenizer is not public; counts use `encoding` and are labelled estimates.
        case estimate(Encoding.Name, method: String)

        public var encoding: Encoding.Name {
            switch self { case .exact(let e), .estimate(let e, _): e }
        }
        public var isEstimate: Bool { if case .estimate = self { true } else { false } }
    }

    public var id: String
    public var aliases: [String] = []
    public var provider: String
    public var tokenizer: Tokenizer
    public var contextWindow: Int?
    public var maxOutputTokens: Int?
    /// USD per million input tokens.
    public var inputPerMillion: Double?
    /// USD per million output tokens.
    public var outputPerMillion: Double?
    public var source: String?
    public var pricingSource: String?
    public var asOf: String?
    public var notes: String?

    /// Dollars as the CLI and the editor show them: cents for large sums, more digits for the
    /// fractions of a cent a single call usually costs.
    public static func formatCost(_ dollars: Double) -> String {
        let digits = abs(dollars) >= 1 ? 2 : abs(dollars) >= 0.01 ? 4 : 6
        return (dollars < 0 ? "-$" : "$") + formatFixed(abs(dollars), digits: digits)
    }

    /// Fixed-point text without Foundation's `String(format:)` (this module does not import Foundation).
    static func formatFixed(_ x: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (x * scale).rounded()
        guard scaled < 9e18 else { return String(x) }
        let n = Int(scaled)
        let whole = n / Int(scale), fraction = n % Int(scale)
        let f = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - f.count) + f
    }

    public func inputCost(tokens: Int) -> Double? { inputPerMillion.map { Double(tokens) * $0 / 1_000_000 } }
    public func outputCost(tokens: Int) -> Double? { outputPerMillion.map { Double(tokens) * $0 / 1_000_000 } }
}

/// The model catalog: catalog/models.json compiled into the binary, optionally extended or
/// overridden by `models:` in promptkit.yaml (docs/models.md).
public struct ModelCatalog: Sendable {
    public private(set) var models: [ModelInfo]

    public init(models: [ModelInfo]) { self.models = models }

    /// The built-in catalog. Its JSON is part of the binary and checked by tests.
    public static let builtIn: ModelCatalog = {
        var size = 0
        let bytes = Array(UnsafeBufferPointer(start: pk_models_json_data(&size), count: size))
        do {
            let value = try JSON.parse(bytes)
            guard let list = value["models"], case .array(let items) = list else { return ModelCatalog(models: []) }
            var models: [ModelInfo] = []
            for (i, item) in items.enumerated() {
                models.append(try entry(item, base: nil, path: "models[\(i)]"))
            }
            return ModelCatalog(models: models)
        } catch {
            // Compiled-in data, not input: a broken catalog fails the test suite, never a user.
            preconditionFailure("catalog/models.json: \(error)")
        }
    }()

    /// The model with this id or alias (case-sensitive, as providers' APIs are).
    public func model(_ idOrAlias: String) -> ModelInfo? {
        models.first { $0.id == idOrAlias } ?? models.first { $0.aliases.contains(idOrAlias) }
    }

    public func suggestion(for unknown: String) -> String? {
        DidYouMean.suggestion(for: unknown, among: models.flatMap { [$0.id] + $0.aliases })
    }

    /// The catalog with `overrides` applied: an entry whose id (or alias) exists updates the
    /// fields it gives; a new id adds a model.
    public func applying(_ overrides: [Value], firstIndex: Int = 0) -> (ModelCatalog, [String]) {
        var result = self
        var problems: [String] = []
        for (i, item) in overrides.enumerated() {
            let path = "models[\(firstIndex + i)]"
            guard case .string(let id)? = item["id"] else {
                problems.append("\(path): `id` is required")
                continue
            }
            let index = result.models.firstIndex { $0.id == id || $0.aliases.contains(id) }
            do {
                let updated = try Self.entry(item, base: index.map { result.models[$0] }, path: path)
                if let index { result.models[index] = updated } else { result.models.append(updated) }
            } catch {
                problems.append(error.message)
            }
        }
        return (result, problems)
    }

    public struct EntryError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    static func entry(_ value: Value, base: ModelInfo?, path: String) throws(EntryError) -> ModelInfo {
        guard case .object(let object) = value else { throw EntryError(message: "\(path) must be a mapping") }
        let known: Set = ["id", "aliases", "provider", "tokenizer", "context_window", "max_output_tokens",
                          "input_per_million", "output_per_million", "source", "pricing_source", "as_of", "notes"]
        for key in object.keys where !known.contains(key) {
            let hint = DidYouMean.suggestion(for: key, among: known).map { "; did you mean `\($0)`?" } ?? ""
            throw EntryError(message: "\(path): unknown field `\(key)`\(hint)")
        }
        func string(_ key: String) throws(EntryError) -> String?? {
            switch object[key] {
            case nil: return .none
            case .null?: return .some(nil)
            case .string(let s)?: return .some(s)
            default: throw EntryError(message: "\(path).\(key) must be a string")
            }
        }
        func number(_ key: String, integer: Bool) throws(EntryError) -> Double?? {
            switch object[key] {
            case nil: return .none
            case .null?: return .some(nil)
            case .int(let n)? where n >= 0: return .some(Double(n))
            case .double(let d)? where !integer && d >= 0 && d.isFinite: return .some(d)
            default: throw EntryError(message: "\(path).\(key) must be a non-negative \(integer ? "integer" : "number") or null")
            }
        }
        guard case .string(let id)? = object["id"], !id.isEmpty else { throw EntryError(message: "\(path): `id` is required") }
        let tokenizer: ModelInfo.Tokenizer
        switch object["tokenizer"] {
        case .string(let name)?:
            guard let encoding = Encoding.Name(rawValue: name) else {
                throw EntryError(message: "\(path).tokenizer: unknown encoding `\(name)` (known: cl100k_base, o200k_base, or {estimate: …})")
            }
            tokenizer = .exact(encoding)
        case .object(let estimate)?:
            guard case .string(let name)? = estimate["estimate"], let encoding = Encoding.Name(rawValue: name) else {
                throw EntryError(message: "\(path).tokenizer.estimate must name cl100k_base or o200k_base")
            }
            var method = "\(name) count; the model's own tokenizer is not public"
            if case .string(let m)? = estimate["method"] { method = m }
            tokenizer = .estimate(encoding, method: method)
        case nil:
            guard let base else { throw EntryError(message: "\(path): `tokenizer` is required for a new model") }
            tokenizer = base.tokenizer
        default:
            throw EntryError(message: "\(path).tokenizer must be an encoding name or {estimate: ENCODING, method: TEXT}")
        }
        var info = base ?? ModelInfo(id: id, provider: "unknown", tokenizer: tokenizer)
        info.id = base?.id ?? id
        info.tokenizer = tokenizer
        if case .array(let items)? = object["aliases"] {
            info.aliases = items.compactMap { if case .string(let s) = $0 { s } else { nil } }
        } else if object["aliases"] != nil {
            throw EntryError(message: "\(path).aliases must be a list of strings")
        }
        if let v = try string("provider") { info.provider = v ?? "unknown" }
        if let v = try number("context_window", integer: true) { info.contextWindow = v.map { Int($0) } }
        if let v = try number("max_output_tokens", integer: true) { info.maxOutputTokens = v.map { Int($0) } }
        if let v = try number("input_per_million", integer: false) { info.inputPerMillion = v }
        if let v = try number("output_per_million", integer: false) { info.outputPerMillion = v }
        if let v = try string("source") { info.source = v }
        if let v = try string("pricing_source") { info.pricingSource = v }
        if let v = try string("as_of") { info.asOf = v }
        if let v = try string("notes") { info.notes = v }
        return info
    }
}

extension ModelInfo {
    init(id: String, provider: String, tokenizer: Tokenizer) {
        self.id = id
        self.provider = provider
        self.tokenizer = tokenizer
    }
}
