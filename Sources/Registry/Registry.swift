import Analysis
import CoreSupport
import Foundation
import PromptSyntax

/// The registry's rules over any `RegistryStore`: immutable publishing, labels that move forward
/// by promotion and back by rollback, resolution per environment, protected environments gated on
/// test records, experiments, and the audit log every change appends to, in the same transaction
/// as the change itself.
public struct Registry: Sendable {
    public let store: any RegistryStore
    /// The time stamp written on records (ISO 8601, UTC, milliseconds); injectable for tests.
    public var now: @Sendable () -> String

    public static let defaultMinPassRate = 0.9
    public static let builtInEnvironments = ["development", "staging", "production"]

    public init(store: any RegistryStore, now: @escaping @Sendable () -> String = Timestamp.now) {
        self.store = store
        self.now = now
    }

    // MARK: Publishing and reading versions

    public enum PublishOutcome: Sendable, Equatable {
        case published(PromptVersion)
        /// The same name, version and content were already published: nothing changed.
        case unchanged(PromptVersion)
    }

    public func publish(_ candidate: PromptVersion) throws(RegistryError) -> PublishOutcome {
        guard Semver.isValid(candidate.version) else {
            throw .invalid("\(candidate.name): `\(candidate.version)` is not a semantic version (like 1.4.0)")
        }
        return try run {
            try store.write { tx in
                if let existing = try tx.version(name: candidate.name, version: candidate.version) {
                    guard existing.contentHash == candidate.contentHash else {
                        throw RegistryError.conflict("""
                            \(candidate.name)@\(candidate.version) is already published with different content \
                            (published sha256 \(existing.contentHash), this file sha256 \(candidate.contentHash)); \
                            published versions are immutable: bump `version` to publish the change
                            """)
                    }
                    return .unchanged(existing)
                }
                try tx.insert(candidate)
                try tx.append(AuditEvent(time: candidate.publishedAt, actor: candidate.author, action: .publish,
                                         name: candidate.name, toVersion: candidate.version))
                return .published(candidate)
            }
        }
    }

    /// One version, or the latest (highest precedence) when `version` is nil.
    public func show(name: String, version: String?) throws(RegistryError) -> PromptVersion {
        try run {
            try store.read { r in
                if let version {
                    guard let v = try r.version(name: name, version: version) else {
                        throw try Self.unknownVersion(name, version, r)
                    }
                    return v
                }
                guard let v = try r.latestVersion(name: name) else { throw try Self.unknownName(name, r) }
                return v
            }
        }
    }

    public func list() throws(RegistryError) -> [NameSummary] {
        try run { try store.read { try $0.names() } }
    }

    public func versions(name: String) throws(RegistryError) -> [String] {
        try run {
            try store.read { r in
                let all = try r.versions(name: name)
                if all.isEmpty { throw try Self.unknownName(name, r) }
                return all
            }
        }
    }

    public func labels(name: String) throws(RegistryError) -> [(environment: String, version: String)] {
        try run { try store.read { try $0.labels(name: name) } }
    }

    // MARK: Environments

    public struct LabelMove: Sendable, Equatable {
        public let name: String
        public let environment: String
        public let from: String?
        public let to: String
    }

    /// Moves `environment`'s label of `name` to `version`. A protected environment requires the
    /// version's latest test record, for its own content, to pass the environment's threshold.
    public func promote(name: String, version: String, to environment: String, actor: String, reason: String?) throws(RegistryError) -> LabelMove {
        try Self.checkEnvironment(environment)
        if environment == "development" {
            throw .refused("`development` always runs the latest published version of \(name); it is not a label to promote to")
        }
        return try run {
            try store.write { tx in
                guard let target = try tx.version(name: name, version: version) else { throw try Self.unknownVersion(name, version, tx) }
                let current = try tx.currentLabel(name: name, environment: environment)
                if current == version {
                    throw RegistryError.refused("\(environment) already runs \(name)@\(version)")
                }
                if let p = try tx.protection(environment: environment) {
                    try Self.checkGate(target, protection: p, record: tx.latestTestRecord(name: name, version: version))
                }
                try tx.pushLabel(name: name, environment: environment, version: version)
                try tx.append(AuditEvent(time: now(), actor: actor, action: .promote, name: name, environment: environment,
                                         fromVersion: current, toVersion: version, reason: reason))
                return LabelMove(name: name, environment: environment, from: current, to: version)
            }
        }
    }

