import CoreSupport
import Foundation
import PromptSyntax

/// `registry export` / `import`: the whole registry as one JSON document. Import goes into an
/// empty registry in one transaction and checks every content hash, so an edited or truncated
/// export is refused instead of stored.
public enum RegistryTransfer {
    public static let format = "promptkit-registry"
    public static let formatVersion = 1

    public static func export(_ registry: Registry) throws(RegistryError) -> Value {
        try registry.run {
            try registry.store.read { r in
                var root = OrderedObject()
                root["format"] = .string(format)
                root["format_version"] = .int(formatVersion)
                root["versions"] = .array(try r.allVersions().map(versionJSON))
                root["labels"] = .array(try r.labelStacks().map { s in
                    .object(OrderedObject([("name", .string(s.name)), ("environment", .string(s.environment)),
                                           ("versions", .array(s.versions.map(Value.string)))]))
                })
                root["protections"] = .array(try r.protections().map { p in
                    .object(OrderedObject([("environment", .string(p.environment)), ("min_pass_rate", .double(p.minPassRate))]))
                })
                root["test_records"] = .array(try r.testRecords().map { t in
                    .object(OrderedObject([
                        ("name", .string(t.name)), ("version", .string(t.version)), ("content_hash", .string(t.contentHash)),
                        ("passed", .int(t.passed)), ("total", .int(t.total)), ("source", t.source.map(Value.string) ?? .null),
                        ("recorded_at", .string(t.recordedAt)),
                    ]))
                })
                root["experiments"] = .array(try r.experiments().map(experimentJSON))
                root["events"] = .array(try r.events(name: nil).map(eventJSON))
                return .object(root)
            }
        }
    }

    public static func versionJSON(_ v: PromptVersion) -> Value {
        var o = OrderedObject()
        o["name"] = .string(v.name)
        o["version"] = .string(v.version)
        o["content_hash"] = .string(v.contentHash)
        if let text = String(validating: v.content, as: UTF8.self) {
            o["content"] = .string(text)
        } else {
            o["content_base64"] = .string(Data(v.content).base64EncodedString())
        }
        o["model"] = v.model.map(Value.string) ?? .null
        o["variables"] = v.variables
        o["token_count"] = v.tokenCount.map(Value.int) ?? .null
        o["token_encoding"] = v.tokenEncoding.map(Value.string) ?? .null
        o["sample"] = v.sample.map(Value.string) ?? .null
        o["rendered"] = v.rendered
        o["author"] = .string(v.author)
        o["published_at"] = .string(v.publishedAt)
        return .object(o)
    }

    public static func experimentJSON(_ x: Experiment) -> Value {
        .object(OrderedObject([
            ("id", .string(x.id)), ("prompt", .string(x.prompt)), ("control", .string(x.control)),
            ("treatment", .string(x.treatment)), ("split", .double(x.split)), ("status", .string(x.status.rawValue)),
            ("winner", x.winner.map { .string($0.rawValue) } ?? .null), ("created_at", .string(x.createdAt)),
            ("stopped_at", x.stoppedAt.map(Value.string) ?? .null),
        ]))
    }

    public static func eventJSON(_ e: AuditEvent) -> Value {
        .object(OrderedObject([
            ("time", .string(e.time)), ("actor", .string(e.actor)), ("action", .string(e.action.rawValue)),
            ("name", e.name.map(Value.string) ?? .null), ("environment", e.environment.map(Value.string) ?? .null),
            ("from", e.fromVersion.map(Value.string) ?? .null), ("to", e.toVersion.map(Value.string) ?? .null),
            ("reason", e.reason.map(Value.string) ?? .null),
        ]))
    }

    public struct Summary: Sendable, Equatable {
        public let versions: Int
        public let labels: Int
        public let events: Int
        public let testRecords: Int
        public let experiments: Int
    }

