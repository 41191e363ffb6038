import CoreSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Chat completions over HTTP, as OpenAI, vLLM, llama.cpp's server and Ollama's `/v1` serve them.
///
/// The HTTP client is Foundation's `URLSession` (libcurl on Linux), chosen over async-http-client
/// deliberately: it is already linked with Foundation, so it adds nothing to a clean build (swift-nio
/// adds minutes to every CI build), and one request per test at a modest concurrency needs none of
/// NIO's connection-pool tuning. TLS, proxies (`https_proxy`) and HTTP/2 come from libcurl.
///
/// This type makes exactly one request per call; retries, backoff, the circuit breaker, the
/// concurrency limit and fallbacks are `ReliableProvider`'s.
public struct OpenAICompatibleProvider: CompletionProvider {
    public let name: String
    public let baseURL: URL
    public let apiKeyVariable: String?
    public let timeout: Double
    public let headers: [String: String]
    let session: URLSession
    public var isLive: Bool { true }
    public var endpointIdentity: String { baseURL.absoluteString }

    public init(name: String, baseURL: URL, apiKeyVariable: String?, timeout: Double, headers: [String: String] = [:]) {
        self.name = name
        self.baseURL = baseURL
        self.apiKeyVariable = apiKeyVariable
        self.timeout = timeout
        self.headers = headers
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    public func complete(_ request: CompletionRequest) async throws(ProviderError) -> Completion {
        var http = URLRequest(url: baseURL.appendingPathComponent("chat/completions"))
        http.httpMethod = "POST"
        http.timeoutInterval = timeout
        http.setValue("application/json", forHTTPHeaderField: "Content-Type")
        http.setValue("application/json", forHTTPHeaderField: "Accept")
        for (k, v) in headers { http.setValue(v, forHTTPHeaderField: k) }
        if let apiKeyVariable {
            guard let key = ProcessInfo.processInfo.environment[apiKeyVariable], !key.isEmpty else {
                throw .configuration("provider `\(name)` reads its API key from $\(apiKeyVariable), which is not set")
            }
            http.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        }
        http.httpBody = Data(JSON.serializedBytes(request.body))

        let started = Date()
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: http)
        } catch let error as URLError where error.code == .timedOut {
            throw .timeout(seconds: timeout)
        } catch {
            throw .transport((error as? URLError).map { "\($0.code.rawValue) \($0.localizedDescription)" } ?? "\(error)")
        }
        let latency = Date().timeIntervalSince(started)
        guard let status = (response as? HTTPURLResponse)?.statusCode else { throw .malformed("not an HTTP response") }
        let parsed = try? JSON.parse(Array(data))
        guard (200..<300).contains(status) else {
            let message: String = if case .string(let m)? = parsed?["error"]?["message"] { m }
                else { String(decoding: data.prefix(200), as: UTF8.self) }
            throw .http(status: status, message: message, retryAfter: Self.retryAfter(response as? HTTPURLResponse))
        }
        guard let parsed else {
            throw .malformed("the body is not JSON (\(data.count) bytes: \(String(decoding: data.prefix(60), as: UTF8.self))…)")
        }
        guard case .array(let choices)? = parsed["choices"], let first = choices.first, let message = first["message"] else {
            throw .malformed("no `choices[0].message` in the response")
        }
        let text: String
        switch message["content"] {
        case .string(let s)?: text = s
        case .null?, nil: text = ""
        default: throw .malformed("`choices[0].message.content` is not a string")
        }
        func int(_ v: Value?) -> Int? { if case .int(let i)? = v { i } else { nil } }
        // Results name the model asked for: servers answer with snapshot ids (gpt-4o-2024-08-06).
        var completion = Completion(text: text, model: request.model, promptTokens: int(parsed["usage"]?["prompt_tokens"]),
                                    completionTokens: int(parsed["usage"]?["completion_tokens"]), latency: latency)
        completion.attempts = 1
        return completion
    }

    /// `retry-after-ms` (OpenAI), else `Retry-After` in seconds or as an HTTP date.
    static func retryAfter(_ response: HTTPURLResponse?) -> Double? {
        guard let response else { return nil }
        if let ms = response.value(forHTTPHeaderField: "retry-after-ms").flatMap(Double.init), ms >= 0 { return ms / 1000 }
        guard let value = response.value(forHTTPHeaderField: "Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let date = formatter.date(from: value) { return max(0, date.timeIntervalSinceNow) }
        return nil
    }
}