    static func checkGate(_ v: PromptVersion, protection p: Protection, record: TestRecord?) throws {
        let need = String(format: "%.0f%%", p.minPassRate * 100)
        guard let record else {
            throw RegistryError.refused("""
                \(p.environment) is protected: \(v.name)@\(v.version) needs a test record with a pass rate of at least \(need), \
                and has none (run `promptkit test` on it, or `promptkit registry record-test`)
                """)
        }
        guard record.contentHash == v.contentHash else {
            throw RegistryError.refused("""
                \(p.environment) is protected: the latest test record of \(v.name)@\(v.version) is for other content \
                (sha256 \(record.contentHash), published \(v.contentHash)); test the published version
                """)
        }
        guard record.passRate >= p.minPassRate else {
            throw RegistryError.refused("""
                \(p.environment) is protected: \(v.name)@\(v.version) passed \(record.passed) of \(record.total) tests \
                (\(String(format: "%.1f%%", record.passRate * 100))), below the required \(need)
                """)
        }
    }

    /// Moves the label back to the version it pointed to before the last promotion. Not gated:
    /// rollback is the emergency path, and the earlier version already passed the gate once.
    public func rollback(name: String, environment: String, actor: String, reason: String?) throws(RegistryError) -> LabelMove {
        try Self.checkEnvironment(environment)
        return try run {
            try store.write { tx in
                let stack = try tx.labelStack(name: name, environment: environment)
                guard let current = stack.last else {
                    if try tx.versions(name: name).isEmpty { throw try Self.unknownName(name, tx) }
                    throw RegistryError.refused("\(name) has no \(environment) label to roll back")
                }
                guard stack.count >= 2 else {
                    throw RegistryError.refused("\(name) has had only one \(environment) version (\(current)): there is nothing earlier to roll back to")
                }
                _ = try tx.popLabel(name: name, environment: environment)
                let previous = stack[stack.count - 2]
                try tx.append(AuditEvent(time: now(), actor: actor, action: .rollback, name: name, environment: environment,
                                         fromVersion: current, toVersion: previous, reason: reason))
                return LabelMove(name: name, environment: environment, from: current, to: previous)
            }
        }
    }

    public struct Resolution: Sendable, Equatable {
        public enum Rule: String, Sendable {
            /// The environment's label.
            case label
            /// staging without a label: the latest version with a passing test record.
            case latestPassing = "latest-passing"
            /// development: the latest version.
            case latest
        }
        public let environment: String
        public let version: PromptVersion
        public let rule: Rule
    }

    /// The version `environment` runs: `development` → the latest version; `staging` → its label,
    /// else the latest version with a passing test record; any other environment → its label.
    public func resolve(name: String, environment: String) throws(RegistryError) -> Resolution {
        try Self.checkEnvironment(environment)
        return try run {
            try store.read { r in
                if environment == "development" {
                    guard let v = try r.latestVersion(name: name) else { throw try Self.unknownName(name, r) }
                    return Resolution(environment: environment, version: v, rule: .latest)
                }
                if let labelled = try r.currentLabel(name: name, environment: environment) {
                    guard let v = try r.version(name: name, version: labelled) else {
                        throw RegistryError.database("\(name): the \(environment) label points at \(labelled), which is not stored")
                    }
                    return Resolution(environment: environment, version: v, rule: .label)
                }
                if environment == "staging" {
                    let threshold = try r.protection(environment: "staging")?.minPassRate ?? Self.defaultMinPassRate
                    if let v = try r.latestPassingVersion(name: name, minPassRate: threshold) {
                        return Resolution(environment: environment, version: v, rule: .latestPassing)
                    }
                    if try r.versions(name: name).isEmpty { throw try Self.unknownName(name, r) }
                    throw RegistryError.notFound("""
                        \(name): nothing runs in staging: no staging label, and no version has a test record passing \
                        \(String(format: "%.0f%%", threshold * 100))
                        """)
                }
                if try r.versions(name: name).isEmpty { throw try Self.unknownName(name, r) }
                throw RegistryError.notFound("\(name): nothing runs in \(environment) (no version was promoted to it)")
            }
        }
    }

