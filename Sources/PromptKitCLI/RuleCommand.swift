import Analysis
import ArgumentParser
import CoreSupport
import Foundation

struct RuleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rule",
        abstract: "Explain a lint rule.",
        discussion: "Examples:\n  promptkit rule PK301\n  promptkit rule undeclared-variable"
    )

    @Argument(help: "A rule code (PK301) or name (undeclared-variable).")
    var rule: String

    func run() throws {
        guard let r = Rules.find(rule) else {
            let suggestion = DidYouMean.suggestion(for: rule, among: Rules.all.map(\.name) + Rules.all.map(\.code))
            printError("promptkit: no rule `\(rule)`" + (suggestion.map { "; did you mean `\($0)`?" } ?? "") + " (see `promptkit rules`)")
            throw ExitCode(2)
        }
        FileHandle.standardOutput.write(Data(RuleDocs.text(r).utf8))
    }
}

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List every lint rule.",
        discussion: "Examples:\n  promptkit rules\n  promptkit rules --markdown > docs/rules.md   (regenerates the rules document)"
    )

    @Flag(help: "Print the full rules document in Markdown (docs/rules.md).")
    var markdown = false

    func run() throws {
        if markdown {
            FileHandle.standardOutput.write(Data(RuleDocs.markdown().utf8))
            return
        }
        var out = ""
        for r in Rules.all {
            let pad = String(repeating: " ", count: max(1, 28 - r.name.count))
            out += "\(r.code)  \(r.name)\(pad)\(r.category.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(r.defaultSeverity.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(r.summary)\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
