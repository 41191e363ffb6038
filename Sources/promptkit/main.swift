import PromptKitCLI

PromptKitCommand.runMain()