    public func history(name: String?) throws(RegistryError) -> [AuditEvent] {
        try run {
            try store.read { r in
                let events = try r.events(name: name)
                if let name, events.isEmpty { throw try Self.unknownName(name, r) }
                return events
            }
        }
    }

    // MARK: Protection and test records

    public func protect(environment: String, minPassRate: Double, actor: String) throws(RegistryError) {
        try Self.checkEnvironment(environment)
        guard minPassRate >= 0, minPassRate <= 1 else { throw .invalid("--min-pass-rate must be between 0 and 1 (got \(minPassRate))") }
        if environment == "development" { throw .refused("`development` always runs the latest version; it cannot be protected") }
        try run {
            try store.write { tx in
                try tx.setProtection(Protection(environment: environment, minPassRate: minPassRate), environment: environment)
                try tx.append(AuditEvent(time: now(), actor: actor, action: .protect, name: nil, environment: environment,
                                         reason: "min pass rate \(minPassRate)"))
            }
        }
    }

    public func unprotect(environment: String, actor: String) throws(RegistryError) {
        try Self.checkEnvironment(environment)
        try run {
            try store.write { tx in
                guard try tx.protection(environment: environment) != nil else {
                    throw RegistryError.notFound("\(environment) is not protected")
                }
                try tx.setProtection(nil, environment: environment)
                try tx.append(AuditEvent(time: now(), actor: actor, action: .unprotect, name: nil, environment: environment))
            }
        }
    }

    public func protections() throws(RegistryError) -> [Protection] {
        try run { try store.read { try $0.protections() } }
    }

    /// Stores a test run's result for a published version (the evaluation core calls this).
    public func recordTest(name: String, version: String, passed: Int, total: Int, source: String?, actor: String,
                           contentHash: String? = nil) throws(RegistryError) -> TestRecord {
        guard total > 0, passed >= 0, passed <= total else {
            throw .invalid("a test record needs 0 ≤ passed ≤ total and total > 0 (got \(passed) of \(total))")
        }
        return try run {
            try store.write { tx in
                guard let v = try tx.version(name: name, version: version) else { throw try Self.unknownVersion(name, version, tx) }
                let record = TestRecord(name: name, version: version, contentHash: contentHash ?? v.contentHash, passed: passed,
                                        total: total, source: source, recordedAt: now())
                try tx.insert(record)
                try tx.append(AuditEvent(time: record.recordedAt, actor: actor, action: .testRecorded, name: name,
                                         toVersion: version, reason: "\(passed)/\(total) passed" + (source.map { " (\($0))" } ?? "")))
                return record
            }
        }
    }

    public func latestTestRecord(name: String, version: String) throws(RegistryError) -> TestRecord? {
        try run { try store.read { try $0.latestTestRecord(name: name, version: version) } }
    }

    // MARK: Experiments

