/// Rules about the file's structure: YAML itself and the prompt-file format.
public enum SchemaRules {
    public static let yamlSyntaxError = Rule(
        code: "PK001", name: "yaml-syntax-error", category: .schema, defaultSeverity: .error,
        summary: "The file is not valid YAML.",
        explanation: """
        The YAML parser stopped at this point. Everything before it is still checked; everything \
        after it is not read until the error is fixed. Common causes: a tab used for indentation, \
        an unclosed quote or bracket, or a `:` inside an unquoted value.
        """,
        triggering: [RuleExample("name: support/triage\nversion: 1.0.0\ntemplate: [unclosed\n↓")],
        nonTriggering: [RuleExample("name: support/triage\nversion: 1.0.0\ntemplate: \"[bracket] is fine in quotes\"\n")]
    )

    public static let invalidEncoding = Rule(
        code: "PK002", name: "invalid-encoding", category: .schema, defaultSeverity: .error,
        summary: "The file is not UTF-8 text (invalid bytes, NUL bytes or control characters).",
        explanation: """
        Prompt files are UTF-8 text. A byte sequence that is not valid UTF-8, a NUL byte or another \
        control character usually means the file is binary, was saved in another encoding, or was \
        corrupted. The file is read up to the first bad byte.
        """,
        triggering: [RuleExample("name: support/triage\nversion: 1.0.0\ntemplate: \"bell ↓\u{07} here\"\n")],
        nonTriggering: [RuleExample("name: support/triage\nversion: 1.0.0\ntemplate: \"Grüße, 世界 👋\"\n")]
    )

    public static let unknownKey = Rule(
        code: "PK101", name: "unknown-key", category: .schema, defaultSeverity: .error,
        summary: "A key that the prompt-file format does not define.",
        explanation: """
        Unknown keys are almost always typos (`variabels`, `tempalte`), and a typo silently drops \
        what it holds: a misspelled `variables` declares nothing. Free-form data belongs under \
        `metadata`; provider parameters under `params`.
        """,
        triggering: [RuleExample("name: support/triage\nversion: 1.0.0\n↓descripton: Triage tickets\ntemplate: Hi\n")],
        nonTriggering: [RuleExample("name: support/triage\nversion: 1.0.0\nmetadata:\n  anything: goes\ntemplate: Hi\n")]
    )

    public static let missingRequiredKey = Rule(
        code: "PK102", name: "missing-required-key", category: .schema, defaultSeverity: .error,
        summary: "A required key (`name`, `version`, a message's `role` or `content`) is missing.",
        explanation: """
        Every prompt file needs a registry `name` and a semantic `version`; every message needs a \
        `role` and `content`. Without them the prompt cannot be published, rendered or tested.
        """,
        triggering: [RuleExample("↓name: support/triage\ntemplate: Hi\n")],
        nonTriggering: [RuleExample("name: support/triage\nversion: 1.0.0\ntemplate: Hi\n")]
    )

    public static let invalidFieldType = Rule(
        code: "PK103", name: "invalid-field-type", category: .schema, defaultSeverity: .error,
        summary: "A field holds the wrong kind of YAML value (a list where text is expected, …).",
        explanation: "Each field of the format has one shape; see docs/prompt-files.md for the format.",
        triggering: [RuleExample("name: support/triage\nversion: 1.0.0\nparams:\n  temperature: ↓warm\ntemplate: Hi\n")],
        nonTriggering: [RuleExample("name: support/triage\nversion: 1.0.0\nparams:\n  temperature: 0.2\ntemplate: Hi\n")]
    )

    public static let invalidFieldValue = Rule(
        code: "PK104", name: "invalid-field-value", category: .schema, defaultSeverity: .error,
        summary: "A field holds a value outside its allowed set (an unknown role or variable type, …).",
        explanation: "Roles are system, user, assistant and tool; variable types are string, number, integer, boolean, array and object.",
        triggering: [RuleExample("name: support/triage\nversion: 1.0.0\nmessages:\n  - role: ↓sytem\n    content: Be brief.\n")],
        nonTriggering: [RuleExample("name: support/triage\nversion: 1.0.0\nmessages:\n  - role: system\n    content: Be brief.\n")]
    )

