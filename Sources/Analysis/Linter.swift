import CoreSupport

/// The one entry point the CLI and the language server share: rules, then the workspace
/// configuration, then inline suppressions.
public enum Linter {
    public static func lint(_ file: ParsedFile, in workspace: Workspace, configuration: Configuration = Configuration()) -> [Diagnostic] {
        var out: [Diagnostic] = []
        // A configuration that turns every security rule off (`ignore: [security]`) skips the
        // scanners instead of discarding their findings.
        let security = SecurityRules.all.contains { configuration.effectiveSeverity($0) != nil }
        for var d in Checker.check(file, in: workspace, security: security) {
            guard let severity = configuration.effectiveSeverity(d.rule) else { continue }
            guard !file.suppressions.isSuppressed(d, lineIndex: file.lineIndex) else { continue }
            d.severity = severity
            out.append(d)
        }
        return out
    }
}
