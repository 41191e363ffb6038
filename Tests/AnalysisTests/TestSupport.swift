import Analysis
import CoreSupport
import Foundation

/// Test helpers: build a workspace from texts, strip `↓` markers, lint.
enum Fixture {
    static let marker = "↓"

    /// Removes the first `↓` and returns the text and the marker's byte offset.
    static func strip(_ text: String) -> (String, Int?) {
        guard let r = text.range(of: marker) else { return (text, nil) }
        let offset = text[..<r.lowerBound].utf8.count
        return (text.replacingCharacters(in: r, with: ""), offset)
    }

    static func lint(_ main: String, others: [String] = [], configuration: Configuration = Configuration()) -> [Diagnostic] {
        let files = ([main] + others).enumerated().map { i, text in
            ParsedFile.parse(SourceFile(path: i == 0 ? "main.prompt.yaml" : "other\(i).prompt.yaml", bytes: Array(text.utf8)))
        }
        let workspace = Workspace(files: files)
        return Linter.lint(files[0], in: workspace, configuration: configuration)
    }
}
