/// Rules about template variables, their declarations and the samples.
public enum VariableRules {
    public static let undeclaredVariable = Rule(
        code: "PK301", name: "undeclared-variable", category: .variables, defaultSeverity: .error,
        summary: "A template uses a variable that `variables` does not declare.",
        explanation: """
        An undeclared variable is usually a typo: it renders as an empty string and the model \
        never sees the value you meant to send. Declare it under `variables`, or fix the name \
        (the message suggests the closest declared one).
        """,
        triggering: [RuleExample("name: support/reply\nversion: 1.0.0\nvariables:\n  customer: string\ntemplate: \"Dear ↓{{cusomer}},\"\n")],
        nonTriggering: [RuleExample("name: support/reply\nversion: 1.0.0\nvariables:\n  customer: string\ntemplate: \"Dear {{customer}},\"\n")]
    )

    public static let unusedVariable = Rule(
        code: "PK302", name: "unused-variable", category: .variables, defaultSeverity: .warning,
        summary: "A declared variable is never used by the template, its messages or its partials.",
        explanation: """
        Callers must still supply required variables, and an unused one often means the template \
        lost a reference during an edit. Use it or remove the declaration.
        """,
        triggering: [RuleExample("name: support/reply\nversion: 1.0.0\nvariables:\n  customer: string\n  ↓tone: string\ntemplate: \"Dear {{customer}},\"\n")],
        nonTriggering: [RuleExample("name: support/reply\nversion: 1.0.0\nvariables:\n  customer: string\ntemplate: \"Dear {{customer}},\"\n")]
    )

    public static let undeclaredField = Rule(
        code: "PK303", name: "undeclared-field", category: .variables, defaultSeverity: .error,
        summary: "A dotted name or a name inside a section is not a declared field of its variable.",
        explanation: """
        `{{user.nmae}}` and `{{#history}}{{rol}}{{/history}}` are checked against the declared \
        `properties` and `items`. Declaring the structure lets promptkit catch typos inside loops; \
        an `object` or `array` declared without `properties`/`items` is free-form and not checked.
        """,
        triggering: [RuleExample("name: chat/reply\nversion: 1.0.0\nvariables:\n  history:\n    type: array\n    items:\n      properties:\n        role: string\n        text: string\ntemplate: \"{{#history}}{{role}}: ↓{{txt}}\\n{{/history}}\"\n")],
        nonTriggering: [RuleExample("name: chat/reply\nversion: 1.0.0\nvariables:\n  history:\n    type: array\n    items:\n      properties:\n        role: string\n        text: string\ntemplate: \"{{#history}}{{role}}: {{text}}\\n{{/history}}\"\n")]
    )

    public static let missingSampleVariable = Rule(
        code: "PK304", name: "missing-sample-variable", category: .variables, defaultSeverity: .error,
        summary: "A sample does not give a value for a required variable.",
        explanation: """
        Samples drive previews, token counts and tests. A sample missing a required variable \
        renders a prompt your application would never send. Variables are required unless they \
        declare `required: false` or a `default`.
        """,
        triggering: [RuleExample("name: support/reply\nversion: 1.0.0\nvariables:\n  customer: string\n  issue: string\ntemplate: \"{{customer}}: {{issue}}\"\nsamples:\n  ↓basic:\n    customer: Ada\n")],
        nonTriggering: [RuleExample("name: support/reply\nversion: 1.0.0\nvariables:\n  customer: string\n  issue:\n    type: string\n    default: none\ntemplate: \"{{customer}}: {{issue}}\"\nsamples:\n  basic:\n    customer: Ada\n")]
    )

    public static let sampleTypeMismatch = Rule(
        code: "PK305", name: "sample-type-mismatch", category: .variables, defaultSeverity: .error,
        summary: "A sample, default or example value does not match the variable's declared type.",
        explanation: "Values are checked against `type`, and recursively against `items` and `properties`.",
        triggering: [RuleExample("name: support/reply\nversion: 1.0.0\nvariables:\n  count: integer\ntemplate: \"{{count}} tickets\"\nsamples:\n  basic:\n    count: ↓many\n")],
        nonTriggering: [RuleExample("name: support/reply\nversion: 1.0.0\nvariables:\n  count: integer\ntemplate: \"{{count}} tickets\"\nsamples:\n  basic:\n    count: 3\n")]
    )

    public static let sampleValueNotInEnum = Rule(
        code: "PK306", name: "sample-value-not-in-enum", category: .variables, defaultSeverity: .error,
        summary: "A sample, default or example value is not one of the variable's `enum` values.",
        explanation: "When a variable declares `enum`, every value promptkit renders with must be one of them.",
        triggering: [RuleExample("name: support/reply\nversion: 1.0.0\nvariables:\n  tone:\n    type: string\n    enum: [formal, casual]\ntemplate: \"Tone: {{tone}}\"\nsamples:\n  basic:\n    tone: ↓angry\n")],
        nonTriggering: [RuleExample("name: support/reply\nversion: 1.0.0\nvariables:\n  tone:\n    type: string\n    enum: [formal, casual]\ntemplate: \"Tone: {{tone}}\"\nsamples:\n  basic:\n    tone: casual\n")]
    )

    public static let undeclaredSampleVariable = Rule(
        code: "PK307", name: "undeclared-sample-variable", category: .variables, defaultSeverity: .warning,
        summary: "A sample gives a value for a variable that is not declared.",
        explanation: "The value is never used; it is usually a typo or a leftover from a renamed variable.",
        triggering: [RuleExample("name: support/reply\nversion: 1.0.0\nvariables:\n  customer: string\ntemplate: \"{{customer}}\"\nsamples:\n  basic:\n    customer: Ada\n    ↓custmer: Bob\n")],
        nonTriggering: [RuleExample("name: support/reply\nversion: 1.0.0\nvariables:\n  customer: string\ntemplate: \"{{customer}}\"\nsamples:\n  basic:\n    customer: Ada\n")]
    )

    public static let all: [Rule] = [
        undeclaredVariable, unusedVariable, undeclaredField, missingSampleVariable, sampleTypeMismatch,
        sampleValueNotInEnum, undeclaredSampleVariable,
    ]
}

public enum Rules {
    public static let all: [Rule] = SchemaRules.all + TemplateRules.all + VariableRules.all + TokenRules.all + SecurityRules.all + RegistryRules.all

    /// Finds a rule by code (`PK301`, case-insensitive) or name (`undeclared-variable`).
    public static func find(_ key: String) -> Rule? {
        all.first { $0.code.lowercased() == key.lowercased() || $0.name == key }
    }
}
