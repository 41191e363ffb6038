import CoreSupport
import Foundation

/// Recorded model outputs beside a prompt file (`triage.prompt.yaml` → `triage.recorded.json`):
/// what makes `promptkit test` offline and deterministic in CI. `promptkit test --record` writes
/// them from a live provider; people may also write or edit outputs by hand.
///
/// ```json
/// {
///   "prompt": "support/triage",
///   "recordings": {
///     "outage is urgent": {"model": "gpt-4o-mini", "output": "{\"area\": \"outage\", …}",
///                          "prompt_tokens": 212, "completion_tokens": 41, "latency_ms": 812,
///                          "request_sha256": "…", "recorded_at": "2026-11-21T10:00:00Z"}
///   }
/// }
/// ```
///
/// `request_sha256` hashes the rendered messages and model; when the test renders differently
/// now, the answer still replays but is reported as stale, so a prompt edit is never silently
/// tested against an answer to an older prompt.
public struct Recordings: Sendable {
    public struct Entry: Sendable, Equatable {
        public var model: String
        public var output: String
        public var promptTokens: Int?
        public var completionTokens: Int?
        public var latencyMilliseconds: Double?
        public var requestHash: String?
        public var recordedAt: String?
    }

    public var prompt: String?
    public var entries: [String: Entry] = [:]
    /// Keys in file order, so rewriting keeps diffs small.
    public var order: [String] = []

    public init(prompt: String?) { self.prompt = prompt }

    public static func path(for promptPath: String) -> String? {
        TestSuite.companionPath(of: promptPath, suffix: ".recorded.json")
    }

    public struct ReadError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func parse(_ bytes: [UInt8], path: String) throws(ReadError) -> Recordings {
        let value: Value
        do {
            value = try JSON.parse(bytes)
        } catch {
            let (line, column) = LineIndex(bytes).position(of: error.offset)
            throw ReadError(description: "\(path):\(line):\(column): invalid JSON: \(error.message)")
        }
        var r = Recordings(prompt: nil)
        if case .string(let p)? = value["prompt"] { r.prompt = p }
        guard case .object(let items)? = value["recordings"] else {
            throw ReadError(description: "\(path): expected an object with `recordings` (test name → recorded output)")
        }
        for (key, item) in items.pairs {
            guard case .string(let output)? = item["output"] else {
                throw ReadError(description: "\(path): recording `\(key)` has no `output` string")
            }
            func int(_ k: String) -> Int? { if case .int(let i)? = item[k] { i } else { nil } }
            func str(_ k: String) -> String? { if case .string(let s)? = item[k] { s } else { nil } }
            let latency: Double? = switch item["latency_ms"] { case .int(let i)?: Double(i); case .double(let d)?: d; default: nil }
            r.entries[key] = Entry(model: str("model") ?? "", output: output, promptTokens: int("prompt_tokens"),
                                   completionTokens: int("completion_tokens"), latencyMilliseconds: latency,
                                   requestHash: str("request_sha256"), recordedAt: str("recorded_at"))
            r.order.append(key)
        }
        return r
    }

    public mutating func set(_ key: String, _ entry: Entry) {
        if entries[key] == nil { order.append(key) }
        entries[key] = entry
    }

    public func serialized() -> [UInt8] {
        var items = OrderedObject()
        for key in order {
            guard let e = entries[key] else { continue }
            var o = OrderedObject()
            o["model"] = .string(e.model)
            o["output"] = .string(e.output)
            if let t = e.promptTokens { o["prompt_tokens"] = .int(t) }
            if let t = e.completionTokens { o["completion_tokens"] = .int(t) }
            if let l = e.latencyMilliseconds { o["latency_ms"] = .int(Int(l.rounded())) }
            if let h = e.requestHash { o["request_sha256"] = .string(h) }
            if let at = e.recordedAt { o["recorded_at"] = .string(at) }
            items[key] = .object(o)
        }
        var root = OrderedObject()
        if let prompt { root["prompt"] = .string(prompt) }
        root["recordings"] = .object(items)
        return JSON.serializedBytes(.object(root), pretty: true) + [0x0A]
    }

    /// What a recorded answer was an answer to: the model and the rendered messages.
    public static func requestHash(_ request: CompletionRequest) -> String {
        var o = OrderedObject()
        o["model"] = .string(request.model)
        o["messages"] = request.body["messages"] ?? .null
        return SHA256.hex(JSON.serializedBytes(.object(o)))
    }
}

/// The offline provider: answers from a prompt file's recordings.
public struct RecordedProvider: CompletionProvider {
    public let recordings: Recordings
    public let path: String
    public var name: String { "recorded" }
    public var isLive: Bool { false }
    public var endpointIdentity: String { "recorded" }

    public init(recordings: Recordings, path: String) {
        self.recordings = recordings
        self.path = path
    }

    public func complete(_ request: CompletionRequest) async throws(ProviderError) -> Completion {
        guard let entry = recordings.entries[request.recordingKey] else {
            throw .notRecorded("no recorded output for `\(request.recordingKey)` in \(path); record it with `promptkit test --record --provider NAME`, or add it by hand")
        }
        var c = Completion(text: entry.output, model: entry.model.isEmpty ? request.model : entry.model, promptTokens: entry.promptTokens,
                           completionTokens: entry.completionTokens, latency: (entry.latencyMilliseconds ?? 0) / 1000)
        if let h = entry.requestHash, h != Recordings.requestHash(request) { c.staleRecording = true }
        return c
    }
}