    public func createExperiment(id: String, prompt: String, control: String, treatment: String, split: Double,
                                 actor: String) throws(RegistryError) -> Experiment {
        guard !id.isEmpty, !id.utf8.contains(0), id.count <= 200 else { throw .invalid("an experiment id must be 1 to 200 characters, without NUL") }
        guard split >= 0, split <= 1 else { throw .invalid("--split is the treatment's share of users, between 0 and 1 (got \(split))") }
        guard control != treatment else { throw .invalid("control and treatment are the same version (\(control))") }
        return try run {
            try store.write { tx in
                if try tx.experiment(id: id) != nil { throw RegistryError.conflict("an experiment named `\(id)` already exists") }
                for v in [control, treatment] where try tx.version(name: prompt, version: v) == nil {
                    throw try Self.unknownVersion(prompt, v, tx)
                }
                let x = Experiment(id: id, prompt: prompt, control: control, treatment: treatment, split: split,
                                   status: .running, winner: nil, createdAt: now(), stoppedAt: nil)
                try tx.insert(x)
                try tx.append(AuditEvent(time: x.createdAt, actor: actor, action: .experimentCreated, name: prompt,
                                         fromVersion: control, toVersion: treatment, reason: "experiment \(id), split \(split)"))
                return x
            }
        }
    }

    public func stopExperiment(id: String, winner: Experiment.Variant, actor: String, reason: String?) throws(RegistryError) -> Experiment {
        try run {
            try store.write { tx in
                guard var x = try tx.experiment(id: id) else { throw try Self.unknownExperiment(id, tx) }
                guard x.status == .running else { throw RegistryError.refused("experiment `\(id)` was already stopped at \(x.stoppedAt ?? "?")") }
                x.status = .stopped
                x.winner = winner
                x.stoppedAt = now()
                try tx.update(x)
                try tx.append(AuditEvent(time: x.stoppedAt ?? "", actor: actor, action: .experimentStopped, name: x.prompt,
                                         toVersion: x.version(of: winner), reason: "experiment \(id), winner \(winner.rawValue)" + (reason.map { ": \($0)" } ?? "")))
                return x
            }
        }
    }

    public func experiments() throws(RegistryError) -> [Experiment] {
        try run { try store.read { try $0.experiments() } }
    }

    public struct Assignment: Sendable, Equatable {
        public let experiment: Experiment
        public let user: String
        public let bucket: Double
        public let variant: Experiment.Variant
        public var version: String { experiment.version(of: variant) }
    }

    /// The user's variant: `ExperimentAssignment.variant` while running; the winner, for everyone, once stopped.
    public func assign(experiment id: String, user: String) throws(RegistryError) -> Assignment {
        let x: Experiment = try run {
            try store.read { r in
                guard let x = try r.experiment(id: id) else { throw try Self.unknownExperiment(id, r) }
                return x
            }
        }
        let bucket = ExperimentAssignment.bucket(experiment: id, user: user)
        let variant = x.winner ?? ExperimentAssignment.variant(bucket: bucket, split: x.split)
        return Assignment(experiment: x, user: user, bucket: bucket, variant: variant)
    }

    // MARK: Editor facts

    /// Published hashes and the environments running each version, resolved by the same rules
    /// as `resolve`, for analysis (PK601) and the editor's code lens.
    public func facts() throws(RegistryError) -> RegistryFacts {
        try run {
            try store.read { r in
                var environments: [String: [String: String]] = [:]
                for s in try r.labelStacks() {
                    if let current = s.versions.last { environments[s.name, default: [:]][s.environment] = current }
                }
                let stagingThreshold = try r.protection(environment: "staging")?.minPassRate ?? Self.defaultMinPassRate
                for n in try r.names() {
                    environments[n.name, default: [:]]["development"] = n.latest
                    if environments[n.name]?["staging"] == nil, let v = try r.latestPassingVersion(name: n.name, minPassRate: stagingThreshold) {
                        environments[n.name, default: [:]]["staging"] = v.version
                    }
                }
                var published: [String: [String: RegistryFacts.Published]] = [:]
                for (name, version, hash) in try r.publishedHashes() {
                    let running = (environments[name] ?? [:]).filter { $0.value == version }.map(\.key).sorted {
                        (Self.environmentRank($0), $0) < (Self.environmentRank($1), $1)
                    }
                    published[name, default: [:]][version] = RegistryFacts.Published(contentHash: hash, environments: running)
                }
                return RegistryFacts(published: published, environments: environments)
            }
        }
    }

