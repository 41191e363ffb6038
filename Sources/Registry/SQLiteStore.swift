import CoreSupport
import Foundation
import GRDB
import PromptSyntax

/// The registry in one SQLite file, through GRDB: WAL (readers never wait for the writer),
/// a busy timeout (writers from other processes queue instead of failing), write transactions
/// begun IMMEDIATE (no lock upgrade deadlocks between processes) and versioned migrations.
public final class SQLiteRegistryStore: RegistryStore, @unchecked Sendable {
    /// 'PKRG': marks the file as a promptkit registry, so another application's database is refused.
    public static let applicationID: Int32 = 0x504B_5247
    public static let defaultRelativePath = ".promptkit/registry.sqlite"

    public let path: String
    // @unchecked Sendable: GRDB's pools and queues are thread-safe (they serialise their writer).
    private let pool: any DatabaseWriter

    public enum Mode: Sendable { case readWrite, readOnly }

    /// Opens (creating it and its folder in `.readWrite` mode) the registry at `path`.
    public init(path: String, mode: Mode = .readWrite, busyTimeout: TimeInterval = 30) throws(RegistryError) {
        self.path = path
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let exists = fm.fileExists(atPath: path, isDirectory: &isDir)
        if exists, isDir.boolValue { throw .database("\(path): is a directory, not a registry database") }
        if !exists {
            if mode == .readOnly { throw .notFound("\(path): no registry here yet (`promptkit registry publish` creates it)") }
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty, !fm.fileExists(atPath: folder) {
                do { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                    throw .database("\(path): cannot create the folder \(folder): \(error.localizedDescription)")
                }
            }
        } else {
            try Self.checkHeader(path)
        }
        if mode == .readWrite, exists, !fm.isWritableFile(atPath: path) {
            throw .database("\(path): the registry is read-only (file permissions); commands that change it need write access")
        }
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.readonly = mode == .readOnly
        config.label = "promptkit-registry"
        let folder = (path as NSString).deletingLastPathComponent
        let immutable = mode == .readOnly && (!fm.isWritableFile(atPath: path) || !fm.isWritableFile(atPath: folder.isEmpty ? "." : folder))
        pool = try Self.openRetryingWhileBusy(path: path, mode: mode, immutable: immutable, config: config, busyTimeout: busyTimeout)
    }

    /// Processes that start together on a registry nobody has created yet all switch the new
    /// file to WAL. SQLite answers the losers' `PRAGMA journal_mode = WAL` with SQLITE_BUSY at
    /// once, without consulting the busy handler (waiting there could deadlock), so opening
    /// retries on its own until the busy timeout has passed. Measured: 6 of 1,200 racing
    /// openers failed this way on a loaded 2-core machine before the retry.
    private static func openRetryingWhileBusy(path: String, mode: Mode, immutable: Bool, config: Configuration,
                                              busyTimeout: TimeInterval) throws(RegistryError) -> any DatabaseWriter {
        let deadline = ContinuousClock.now + .milliseconds(Int(busyTimeout * 1000))
        var attempt = 0
        while true {
            do {
                let writer = try open(path: path, immutable: immutable, config: config)
                try checkSchema(writer, path: path, mode: mode)
                return writer
            } catch let error as DatabaseError where error.resultCode.primaryResultCode == .SQLITE_BUSY && ContinuousClock.now < deadline {
                attempt += 1
                // Jittered, growing pauses (1–4 ms at first, at most 50–200 ms) so the racers
                // do not retry in lockstep.
                let ceiling = min(200, 4 << min(attempt, 6))
                Thread.sleep(forTimeInterval: Double(Int.random(in: ceiling / 4...ceiling)) / 1000)
            } catch let e as RegistryError {
                throw e
            } catch {
                throw describe(error, path: path)
            }
        }
    }

    private static func open(path: String, immutable: Bool, config: Configuration) throws -> any DatabaseWriter {
        if immutable {
            // SQLite needs to create the WAL index (-shm) beside the file to read a WAL
            // database. A registry shipped read-only (a deploy user, a read-only mount) is
            // read as immutable instead: a file its reader cannot write is not being written
            // through this path, and the URI form is the one SQLite offers for it.
            return try DatabaseQueue(path: "file:" + Self.uriEscaped(path) + "?immutable=1", configuration: config)
        }
        return try DatabasePool(path: path, configuration: config)
    }

    static func uriEscaped(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute
    }

