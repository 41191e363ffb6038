import ArgumentParser

public struct PromptKitCommand: ParsableCommand {
    public init() {}
}
