import CoreSupport
import Foundation
import GRDB

/// Live answers kept in SQLite so a second run with the same requests makes no calls.
///
/// The key is the SHA-256 of the endpoint, model, parameters, rendered messages and the prompt
/// file's content hash: any change to what would be sent, or to the prompt, misses. Entries older
/// than the TTL are ignored and replaced. Default location `.promptkit/cache.sqlite` at the
/// workspace root (beside the registry; both are meant to be git-ignored).
public final class ResponseCache: Sendable {
    public static let defaultRelativePath = ".promptkit/cache.sqlite"
    let queue: DatabaseQueue
    public let ttl: Double

    public struct OpenError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public init(path: String, ttl: Double) throws(OpenError) {
        self.ttl = ttl
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var config = Configuration()
            config.busyMode = .timeout(10)
            queue = try DatabaseQueue(path: path, configuration: config)
            try queue.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS responses (
                        key TEXT PRIMARY KEY NOT NULL,
                        provider TEXT NOT NULL,
                        model TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        response TEXT NOT NULL
                    )
                    """)
            }
        } catch {
            throw OpenError(description: "the response cache \(path) cannot be opened: \(error)")
        }
    }

    public static func key(provider: any CompletionProvider, request: CompletionRequest, promptHash: String) -> String {
        var o = OrderedObject()
        o["endpoint"] = .string(provider.endpointIdentity)
        o["request"] = request.body
        o["prompt_sha256"] = .string(promptHash)
        return SHA256.hex(JSON.serializedBytes(.object(o)))
    }

    /// The cached answer, unless missing, expired or unreadable (a damaged entry is a miss).
    public func lookup(_ key: String, now: Date = Date()) -> Completion? {
        let row = try? queue.read { db in
            try Row.fetchOne(db, sql: "SELECT model, created_at, response FROM responses WHERE key = ?", arguments: [key])
        }
        guard let row, let created: Double = row["created_at"], now.timeIntervalSince1970 - created <= ttl,
              let text: String = row["response"], let value = try? JSON.parse(Array(text.utf8)),
              case .string(let output)? = value["output"], let model: String = row["model"] else { return nil }
        func int(_ k: String) -> Int? { if case .int(let i)? = value[k] { i } else { nil } }
        let latency: Double = if case .double(let d)? = value["latency"] { d } else if case .int(let i)? = value["latency"] { Double(i) } else { 0 }
        var c = Completion(text: output, model: model, promptTokens: int("prompt_tokens"), completionTokens: int("completion_tokens"), latency: latency)
        c.cached = true
        return c
    }

    public func store(_ key: String, provider: String, _ completion: Completion, now: Date = Date()) {
        var o = OrderedObject()
        o["output"] = .string(completion.text)
        if let t = completion.promptTokens { o["prompt_tokens"] = .int(t) }
        if let t = completion.completionTokens { o["completion_tokens"] = .int(t) }
        o["latency"] = .double(completion.latency)
        let json = JSON.serialize(.object(o))
        // A cache that cannot be written costs a repeat call next run, never this run's result.
        try? queue.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO responses (key, provider, model, created_at, response) VALUES (?, ?, ?, ?, ?)",
                           arguments: [key, provider, completion.model, now.timeIntervalSince1970, json])
        }
    }
}
