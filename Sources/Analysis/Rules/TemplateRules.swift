/// Rules about Mustache template syntax and partials.
public enum TemplateRules {
    public static let templateSyntaxError = Rule(
        code: "PK201", name: "template-syntax-error", category: .template, defaultSeverity: .error,
        summary: "A malformed Mustache tag: unclosed, empty, an invalid name or delimiter change.",
        explanation: """
        A tag that is never closed (`{{customer`), has no name (`{{}}`) or a name with spaces \
        (`{{first name}}`) renders as literal text or nothing at all, and the model sees the braces.
        """,
        triggering: [RuleExample("name: support/triage\nversion: 1.0.0\nvariables:\n  customer: string\ntemplate: \"Hello ↓{{customer, welcome\"\n")],
        nonTriggering: [RuleExample("name: support/triage\nversion: 1.0.0\nvariables:\n  customer: string\ntemplate: \"Hello {{customer}}, welcome\"\n")]
    )

    public static let unclosedSection = Rule(
        code: "PK202", name: "unclosed-section", category: .template, defaultSeverity: .error,
        summary: "A section `{{#name}}` (or `{{^name}}`, `{{$name}}`, `{{<name}}`) is never closed.",
        explanation: """
        Everything after an unclosed section opener belongs to it, so the rest of the prompt only \
        renders when the section's value is truthy. Close it with `{{/name}}`.
        """,
        triggering: [RuleExample("name: rag/answer\nversion: 1.0.0\nvariables:\n  docs:\n    type: array\n    items: string\ntemplate: |\n  ↓{{#docs}}\n  - {{.}}\n")],
        nonTriggering: [RuleExample("name: rag/answer\nversion: 1.0.0\nvariables:\n  docs:\n    type: array\n    items: string\ntemplate: |\n  {{#docs}}\n  - {{.}}\n  {{/docs}}\n")]
    )

    public static let mismatchedSectionClose = Rule(
        code: "PK203", name: "mismatched-section-close", category: .template, defaultSeverity: .error,
        summary: "A closing tag `{{/name}}` that does not match the open section.",
        explanation: "Sections close in the reverse order they open. A close tag with another name, or with no open section, is ignored.",
        triggering: [RuleExample("name: rag/answer\nversion: 1.0.0\nvariables:\n  docs:\n    type: array\n  q: string\ntemplate: \"{{#docs}}x↓{{/doc}}{{/docs}} {{q}}\"\n")],
        nonTriggering: [RuleExample("name: rag/answer\nversion: 1.0.0\nvariables:\n  docs:\n    type: array\n  q: string\ntemplate: \"{{#docs}}x{{/docs}} {{q}}\"\n")]
    )

    public static let missingPartial = Rule(
        code: "PK204", name: "missing-partial", category: .template, defaultSeverity: .error,
        summary: "`{{> name}}` names a prompt that no file in the workspace declares.",
        explanation: """
        Partials resolve to other prompt files by their `name`. A missing partial renders as \
        nothing, silently dropping that part of the prompt.
        """,
        triggering: [RuleExample("name: agent/main\nversion: 1.0.0\ntemplate: \"Rules: ↓{{> agent/rules}}\"\n",
                                 others: ["name: agent/rule\nversion: 1.0.0\ntemplate: Be kind.\n"])],
        nonTriggering: [RuleExample("name: agent/main\nversion: 1.0.0\ntemplate: \"Rules: {{> agent/rules}}\"\n",
                                    others: ["name: agent/rules\nversion: 1.0.0\ntemplate: Be kind.\n"])]
    )

    public static let partialCycle = Rule(
        code: "PK205", name: "partial-cycle", category: .template, defaultSeverity: .error,
        summary: "Partials include each other in a cycle.",
        explanation: """
        `a` includes `b` which includes `a`: rendering never ends (promptkit stops it at a depth \
        limit). Break the cycle; a recursive structure belongs in a section over recursive data.
        """,
        triggering: [RuleExample("name: agent/a\nversion: 1.0.0\ntemplate: \"A ↓{{> agent/b}}\"\n",
                                 others: ["name: agent/b\nversion: 1.0.0\ntemplate: \"B {{> agent/a}}\"\n"])],
        nonTriggering: [RuleExample("name: agent/a\nversion: 1.0.0\ntemplate: \"A {{> agent/b}}\"\n",
                                    others: ["name: agent/b\nversion: 1.0.0\ntemplate: \"B\"\n"])]
    )

    public static let all: [Rule] = [templateSyntaxError, unclosedSection, mismatchedSectionClose, missingPartial, partialCycle]
}
