import CoreSupport

/// One immutable published version of a prompt. `content` is the file's bytes exactly as
/// published; `contentHash` is their SHA-256 (lowercase hex).
public struct PromptVersion: Sendable, Equatable {
    public var name: String
    public var version: String
    public var contentHash: String
    public var content: [UInt8]
    public var model: String?
    /// The declared variables as JSON (name, type, required, untrusted, description).
    public var variables: Value
    /// Total prompt tokens of the default sample's rendering with the file's model.
    public var tokenCount: Int?
    public var tokenEncoding: String?
    /// The default sample's rendered messages at publish time ([{role, content}]), so `diff`
    /// compares what each version really sent even when partials have changed since.
    public var rendered: Value
    public var sample: String?
    public var author: String
    public var publishedAt: String

    public init(name: String, version: String, contentHash: String, content: [UInt8], model: String?, variables: Value,
                tokenCount: Int?, tokenEncoding: String?, rendered: Value, sample: String?, author: String, publishedAt: String) {
        self.name = name
        self.version = version
        self.contentHash = contentHash
        self.content = content
        self.model = model
        self.variables = variables
        self.tokenCount = tokenCount
        self.tokenEncoding = tokenEncoding
        self.rendered = rendered
        self.sample = sample
        self.author = author
        self.publishedAt = publishedAt
    }
}

/// One line of the append-only audit log.
public struct AuditEvent: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case publish, promote, rollback, protect, unprotect
        case testRecorded = "test-recorded"
        case experimentCreated = "experiment-created"
        case experimentStopped = "experiment-stopped"
    }
    public var time: String
    public var actor: String
    public var action: Action
    public var name: String?
    public var environment: String?
    public var fromVersion: String?
    public var toVersion: String?
    public var reason: String?

    public init(time: String, actor: String, action: Action, name: String?, environment: String? = nil,
                fromVersion: String? = nil, toVersion: String? = nil, reason: String? = nil) {
        self.time = time
        self.actor = actor
        self.action = action
        self.name = name
        self.environment = environment
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.reason = reason
    }
}

/// A test run's outcome for one version (written by `promptkit test`, or `registry record-test`).
public struct TestRecord: Sendable, Equatable {
    public var name: String
    public var version: String
    /// The content hash the tests ran against: a record for other content does not count.
    public var contentHash: String
    public var passed: Int
    public var total: Int
    public var source: String?
    public var recordedAt: String

    public init(name: String, version: String, contentHash: String, passed: Int, total: Int, source: String?, recordedAt: String) {
        self.name = name
        self.version = version
        self.contentHash = contentHash
        self.passed = passed
        self.total = total
        self.source = source
        self.recordedAt = recordedAt
    }

    public var passRate: Double { total == 0 ? 0 : Double(passed) / Double(total) }
}

/// An environment whose promotions require a passing test record.
public struct Protection: Sendable, Equatable {
    public var environment: String
    public var minPassRate: Double
    public init(environment: String, minPassRate: Double) {
        self.environment = environment
        self.minPassRate = minPassRate
    }
}

public struct Experiment: Sendable, Equatable {
    public enum Status: String, Sendable { case running, stopped }
    public enum Variant: String, Sendable { case control, treatment }
    public var id: String
    public var prompt: String
    public var control: String
    public var treatment: String
    /// The share of users assigned the treatment, in [0, 1].
    public var split: Double
    public var status: Status
    /// After `stop`, everyone gets this variant.
    public var winner: Variant?
    public var createdAt: String
    public var stoppedAt: String?

    public init(id: String, prompt: String, control: String, treatment: String, split: Double, status: Status,
                winner: Variant?, createdAt: String, stoppedAt: String?) {
        self.id = id
        self.prompt = prompt
        self.control = control
        self.treatment = treatment
        self.split = split
        self.status = status
        self.winner = winner
        self.createdAt = createdAt
        self.stoppedAt = stoppedAt
    }

    public func version(of variant: Variant) -> String { variant == .control ? control : treatment }
}

/// Summary of one prompt name for `list`.
public struct NameSummary: Sendable, Equatable {
    public var name: String
    public var latest: String
    public var versionCount: Int
    /// environment → version
    public var environments: [(String, String)]

    public static func == (a: NameSummary, b: NameSummary) -> Bool {
        a.name == b.name && a.latest == b.latest && a.versionCount == b.versionCount
            && a.environments.map(\.0) == b.environments.map(\.0) && a.environments.map(\.1) == b.environments.map(\.1)
    }
}

/// A label's stack: the versions it has pointed to, oldest first; the last is current. Promotion
/// pushes, rollback pops.
public struct LabelStack: Sendable, Equatable {
    public var name: String
    public var environment: String
    public var versions: [String]
}

/// What every registry command can fail with; each says what and where.
public enum RegistryError: Error, CustomStringConvertible, Sendable, Equatable {
    case notFound(String)
    case conflict(String)
    case refused(String)
    case invalid(String)
    /// The database file cannot be used (corrupt, foreign, read-only, newer schema).
    case database(String)

    public var description: String {
        switch self {
        case .notFound(let m), .conflict(let m), .refused(let m), .invalid(let m), .database(let m): m
        }
    }
}