    public static let invalidSemver = Rule(
        code: "PK105", name: "invalid-semver", category: .schema, defaultSeverity: .error,
        summary: "`version` is not a semantic version (MAJOR.MINOR.PATCH).",
        explanation: """
        The registry orders versions and resolves environments by semantic version, so `version` \
        must follow Semantic Versioning 2.0.0: `1.0.0`, `2.3.1-beta.1`. `1.0` and `v1.0.0` are not \
        valid.
        """,
        triggering: [RuleExample("name: support/triage\nversion: ↓1.0\ntemplate: Hi\n")],
        nonTriggering: [RuleExample("name: support/triage\nversion: 1.0.0-rc.1+build.5\ntemplate: Hi\n")]
    )

    public static let conflictingBody = Rule(
        code: "PK106", name: "conflicting-body", category: .schema, defaultSeverity: .error,
        summary: "The file has both `template` and `messages`, or neither.",
        explanation: """
        A prompt is either one `template` string (for completion-style use and partials) or a list \
        of chat `messages`. With both, it is unclear which one is sent; with neither, there is no prompt.
        """,
        triggering: [RuleExample("name: support/triage\nversion: 1.0.0\ntemplate: Hi\n↓messages:\n  - role: user\n    content: Hi\n")],
        nonTriggering: [RuleExample("name: support/triage\nversion: 1.0.0\nmessages:\n  - role: user\n    content: Hi\n")]
    )

    public static let unquotedTemplateValue = Rule(
        code: "PK107", name: "unquoted-template-value", category: .schema, defaultSeverity: .error,
        summary: "An unquoted value starting with `{{` is read by YAML as a mapping, not text.",
        explanation: """
        In YAML, `content: {{question}}` is a flow mapping containing a mapping: the template text \
        is lost without any error from YAML itself. Quote the value (`"{{question}}"`) or use a \
        block scalar (`|`).
        """,
        triggering: [RuleExample("name: support/triage\nversion: 1.0.0\nvariables:\n  question: string\nmessages:\n  - role: user\n    content: ↓{{question}}\n")],
        nonTriggering: [RuleExample("name: support/triage\nversion: 1.0.0\nvariables:\n  question: string\nmessages:\n  - role: user\n    content: \"{{question}}\"\n")]
    )

    public static let duplicateKey = Rule(
        code: "PK108", name: "duplicate-key", category: .schema, defaultSeverity: .error,
        summary: "The same key appears twice in one mapping.",
        explanation: "YAML forbids duplicate keys, and tools disagree on which value wins; the second one usually hides an edit.",
        triggering: [RuleExample("name: support/triage\nversion: 1.0.0\n↓version: 1.0.1\ntemplate: Hi\n")],
        nonTriggering: [RuleExample("name: support/triage\nversion: 1.0.1\ntemplate: Hi\n")]
    )

    public static let duplicatePromptName = Rule(
        code: "PK109", name: "duplicate-prompt-name", category: .schema, defaultSeverity: .error,
        summary: "Two files in the workspace declare the same prompt `name`.",
        explanation: """
        The `name` is the prompt's identity in the registry and the name partials are included by. \
        Two files with one name make publishing and `{{> name}}` ambiguous.
        """,
        triggering: [RuleExample("name: ↓support/triage\nversion: 1.0.0\ntemplate: Hi\n",
                                 others: ["name: support/triage\nversion: 2.0.0\ntemplate: Hello\n"])],
        nonTriggering: [RuleExample("name: support/triage\nversion: 1.0.0\ntemplate: Hi\n",
                                    others: ["name: support/summary\nversion: 1.0.0\ntemplate: Hello\n"])]
    )

    public static let resourceLimitExceeded = Rule(
        code: "PK110", name: "resource-limit-exceeded", category: .schema, defaultSeverity: .error,
        summary: "The file exceeds a safety limit (nesting depth, alias expansion, template nesting, render size).",
        explanation: """
        promptkit reads untrusted files in your editor and CI, so it caps what one file may cost: \
        200 levels of YAML nesting, 100,000 values from alias expansion (a "billion laughs" bomb), \
        256 levels of template sections, and bounded render work. Real prompts are far below these.
        """,
        triggering: [RuleExample("name: support/triage\nversion: 1.0.0\ntemplate: Hi\nmetadata:\n  deep: " + String(repeating: "[", count: 198) + "↓[" + String(repeating: "]", count: 199) + "\n")],
        nonTriggering: [RuleExample("name: support/triage\nversion: 1.0.0\ntemplate: Hi\nmetadata:\n  deep: [[[1]]]\n")]
    )

    public static let all: [Rule] = [
        yamlSyntaxError, invalidEncoding, unknownKey, missingRequiredKey, invalidFieldType, invalidFieldValue,
        invalidSemver, conflictingBody, unquotedTemplateValue, duplicateKey, duplicatePromptName, resourceLimitExceeded,
    ]
}
