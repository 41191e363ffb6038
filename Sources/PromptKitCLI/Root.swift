import ArgumentParser
import Foundation

public struct PromptKitCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "promptkit",
        abstract: "Lint, render and inspect LLM prompt files (*.prompt.yaml).",
        discussion: """
        Examples:
          promptkit lint prompts/                 check every prompt file under prompts/
          promptkit lint --format json . > report.json
          promptkit render prompts/triage.prompt.yaml --sample angry
          promptkit tokens prompts/triage.prompt.yaml   tokens and cost across models
          promptkit models                        the model catalog
          promptkit rule PK301                    explain a rule
          promptkit registry publish prompts/     store immutable versions (docs/registry.md)
          promptkit registry resolve support/triage --env production
          promptkit lsp                           the language server (editors start it)
        """,
        version: "0.1.0",
        subcommands: [InitCommand.self, LintCommand.self, TestCommand.self, FmtCommand.self, RenderCommand.self, TokensCommand.self, ModelsCommand.self, RuleCommand.self, RulesCommand.self, RegistryCommand.self, LSPCommand.self]
    )

    public init() {}

    /// Runs the command line. ArgumentParser reports bad arguments with exit code 64 (EX_USAGE);
    /// promptkit's contract is 0 clean, 1 findings, 2 usage or internal error, so usage failures
    /// are mapped to 2 with ArgumentParser's own message.
    public static func runMain() -> Never {
        do {
            var command = try parseAsRoot()
            try command.run()
            Foundation.exit(0)
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
