import Analysis
import CoreSupport
import Foundation

/// Test helpers: build a workspace from texts, strip `↓` markers, lint.
enum Fixture {
    static let marker = "↓"

    /// Removes the first `↓` and returns the text and the marker's byte offset.
    static func strip(_ text: String) -> (String, Int?) {
        // Searched as bytes, not Characters: a marker followed by a combining or tag character
        // forms one grapheme with it and a Character search would not find it.
        let bytes = Array(text.utf8), needle = Array(marker.utf8)
        guard let r = bytes.firstRange(of: needle) else { return (text, nil) }
        return (String(decoding: bytes[..<r.lowerBound] + bytes[r.upperBound...], as: UTF8.self), r.lowerBound)
    }

    static func lint(_ main: String, others: [String] = [], published: String? = nil,
                     configuration: Configuration = Configuration()) -> [Diagnostic] {
        let files = ([main] + others).enumerated().map { i, text in
            ParsedFile.parse(SourceFile(path: i == 0 ? "main.prompt.yaml" : "other\(i).prompt.yaml", bytes: Array(text.utf8)))
        }
        var workspace = Workspace(files: files)
        if let published {
            // The registry's record of `published`: its name, version and hash, running in production.
            let p = ParsedFile.parse(SourceFile(path: "published.prompt.yaml", bytes: Array(published.utf8)))
            if let name = p.name, let version = p.prompt.version?.value {
                let facts = RegistryFacts.Published(contentHash: SHA256.hex(Array(published.utf8)), environments: ["production"])
                workspace.registry = RegistryFacts(published: [name: [version: facts]], environments: [name: ["production": version]])
            }
        }
        return Linter.lint(files[0], in: workspace, configuration: configuration)
    }
}
