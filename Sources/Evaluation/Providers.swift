import Analysis
import CoreSupport
import Foundation

/// A chat completion request, as the runner builds it from a rendered test.
public struct CompletionRequest: Sendable {
    public var messages: [RenderedMessage]
    public var model: String
    /// Request parameters (temperature, max_tokens, seed, …): the file's `params` under the test's.
    public var params: OrderedObject
    /// Where the answer is filed in a recordings file: the test name, or `name#judge-N`.
    public var recordingKey: String

    public init(messages: [RenderedMessage], model: String, params: OrderedObject, recordingKey: String) {
        self.messages = messages
        self.model = model
        self.params = params
        self.recordingKey = recordingKey
    }

    /// The request body as OpenAI's chat completions API takes it.
    public var body: Value {
        var o = OrderedObject()
        o["model"] = .string(model)
        o["messages"] = .array(messages.map { .object(OrderedObject([("role", .string($0.role)), ("content", .string($0.content))])) })
        for (k, v) in params.pairs where k != "model" && k != "messages" && k != "stream" { o[k] = v }
        return .object(o)
    }
}

/// A model's answer, with what it cost and how it was obtained.
public struct Completion: Sendable {
    public var text: String
    /// The model that answered (a fallback, when the first failed).
    public var model: String
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var latency: Double
    /// Requests made for this answer (retries included); 0 when cached or recorded.
    public var attempts: Int = 0
    public var cached = false
    /// A recorded answer whose request no longer matches what the test renders now.
    public var staleRecording = false

    public init(text: String, model: String, promptTokens: Int?, completionTokens: Int?, latency: Double) {
        self.text = text
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.latency = latency
    }
}

public enum ProviderError: Error, Sendable, CustomStringConvertible {
    /// An HTTP error status, with the server's message and its Retry-After in seconds.
    case http(status: Int, message: String, retryAfter: Double?)
    case timeout(seconds: Double)
    case transport(String)
    /// A response that is not a chat completion (truncated, not JSON, no choices).
    case malformed(String)
    case configuration(String)
    case notRecorded(String)
    case circuitOpen(provider: String, retryIn: Double)
    case budgetExceeded(spent: Double, budget: Double)

    public var description: String {
        switch self {
        case .http(let status, let message, _): "HTTP \(status)" + (message.isEmpty ? "" : ": \(message)")
        case .timeout(let s): "no response within \(Value.formatDouble(s)) s"
        case .transport(let m): "connection failed: \(m)"
        case .malformed(let m): "malformed response: \(m)"
        case .configuration(let m): m
        case .notRecorded(let m): m
        case .circuitOpen(let p, let retryIn): "provider `\(p)` is failing; its circuit breaker is open for another \(String(format: "%.1f", retryIn)) s"
        case .budgetExceeded(let spent, let budget): String(format: "the run's budget of $%.4f is spent ($%.4f); remaining tests were not run", budget, spent)
        }
    }

    /// Failures worth another attempt: rate limits, server errors, timeouts, dropped connections
    /// and broken bodies. A 4xx other than 408/409/429 means the request itself is wrong.
    public var isRetryable: Bool {
        switch self {
        case .http(let status, _, _): status == 408 || status == 409 || status == 429 || status >= 500
        case .timeout, .transport, .malformed: true
        case .configuration, .notRecorded, .circuitOpen, .budgetExceeded: false
        }
    }

    /// Failures that count against the provider's health (the circuit breaker).
    var countsAgainstProvider: Bool {
        switch self {
        case .http(let status, _, _): status == 429 || status >= 500
        case .timeout, .transport, .malformed: true
        default: false
        }
    }
}

/// Something that answers chat completion requests.
public protocol CompletionProvider: Sendable {
    /// The name in `promptkit.yaml` (`recorded` for the built-in offline provider).
    var name: String { get }
    /// Whether answers cost money and time (live providers get retries, the cache and the budget).
    var isLive: Bool { get }
    /// What identifies the endpoint in cache keys (a base URL), so two providers never share answers.
    var endpointIdentity: String { get }
    func complete(_ request: CompletionRequest) async throws(ProviderError) -> Completion
}