    /// production first, then staging, custom labels, development.
    static func environmentRank(_ env: String) -> Int {
        switch env {
        case "production": 0
        case "staging": 1
        case "development": 3
        default: 2
        }
    }

    // MARK: Helpers

    /// Environment names become command arguments and JSON keys: keep them simple.
    static func checkEnvironment(_ env: String) throws(RegistryError) {
        let ok = !env.isEmpty && env.count <= 64 && env.first.map { $0.isASCII && $0.isLowercase } == true
            && env.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }
        if !ok { throw .invalid("`\(env)` is not a valid environment name (lowercase letters, digits, - and _, starting with a letter)") }
    }

    static func unknownName(_ name: String, _ r: any RegistryReading) throws -> RegistryError {
        let names = try r.names().map(\.name)
        let hint = DidYouMean.suggestion(for: name, among: names).map { "; did you mean `\($0)`?" } ?? ""
        return .notFound("no prompt named `\(name)` in the registry\(hint)")
    }

    static func unknownVersion(_ name: String, _ version: String, _ r: any RegistryReading) throws -> RegistryError {
        let versions = try r.versions(name: name)
        if versions.isEmpty { return try unknownName(name, r) }
        return .notFound("\(name) has no version \(version) (published: \(versions.suffix(8).joined(separator: ", ")))")
    }

    static func unknownExperiment(_ id: String, _ r: any RegistryReading) throws -> RegistryError {
        let ids = try r.experiments().map(\.id)
        let hint = DidYouMean.suggestion(for: id, among: ids).map { "; did you mean `\($0)`?" } ?? ""
        return .notFound("no experiment named `\(id)`\(hint)")
    }

    func run<T>(_ body: () throws -> T) throws(RegistryError) -> T {
        do {
            return try body()
        } catch let e as RegistryError {
            throw e
        } catch {
            throw .database("\(error)")
        }
    }
}

/// Time stamps for records: ISO 8601 in UTC with milliseconds, which also sort as text.
public enum Timestamp {
    @Sendable public static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = tm()
        var seconds = ts.tv_sec
        gmtime_r(&seconds, &t)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(t.tm_year) + 1900, Int(t.tm_mon) + 1, Int(t.tm_mday),
                      Int(t.tm_hour), Int(t.tm_min), Int(t.tm_sec), Int(ts.tv_nsec / 1_000_000))
    }
}

/// Where the CLI and the language server find a workspace's registry, and its facts for
/// analysis when there is one.
public enum RegistryLocation {
    public static let environmentVariable = "PROMPTKIT_REGISTRY"

    /// $PROMPTKIT_REGISTRY, else `.promptkit/registry.sqlite` under the workspace root.
    public static func path(root: String, environment: [String: String]) -> String {
        if let p = environment[environmentVariable], !p.isEmpty { return p }
        return (root as NSString).appendingPathComponent(SQLiteRegistryStore.defaultRelativePath)
    }

    /// The registry's facts, or empty facts when there is no registry file. A registry that exists
    /// but cannot be read gives empty facts and the reason (a warning, never a failed lint).
    public static func facts(at path: String) -> (RegistryFacts, problem: String?) {
        guard FileManager.default.fileExists(atPath: path) else { return (RegistryFacts(), nil) }
        do {
            let store = try SQLiteRegistryStore(path: path, mode: .readOnly)
            return (try Registry(store: store).facts(), nil)
        } catch {
            return (RegistryFacts(), "\(error); registry checks (PK601) are skipped")
        }
    }
}
