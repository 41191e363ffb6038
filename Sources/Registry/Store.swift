/// Storage behind the registry. The rules (resolution, gates, rollback) live in `Registry` and
/// are written against these two protocols only, so a shared backend (PostgreSQL for teams with
/// one registry) implements queries, not policy. SQLite is `SQLiteRegistryStore`.
public protocol RegistryStore: Sendable {
    /// A consistent snapshot: every query in `body` sees the same state.
    func read<T>(_ body: (any RegistryReading) throws -> T) throws -> T
    /// One atomic transaction, serialised against every other writer (other processes included):
    /// either all of `body`'s changes are stored or none.
    func write<T>(_ body: (any RegistryWriting) throws -> T) throws -> T
}

public protocol RegistryReading {
    func version(name: String, version: String) throws -> PromptVersion?
    /// Highest semver precedence (ties: latest published).
    func latestVersion(name: String) throws -> PromptVersion?
    /// Highest precedence whose most recent test record for its own content passes `minPassRate`.
    func latestPassingVersion(name: String, minPassRate: Double) throws -> PromptVersion?
    /// Version strings of `name`, lowest precedence first.
    func versions(name: String) throws -> [String]
    func names() throws -> [NameSummary]
    /// The label's current version, nil when the label is not set.
    func currentLabel(name: String, environment: String) throws -> String?
    /// The label's stack (oldest first), empty when the label is not set.
    func labelStack(name: String, environment: String) throws -> [String]
    func labelStacks() throws -> [LabelStack]
    /// environment → current version, for one name.
    func labels(name: String) throws -> [(environment: String, version: String)]
    func events(name: String?) throws -> [AuditEvent]
    func latestTestRecord(name: String, version: String) throws -> TestRecord?
    func testRecords() throws -> [TestRecord]
    func protection(environment: String) throws -> Protection?
    func protections() throws -> [Protection]
    func experiment(id: String) throws -> Experiment?
    func experiments() throws -> [Experiment]
    /// (name, version, content hash) of every version, without content: editor facts.
    func publishedHashes() throws -> [(name: String, version: String, contentHash: String)]
    /// Every version (content included), in publish order: export only.
    func allVersions() throws -> [PromptVersion]
    /// True when nothing has ever been stored.
    func isEmpty() throws -> Bool
}

public protocol RegistryWriting: RegistryReading {
    func insert(_ version: PromptVersion) throws
    func pushLabel(name: String, environment: String, version: String) throws
    /// Removes the label's current version and returns it.
    func popLabel(name: String, environment: String) throws -> String?
    func append(_ event: AuditEvent) throws
    func insert(_ record: TestRecord) throws
    func setProtection(_ protection: Protection?, environment: String) throws
    func insert(_ experiment: Experiment) throws
    func update(_ experiment: Experiment) throws
}