    public static func `import`(_ document: Value, into registry: Registry) throws(RegistryError) -> Summary {
        let reader = Reader()
        guard case .object(let root) = document else { throw .invalid("the import is not a JSON object") }
        guard root["format"] == .string(format) else { throw .invalid("not a promptkit registry export (`format` is not \"\(format)\")") }
        guard case .int(let v)? = root["format_version"], v <= formatVersion else {
            throw .invalid("unsupported export format_version \(JSON.serialize(root["format_version"] ?? .null)); this promptkit reads up to \(formatVersion)")
        }
        let versions = try reader.items(root, "versions").enumerated().map { (i, o) throws(RegistryError) in try reader.version(o, at: "versions[\(i)]") }
        let labels = try reader.items(root, "labels").enumerated().map { (i, o) throws(RegistryError) in
            LabelStack(name: try reader.string(o, "name", at: "labels[\(i)]"), environment: try reader.string(o, "environment", at: "labels[\(i)]"),
                       versions: try reader.strings(o, "versions", at: "labels[\(i)]"))
        }
        let protections = try reader.items(root, "protections").enumerated().map { (i, o) throws(RegistryError) in
            Protection(environment: try reader.string(o, "environment", at: "protections[\(i)]"), minPassRate: try reader.double(o, "min_pass_rate", at: "protections[\(i)]"))
        }
        let records = try reader.items(root, "test_records").enumerated().map { (i, o) throws(RegistryError) in
            let at = "test_records[\(i)]"
            return TestRecord(name: try reader.string(o, "name", at: at), version: try reader.string(o, "version", at: at),
                              contentHash: try reader.string(o, "content_hash", at: at), passed: try reader.int(o, "passed", at: at),
                              total: try reader.int(o, "total", at: at), source: reader.optionalString(o, "source"),
                              recordedAt: try reader.string(o, "recorded_at", at: at))
        }
        let experiments = try reader.items(root, "experiments").enumerated().map { (i, o) throws(RegistryError) in
            let at = "experiments[\(i)]"
            return Experiment(id: try reader.string(o, "id", at: at), prompt: try reader.string(o, "prompt", at: at),
                              control: try reader.string(o, "control", at: at), treatment: try reader.string(o, "treatment", at: at),
                              split: try reader.double(o, "split", at: at),
                              status: Experiment.Status(rawValue: try reader.string(o, "status", at: at)) ?? .stopped,
                              winner: reader.optionalString(o, "winner").flatMap(Experiment.Variant.init(rawValue:)),
                              createdAt: try reader.string(o, "created_at", at: at), stoppedAt: reader.optionalString(o, "stopped_at"))
        }
        let events = try reader.items(root, "events").enumerated().map { (i, o) throws(RegistryError) in
            let at = "events[\(i)]"
            let actionText = try reader.string(o, "action", at: at)
            guard let action = AuditEvent.Action(rawValue: actionText) else { throw RegistryError.invalid("\(at).action: unknown action `\(actionText)`") }
            return AuditEvent(time: try reader.string(o, "time", at: at), actor: try reader.string(o, "actor", at: at), action: action,
                              name: reader.optionalString(o, "name"), environment: reader.optionalString(o, "environment"),
                              fromVersion: reader.optionalString(o, "from"), toVersion: reader.optionalString(o, "to"),
                              reason: reader.optionalString(o, "reason"))
        }
        return try registry.run {
            try registry.store.write { tx in
                guard try tx.isEmpty() else {
                    throw RegistryError.refused("the target registry is not empty; import into a new --db (imports never merge into existing history)")
                }
                for v in versions { try tx.insert(v) }
                for s in labels {
                    for version in s.versions {
                        guard try tx.version(name: s.name, version: version) != nil else {
                            throw RegistryError.invalid("labels: \(s.environment) of \(s.name) points at \(version), which the export does not contain")
                        }
                        try tx.pushLabel(name: s.name, environment: s.environment, version: version)
                    }
                }
                for p in protections { try tx.setProtection(p, environment: p.environment) }
                for r in records { try tx.insert(r) }
                for x in experiments { try tx.insert(x) }
                for e in events { try tx.append(e) }
                return Summary(versions: versions.count, labels: labels.count, events: events.count,
                               testRecords: records.count, experiments: experiments.count)
            }
        }
    }

    /// Field access with messages that say where in the document a value is wrong.
    struct Reader {
        func items(_ root: OrderedObject, _ key: String) throws(RegistryError) -> [OrderedObject] {
            guard let v = root[key] else { return [] }
            guard case .array(let items) = v else { throw .invalid("`\(key)` must be an array") }
            var out: [OrderedObject] = []
            for (i, item) in items.enumerated() {
                guard case .object(let o) = item else { throw .invalid("\(key)[\(i)] must be an object") }
                out.append(o)
            }
            return out
        }

        func string(_ o: OrderedObject, _ key: String, at: String) throws(RegistryError) -> String {
            guard case .string(let s)? = o[key] else { throw .invalid("\(at).\(key): a string is required") }
            return s
        }

        func optionalString(_ o: OrderedObject, _ key: String) -> String? {
            if case .string(let s)? = o[key] { return s }
            return nil
        }

        func strings(_ o: OrderedObject, _ key: String, at: String) throws(RegistryError) -> [String] {
            guard case .array(let items)? = o[key] else { throw .invalid("\(at).\(key): an array of strings is required") }
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw .invalid("\(at).\(key): an array of strings is required") }
                out.append(s)
            }
            return out
        }

        func int(_ o: OrderedObject, _ key: String, at: String) throws(RegistryError) -> Int {
            guard case .int(let n)? = o[key] else { throw .invalid("\(at).\(key): an integer is required") }
            return n
        }

        func double(_ o: OrderedObject, _ key: String, at: String) throws(RegistryError) -> Double {
            switch o[key] {
            case .double(let d)?: return d
            case .int(let n)?: return Double(n)
            default: throw .invalid("\(at).\(key): a number is required")
            }
        }

        func version(_ o: OrderedObject, at: String) throws(RegistryError) -> PromptVersion {
            let name = try string(o, "name", at: at), version = try string(o, "version", at: at)
            guard Semver.isValid(version) else { throw .invalid("\(at).version: `\(version)` is not a semantic version") }
            let content: [UInt8]
            if let text = optionalString(o, "content") {
                content = Array(text.utf8)
            } else if let b64 = optionalString(o, "content_base64"), let data = Data(base64Encoded: b64) {
                content = [UInt8](data)
            } else {
                throw .invalid("\(at): `content` (or `content_base64`) is required")
            }
            let hash = try string(o, "content_hash", at: at)
            let actual = SHA256.hex(content)
            guard hash == actual else {
                throw .invalid("\(at) (\(name)@\(version)): the content's sha256 is \(actual), not the recorded \(hash); the export was modified or damaged")
            }
            var tokens: Int?
            if case .int(let n)? = o["token_count"] { tokens = n }
            return PromptVersion(name: name, version: version, contentHash: hash, content: content, model: optionalString(o, "model"),
                                 variables: o["variables"] ?? .array([]), tokenCount: tokens, tokenEncoding: optionalString(o, "token_encoding"),
                                 rendered: o["rendered"] ?? .array([]), sample: optionalString(o, "sample"),
                                 author: try string(o, "author", at: at), publishedAt: try string(o, "published_at", at: at))
        }
    }
}
