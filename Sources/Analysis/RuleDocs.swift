/// Rule documentation, for `promptkit rule CODE` and the generated `docs/rules.md`.
public enum RuleDocs {
    public static let regenerateCommand = "swift run promptkit rules --markdown > docs/rules.md"

    public static func text(_ rule: Rule) -> String {
        var out = "\(rule.code) \(rule.name)\n"
        out += "category: \(rule.category.rawValue)    default severity: \(rule.defaultSeverity.rawValue)\n\n"
        out += rule.summary + "\n\n" + rule.explanation + "\n"
        for e in rule.triggering {
            out += "\nFlagged:\n" + indent(e.source) + "\n"
            for o in e.others { out += "  with another workspace file:\n" + indent(o, by: 4) + "\n" }
            if let p = e.published { out += "  with this published in the registry:\n" + indent(p, by: 4) + "\n" }
        }
        for e in rule.nonTriggering {
            out += "\nNot flagged:\n" + indent(e.source) + "\n"
            for o in e.others { out += "  with another workspace file:\n" + indent(o, by: 4) + "\n" }
            if let p = e.published { out += "  with this published in the registry:\n" + indent(p, by: 4) + "\n" }
        }
        out += "\nSuppress on one line with `# promptkit-ignore: \(rule.code)`; configure in promptkit.yaml under `rules`.\n"
        return out
    }

    public static func markdown() -> String {
        var out = "# Lint rules\n\n"
        out += "<!-- Generated from the rule descriptions in Sources/Analysis/Rules. Do not edit by hand: run `\(regenerateCommand)`. -->\n\n"
        out += "Every check promptkit makes is one of these rules. The same text is printed by `promptkit rule CODE`.\n"
        out += "Turn rules off or change their severity in `promptkit.yaml` (see docs/configuration.md), or suppress one finding with\n"
        out += "`# promptkit-ignore: CODE` on its line or the line before (`{{! promptkit-ignore: CODE }}` inside template text).\n\n"
        out += "| Code | Name | Category | Default | Summary |\n|---|---|---|---|---|\n"
        for r in Rules.all {
            out += "| [\(r.code)](#\(r.code.lowercased())-\(r.name)) | `\(r.name)` | \(r.category.rawValue) | \(r.defaultSeverity.rawValue) | \(r.summary.replacingPipes()) |\n"
        }
        for r in Rules.all {
            out += "\n## \(r.code) \(r.name)\n\n"
            out += "Category: `\(r.category.rawValue)` · default severity: `\(r.defaultSeverity.rawValue)`\n\n"
            out += r.summary + "\n\n" + r.explanation + "\n"
            for e in r.triggering {
                out += "\nFlagged (`↓` marks where the finding starts):\n\n```yaml\n" + e.source.trimmedNewline() + "\n```\n"
                for o in e.others { out += "\nwith another file in the workspace:\n\n```yaml\n" + o.trimmedNewline() + "\n```\n" }
                if let p = e.published { out += "\nwith this content published in the registry:\n\n```yaml\n" + p.trimmedNewline() + "\n```\n" }
            }
            for e in r.nonTriggering {
                out += "\nNot flagged:\n\n```yaml\n" + e.source.trimmedNewline() + "\n```\n"
                for o in e.others { out += "\nwith another file in the workspace:\n\n```yaml\n" + o.trimmedNewline() + "\n```\n" }
                if let p = e.published { out += "\nwith this content published in the registry:\n\n```yaml\n" + p.trimmedNewline() + "\n```\n" }
            }
        }
        return out
    }

    static func indent(_ s: String, by n: Int = 2) -> String {
        let pad = String(repeating: " ", count: n)
        return s.trimmedNewline().split(separator: "\n", omittingEmptySubsequences: false).map { pad + $0 }.joined(separator: "\n")
    }
}

extension String {
    func trimmedNewline() -> String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
    func replacingPipes() -> String { split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|") }
}