    /// A file that is not SQLite at all gets a plain answer before SQLite's "file is not a database".
    static func checkHeader(_ path: String) throws(RegistryError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .database("\(path): cannot be read (permissions?)")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        if header.isEmpty { return }  // an empty file becomes a new registry
        if header != Data("SQLite format 3\0".utf8) {
            throw .database("\(path): not a promptkit registry (not a SQLite database; the file starts with \(header.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")))")
        }
    }

    /// Refuses foreign and newer files and migrates older ones. Throws `RegistryError` for what
    /// it refuses and SQLite's own errors untouched, so the caller can tell busy from broken.
    private static func checkSchema(_ pool: any DatabaseWriter, path: String, mode: Mode) throws {
        let migrator = Self.migrator
        let (appID, userTables, applied) = try pool.read { db -> (Int32, [String], Set<String>) in
            let appID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            let applied = tables.contains("grdb_migrations") ? try migrator.appliedIdentifiers(db) : []
            return (appID, tables, applied)
        }
        // A registry another process is creating right now may have only GRDB's bookkeeping
        // table so far (the migrator creates it before the first migration's transaction).
        let fresh = appID == 0 && userTables.allSatisfy { $0 == "grdb_migrations" }
        if appID != Self.applicationID, !fresh {
            let what = userTables.isEmpty ? "application id \(appID)" : "tables: \(userTables.prefix(5).joined(separator: ", "))"
            throw RegistryError.database("\(path): a SQLite database, but not a promptkit registry (\(what)); pass another --db")
        }
        let known = Set(Self.migrationIDs)
        if !applied.isSubset(of: known) {
            throw RegistryError.database("\(path): the registry was written by a newer promptkit (schema \(applied.subtracting(known).sorted().joined(separator: ", "))); upgrade promptkit")
        }
        if applied == known { return }
        if mode == .readOnly {
            throw RegistryError.database("\(path): the registry's schema is older than this promptkit's; run a command that writes (with write access) to upgrade it")
        }
        do {
            try migrator.migrate(pool)
        } catch {
            // Two processes creating the same registry both see it unmigrated; the loser's
            // CREATE TABLE fails. What matters is that the schema is complete now.
            let done = try pool.read { db in try migrator.appliedIdentifiers(db) }
            if done != known { throw error }
        }
    }

    static let migrationIDs = ["v1"]

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
            PRAGMA application_id = \(applicationID);
            CREATE TABLE prompt_version (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                version TEXT NOT NULL,
                precedence TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                content BLOB NOT NULL,
                model TEXT,
                variables TEXT NOT NULL,
                token_count INTEGER,
                token_encoding TEXT,
                rendered TEXT NOT NULL,
                sample TEXT,
                author TEXT NOT NULL,
                published_at TEXT NOT NULL,
                UNIQUE (name, version)
            );
            CREATE INDEX prompt_version_by_precedence ON prompt_version (name, precedence, id);
            CREATE TRIGGER prompt_version_immutable BEFORE UPDATE ON prompt_version
                BEGIN SELECT RAISE(ABORT, 'published prompt versions are immutable'); END;
            CREATE TRIGGER prompt_version_permanent BEFORE DELETE ON prompt_version
                BEGIN SELECT RAISE(ABORT, 'published prompt versions are never deleted'); END;

            CREATE TABLE label_entry (
                name TEXT NOT NULL,
                environment TEXT NOT NULL,
                depth INTEGER NOT NULL,
                version TEXT NOT NULL,
                PRIMARY KEY (name, environment, depth),
                FOREIGN KEY (name, version) REFERENCES prompt_version (name, version)
            ) WITHOUT ROWID;

            CREATE TABLE audit_event (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                time TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                name TEXT,
                environment TEXT,
                from_version TEXT,
                to_version TEXT,
                reason TEXT
            );
            CREATE INDEX audit_event_by_name ON audit_event (name, id);
            CREATE TRIGGER audit_event_append_only_update BEFORE UPDATE ON audit_event
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            CREATE TRIGGER audit_event_append_only_delete BEFORE DELETE ON audit_event
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

            CREATE TABLE test_record (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                version TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                passed INTEGER NOT NULL,
                total INTEGER NOT NULL,
                source TEXT,
                recorded_at TEXT NOT NULL
            );
            CREATE INDEX test_record_by_version ON test_record (name, version, id);

            CREATE TABLE protection (
                environment TEXT PRIMARY KEY,
                min_pass_rate REAL NOT NULL
            );

            CREATE TABLE experiment (
                id TEXT PRIMARY KEY,
                prompt TEXT NOT NULL,
                control TEXT NOT NULL,
                treatment TEXT NOT NULL,
                split REAL NOT NULL,
                status TEXT NOT NULL,
                winner TEXT,
                created_at TEXT NOT NULL,
                stopped_at TEXT
            );
            """)
        }
        return m
    }

    public func read<T>(_ body: (any RegistryReading) throws -> T) throws -> T {
        do {
            return try pool.read { db in try body(SQLiteAccess(db: db)) }
        } catch let e as RegistryError {
            throw e
        } catch {
            throw Self.describe(error, path: path)
        }
    }

    public func write<T>(_ body: (any RegistryWriting) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(SQLiteAccess(db: db))
                    return .commit
                }
                guard let result else { throw RegistryError.database("\(path): the transaction produced no result") }
                return result
            }
        } catch let e as RegistryError {
            throw e
        } catch {
            throw Self.describe(error, path: path)
        }
    }

    static func describe(_ error: any Error, path: String) -> RegistryError {
        guard let e = error as? DatabaseError else { return .database("\(path): \(error)") }
        let detail = e.message ?? "\(e.resultCode)"
        switch e.resultCode.primaryResultCode {
        case .SQLITE_NOTADB: return .database("\(path): not a promptkit registry (SQLite: \(detail))")
        case .SQLITE_CORRUPT: return .database("\(path): the registry database is corrupt (SQLite: \(detail)); restore it from a backup or `registry export` output")
        case .SQLITE_READONLY: return .database("\(path): the registry is read-only (\(detail)); commands that change it need write access")
        case .SQLITE_CANTOPEN: return .database("\(path): cannot open the registry (\(detail)); check the path and permissions")
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .database("\(path): the registry stayed locked by another process past the busy timeout (\(detail))")
        case .SQLITE_FULL: return .database("\(path): the disk is full (\(detail)); nothing was changed")
        default: return .database("\(path): SQLite error: \(detail)")
        }
    }
}

/// Queries on one GRDB connection, inside the transaction `read`/`write` opened.
struct SQLiteAccess: RegistryWriting {
    let db: Database

    static let versionColumns = "name, version, content_hash, content, model, variables, token_count, token_encoding, rendered, sample, author, published_at"

    func promptVersion(_ row: Row) -> PromptVersion {
        let content: Data = row["content"] ?? Data()
        return PromptVersion(
            name: row["name"], version: row["version"], contentHash: row["content_hash"], content: [UInt8](content),
            model: row["model"], variables: Self.json(row["variables"]), tokenCount: row["token_count"],
            tokenEncoding: row["token_encoding"], rendered: Self.json(row["rendered"]), sample: row["sample"],
            author: row["author"], publishedAt: row["published_at"])
    }

    static func json(_ text: String?) -> Value {
        guard let text, let v = try? JSON.parse(Array(text.utf8)) else { return .null }
        return v
    }

    func fetchVersion(_ sql: String, _ arguments: StatementArguments) throws -> PromptVersion? {
        try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments).map(promptVersion)
    }

    func version(name: String, version: String) throws -> PromptVersion? {
        try fetchVersion("SELECT \(Self.versionColumns) FROM prompt_version WHERE name = ? AND version = ?", [name, version])
    }

    func latestVersion(name: String) throws -> PromptVersion? {
        try fetchVersion("SELECT \(Self.versionColumns) FROM prompt_version WHERE name = ? ORDER BY precedence DESC, id DESC LIMIT 1", [name])
    }

    func latestPassingVersion(name: String, minPassRate: Double) throws -> PromptVersion? {
        // From the test records (few) to the versions (many): each version's latest record, kept
        // when it is for the version's own content and passes. Scanning versions in precedence
        // order instead cost a millisecond with 10,000 versions and sparse records.
        let columns = Self.versionColumns.split(separator: ",").map { "v." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
        return try fetchVersion("""
            SELECT \(columns) FROM test_record t
            JOIN prompt_version v ON v.name = t.name AND v.version = t.version AND v.content_hash = t.content_hash
            WHERE t.name = ?
              AND t.id = (SELECT MAX(l.id) FROM test_record l WHERE l.name = t.name AND l.version = t.version)
              AND (CASE WHEN t.total > 0 THEN CAST(t.passed AS REAL) / t.total ELSE 0 END) >= ?
            ORDER BY v.precedence DESC, v.id DESC LIMIT 1
            """, [name, minPassRate])
    }

    func versions(name: String) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT version FROM prompt_version WHERE name = ? ORDER BY precedence, id"), arguments: [name])
    }

    func names() throws -> [NameSummary] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT v.name AS name, COUNT(*) AS n,
                   (SELECT l.version FROM prompt_version l WHERE l.name = v.name ORDER BY l.precedence DESC, l.id DESC LIMIT 1) AS latest
            FROM prompt_version v GROUP BY v.name ORDER BY v.name
            """)
        var labelsByName: [String: [(String, String)]] = [:]
        for s in try labelStacks() {
            if let current = s.versions.last { labelsByName[s.name, default: []].append((s.environment, current)) }
        }
        return rows.map { r in
            let name: String = r["name"]
            return NameSummary(name: name, latest: r["latest"], versionCount: r["n"], environments: labelsByName[name] ?? [])
        }
    }

    func labelStack(name: String, environment: String) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT version FROM label_entry WHERE name = ? AND environment = ? ORDER BY depth"),
                            arguments: [name, environment])
    }

    func currentLabel(name: String, environment: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT version FROM label_entry WHERE name = ? AND environment = ? ORDER BY depth DESC LIMIT 1"),
                            arguments: [name, environment])
    }

    func labelStacks() throws -> [LabelStack] {
        var out: [LabelStack] = []
        for r in try Row.fetchAll(db, sql: "SELECT name, environment, version FROM label_entry ORDER BY name, environment, depth") {
            let name: String = r["name"], env: String = r["environment"], version: String = r["version"]
            if let last = out.last, last.name == name, last.environment == env {
                out[out.count - 1].versions.append(version)
            } else {
                out.append(LabelStack(name: name, environment: env, versions: [version]))
            }
        }
        return out
    }

    func labels(name: String) throws -> [(environment: String, version: String)] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT environment, version FROM label_entry e WHERE name = ?
            AND depth = (SELECT MAX(depth) FROM label_entry m WHERE m.name = e.name AND m.environment = e.environment)
            ORDER BY environment
            """), arguments: [name]).map { (environment: $0["environment"], version: $0["version"]) }
    }

    func events(name: String?) throws -> [AuditEvent] {
        let sql = "SELECT time, actor, action, name, environment, from_version, to_version, reason FROM audit_event"
        let rows = try name.map { try Row.fetchAll(db, sql: sql + " WHERE name = ? ORDER BY id", arguments: [$0]) }
            ?? Row.fetchAll(db, sql: sql + " ORDER BY id")
        return rows.map { r in
            AuditEvent(time: r["time"], actor: r["actor"], action: AuditEvent.Action(rawValue: r["action"]) ?? .publish,
                       name: r["name"], environment: r["environment"], fromVersion: r["from_version"],
                       toVersion: r["to_version"], reason: r["reason"])
        }
    }

    func testRecord(_ r: Row) -> TestRecord {
        TestRecord(name: r["name"], version: r["version"], contentHash: r["content_hash"], passed: r["passed"],
                   total: r["total"], source: r["source"], recordedAt: r["recorded_at"])
    }

    func latestTestRecord(name: String, version: String) throws -> TestRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM test_record WHERE name = ? AND version = ? ORDER BY id DESC LIMIT 1"),
                         arguments: [name, version]).map(testRecord)
    }

    func testRecords() throws -> [TestRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM test_record ORDER BY id").map(testRecord)
    }

    func protection(environment: String) throws -> Protection? {
        try Double.fetchOne(db.cachedStatement(sql: "SELECT min_pass_rate FROM protection WHERE environment = ?"), arguments: [environment])
            .map { Protection(environment: environment, minPassRate: $0) }
    }

    func protections() throws -> [Protection] {
        try Row.fetchAll(db, sql: "SELECT environment, min_pass_rate FROM protection ORDER BY environment")
            .map { Protection(environment: $0["environment"], minPassRate: $0["min_pass_rate"]) }
    }

    func experimentRow(_ r: Row) -> Experiment {
        Experiment(id: r["id"], prompt: r["prompt"], control: r["control"], treatment: r["treatment"], split: r["split"],
                   status: Experiment.Status(rawValue: r["status"]) ?? .stopped,
                   winner: (r["winner"] as String?).flatMap(Experiment.Variant.init(rawValue:)),
                   createdAt: r["created_at"], stoppedAt: r["stopped_at"])
    }

    func experiment(id: String) throws -> Experiment? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM experiment WHERE id = ?"), arguments: [id]).map(experimentRow)
    }

    func experiments() throws -> [Experiment] {
        try Row.fetchAll(db, sql: "SELECT * FROM experiment ORDER BY created_at, id").map(experimentRow)
    }

    func publishedHashes() throws -> [(name: String, version: String, contentHash: String)] {
        try Row.fetchAll(db, sql: "SELECT name, version, content_hash FROM prompt_version ORDER BY id")
            .map { (name: $0["name"], version: $0["version"], contentHash: $0["content_hash"]) }
    }

    func allVersions() throws -> [PromptVersion] {
        try Row.fetchAll(db, sql: "SELECT \(Self.versionColumns) FROM prompt_version ORDER BY id").map(promptVersion)
    }

    func isEmpty() throws -> Bool {
        let counts = try Int.fetchAll(db, sql: """
            SELECT (SELECT COUNT(*) FROM prompt_version) + (SELECT COUNT(*) FROM audit_event)
                 + (SELECT COUNT(*) FROM experiment) + (SELECT COUNT(*) FROM protection) + (SELECT COUNT(*) FROM test_record)
            """)
        return counts.first == 0
    }

    func insert(_ v: PromptVersion) throws {
        guard let precedence = Semver.precedenceKey(v.version) else {
            throw RegistryError.invalid("`\(v.version)` is not a semantic version")
        }
        try db.execute(sql: """
            INSERT INTO prompt_version (name, version, precedence, content_hash, content, model, variables, token_count,
                                        token_encoding, rendered, sample, author, published_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [v.name, v.version, precedence, v.contentHash, Data(v.content), v.model, JSON.serialize(v.variables),
                             v.tokenCount, v.tokenEncoding, JSON.serialize(v.rendered), v.sample, v.author, v.publishedAt])
    }

    func pushLabel(name: String, environment: String, version: String) throws {
        try db.execute(sql: """
            INSERT INTO label_entry (name, environment, depth, version)
            VALUES (?, ?, (SELECT COALESCE(MAX(depth), 0) + 1 FROM label_entry WHERE name = ? AND environment = ?), ?)
            """, arguments: [name, environment, name, environment, version])
    }

    func popLabel(name: String, environment: String) throws -> String? {
        guard let row = try Row.fetchOne(db, sql: "SELECT depth, version FROM label_entry WHERE name = ? AND environment = ? ORDER BY depth DESC LIMIT 1",
                                         arguments: [name, environment]) else { return nil }
        let depth: Int = row["depth"]
        try db.execute(sql: "DELETE FROM label_entry WHERE name = ? AND environment = ? AND depth = ?", arguments: [name, environment, depth])
        return row["version"]
    }

    func append(_ e: AuditEvent) throws {
        try db.execute(sql: """
            INSERT INTO audit_event (time, actor, action, name, environment, from_version, to_version, reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [e.time, e.actor, e.action.rawValue, e.name, e.environment, e.fromVersion, e.toVersion, e.reason])
    }

    func insert(_ r: TestRecord) throws {
        try db.execute(sql: """
            INSERT INTO test_record (name, version, content_hash, passed, total, source, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [r.name, r.version, r.contentHash, r.passed, r.total, r.source, r.recordedAt])
    }

    func setProtection(_ p: Protection?, environment: String) throws {
        if let p {
            try db.execute(sql: "INSERT OR REPLACE INTO protection (environment, min_pass_rate) VALUES (?, ?)", arguments: [environment, p.minPassRate])
        } else {
            try db.execute(sql: "DELETE FROM protection WHERE environment = ?", arguments: [environment])
        }
    }

    func insert(_ x: Experiment) throws {
        try db.execute(sql: """
            INSERT INTO experiment (id, prompt, control, treatment, split, status, winner, created_at, stopped_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [x.id, x.prompt, x.control, x.treatment, x.split, x.status.rawValue, x.winner?.rawValue, x.createdAt, x.stoppedAt])
    }

    func update(_ x: Experiment) throws {
        try db.execute(sql: "UPDATE experiment SET status = ?, winner = ?, stopped_at = ? WHERE id = ?",
                       arguments: [x.status.rawValue, x.winner?.rawValue, x.stoppedAt, x.id])
    }
}
