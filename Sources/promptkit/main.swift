import PromptKitCLI

PromptKitCommand.main()
