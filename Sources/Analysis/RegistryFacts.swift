import CoreSupport

/// What the prompt registry says about published versions, as plain values: analysis never opens
/// the registry. The CLI and the language server read it (`Registry.facts()`) and pass it in.
public struct RegistryFacts: Sendable, Equatable {
    public struct Published: Sendable, Equatable {
        /// SHA-256 (lowercase hex) of the published file's bytes.
        public let contentHash: String
        /// The environments that run this version now, sorted.
        public let environments: [String]
        public init(contentHash: String, environments: [String]) {
            self.contentHash = contentHash
            self.environments = environments
        }
    }

    /// name → version → facts.
    public var published: [String: [String: Published]]
    /// name → environment → version, for "production runs 1.4.0" when this version is not published.
    public var environments: [String: [String: String]]

    public init(published: [String: [String: Published]] = [:], environments: [String: [String: String]] = [:]) {
        self.published = published
        self.environments = environments
    }

    public var isEmpty: Bool { published.isEmpty }

    public func version(_ name: String, _ version: String) -> Published? { published[name]?[version] }
}

/// Rules that compare a file with the registry's record of it.
public enum RegistryRules {
    public static let editedAfterPublish = Rule(
        code: "PK601", name: "edited-after-publish", category: .registry, defaultSeverity: .warning,
        summary: "The file differs from the registry's published content for the same name and version.",
        explanation: """
        Published versions are immutable: applications resolving this name and version get the \
        published bytes, not this file, and `promptkit registry publish` refuses the edited file. \
        Bump `version` so the change can be published as a new version (or undo the edit). The \
        check runs when the workspace has a registry (.promptkit/registry.sqlite, or \
        `PROMPTKIT_REGISTRY`); the example shows the registry's copy below the file.
        """,
        triggering: [RuleExample("name: support/summary\nversion: ↓1.0.0\ntemplate: Summarize the ticket in two sentences.\n",
                                 published: "name: support/summary\nversion: 1.0.0\ntemplate: Summarize the ticket in one sentence.\n")],
        nonTriggering: [
            RuleExample("name: support/summary\nversion: 1.0.0\ntemplate: Summarize the ticket in one sentence.\n",
                        published: "name: support/summary\nversion: 1.0.0\ntemplate: Summarize the ticket in one sentence.\n"),
            RuleExample("name: support/summary\nversion: 1.1.0\ntemplate: Summarize the ticket in two sentences.\n",
                        published: "name: support/summary\nversion: 1.0.0\ntemplate: Summarize the ticket in one sentence.\n"),
        ]
    )

    public static let all: [Rule] = [editedAfterPublish]

    static func check(_ file: ParsedFile, in workspace: Workspace) -> [Diagnostic] {
        guard !workspace.registry.isEmpty, let name = file.prompt.name?.value, let version = file.prompt.version else { return [] }
        guard let published = workspace.registry.version(name, version.value) else { return [] }
        let hash = SHA256.hex(file.bytes)
        guard hash != published.contentHash else { return [] }
        let running = published.environments.isEmpty ? "" : "; \(published.environments.joined(separator: ", ")) run\(published.environments.count == 1 ? "s" : "") the published content"
        return [Diagnostic(editedAfterPublish,
                           "\(name)@\(version.value) was published with other content (published sha256 \(published.contentHash.prefix(12)), this file \(hash.prefix(12)))\(running)",
                           at: version.range, help: "bump `version` to publish this change as a new version")]
    }
}
