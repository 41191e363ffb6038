import CoreSupport

/// The one entry point the CLI and the language server share: rules, then the workspace
/// configuration, then inline suppressions.
public enum Linter {
    public static func lint(_ file: ParsedFile, in workspace: Workspace, configuration: Configuration = Configuration()) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for var d in Checker.check(file, in: workspace) {
            guard let severity = configuration.effectiveSeverity(d.rule) else { continue }
            guard !file.suppressions.isSuppressed(d, lineIndex: file.lineIndex) else { continue }
            d.severity = severity
            out.append(d)
        }
        return out
    }
}
