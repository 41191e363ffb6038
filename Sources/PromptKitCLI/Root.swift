import ArgumentParser

public struct PromptKitCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "promptkit",
        abstract: "Lint, render and inspect LLM prompt files (*.prompt.yaml).",
        discussion: """
        Examples:
          promptkit lint prompts/                 check every prompt file under prompts/
          promptkit lint --format json . > report.json
          promptkit render prompts/triage.prompt.yaml --sample angry
          promptkit rule PK301                    explain a rule
        """,
        version: "0.1.0",
        subcommands: [LintCommand.self, RenderCommand.self, RuleCommand.self, RulesCommand.self]
    )

    public init() {}
}
