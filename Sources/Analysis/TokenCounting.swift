import ModelCatalog
import Tokenizer

/// Settings for the token rules (`tokens:` in promptkit.yaml).
public struct TokenSettings: Sendable, Equatable {
    /// `context-window-near-limit` fires above this fraction of the model's context window.
    public var contextWarningRatio: Double = 0.9
    public init() {}
}

/// Token counts of a rendered prompt.
///
/// Chat prompts (`messages:`) are counted the way OpenAI's chat format bills them (the OpenAI
/// cookbook's `num_tokens_from_messages`): every message costs its role and content tokens plus
/// 3, and the reply is primed with 3 more. A single `template:` is counted as plain text.
public struct PromptTokenCount: Sendable, Equatable {
    public static let perMessageOverhead = 3
    public static let replyPriming = 3

    public let encoding: Encoding.Name
    /// Content tokens of each message, in order.
    public let contentTokens: [Int]
    /// Everything the prompt costs, overhead included.
    public let total: Int

    public static func count(_ rendering: PromptRendering, encoding: Encoding) -> PromptTokenCount {
        count(rendering, encoding: encoding.name) { encoding.count($0) }
    }

    /// The same count with a caller-supplied counter (the language server's cache of message counts).
    public static func count(_ rendering: PromptRendering, encoding: Encoding.Name, counter: (String) -> Int) -> PromptTokenCount {
        let content = rendering.messages.map { counter($0.content) }
        if rendering.isTemplate {
            return PromptTokenCount(encoding: encoding, contentTokens: content, total: content.reduce(0, +))
        }
        var total = replyPriming
        for (message, tokens) in zip(rendering.messages, content) {
            total += perMessageOverhead + counter(message.role) + tokens
        }
        return PromptTokenCount(encoding: encoding, contentTokens: content, total: total)
    }

    /// An upper bound on `count(rendering).total` without tokenizing: a token is at least one byte.
    static func upperBound(_ rendering: PromptRendering) -> Int {
        let bytes = rendering.messages.reduce(0) { $0 + $1.content.utf8.count + $1.role.utf8.count }
        return rendering.isTemplate ? bytes : bytes + replyPriming + perMessageOverhead * rendering.messages.count
    }
}

/// A prompt's token budget. Today it holds the file's `budget.max_prompt_tokens`; `baseline` is
/// the hook for "grew by more than N% since the previous version" once the registry supplies the
/// previous version's count.
public struct TokenBudget: Sendable, Equatable {
    public var maxPromptTokens: Int?
    public var baseline: (tokens: Int, maxGrowthPercent: Double)?

    public init(maxPromptTokens: Int? = nil, baseline: (tokens: Int, maxGrowthPercent: Double)? = nil) {
        self.maxPromptTokens = maxPromptTokens
        self.baseline = baseline
    }

    public enum Violation: Sendable, Equatable {
        case overLimit(tokens: Int, limit: Int)
        case grewTooMuch(tokens: Int, baseline: Int, percent: Double, allowedPercent: Double)
    }

    public func violations(tokens: Int) -> [Violation] {
        var out: [Violation] = []
        if let limit = maxPromptTokens, tokens > limit { out.append(.overLimit(tokens: tokens, limit: limit)) }
        if let (base, allowed) = baseline, base > 0 {
            let percent = Double(tokens - base) * 100 / Double(base)
            if percent > allowed { out.append(.grewTooMuch(tokens: tokens, baseline: base, percent: percent, allowedPercent: allowed)) }
        }
        return out
    }

    public static func == (a: TokenBudget, b: TokenBudget) -> Bool {
        a.maxPromptTokens == b.maxPromptTokens && a.baseline?.tokens == b.baseline?.tokens
            && a.baseline?.maxGrowthPercent == b.baseline?.maxGrowthPercent
    }
}
