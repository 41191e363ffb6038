import ArgumentParser
import Foundation
@testable import PromptKitCLI
import Testing

/// Every command's `--help` carries examples, and every example is a command line promptkit
/// accepts: the examples are parsed with the real argument parser, so a renamed option cannot
/// leave a stale example behind.
@Suite struct HelpTests {
    static func commands(_ command: ParsableCommand.Type, path: [String] = ["promptkit"]) -> [(path: String, type: ParsableCommand.Type)] {
        let name = command.configuration.commandName ?? ""
        let here = path.count == 1 && name == "promptkit" ? path : path + [name]
        return [(here.joined(separator: " "), command)] + command.configuration.subcommands.flatMap { commands($0, path: here) }
    }

    /// Example command lines: the lines after `Example:`/`Examples:`, from `promptkit` up to the
    /// first shell operator or a two-space gap before an explanation.
    static func examples(_ discussion: String) -> [String] {
        var inExamples = false
        var found: [String] = []
        for line in discussion.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("Example") { inExamples = true; continue }
            guard inExamples, line.hasPrefix(" "), let start = line.range(of: "promptkit") else { continue }
            var text = String(line[start.lowerBound...])
            if let gap = text.range(of: "  ") { text = String(text[..<gap.lowerBound]) }
            found.append(text)
        }
        return found
    }

    /// Shell words with single and double quotes; stops at redirections, pipes and `&&`.
    static func words(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for c in line {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
                continue
            }
            if c == "\"" || c == "'" { quote = c; inWord = true; continue }
            if c == " " {
                if inWord { words.append(current); current = ""; inWord = false }
                continue
            }
            current.append(c)
            inWord = true
        }
        if inWord { words.append(current) }
        if let stop = words.firstIndex(where: { [">", "<", "|", "&&", "2>", ">>"].contains($0) }) { words = Array(words[..<stop]) }
        return words
    }

    @Test func everyCommandHasExamplesThatParse() {
        let all = Self.commands(PromptKitCommand.self)
        #expect(all.count > 25)
        for (path, command) in all {
            let examples = Self.examples(command.configuration.discussion)
            #expect(!examples.isEmpty, "`\(path) --help` shows no examples")
            for example in examples {
                let args = Array(Self.words(example).dropFirst())
                do {
                    _ = try PromptKitCommand.parseAsRoot(args)
                } catch {
                    Issue.record("`\(path) --help` example `\(example)` does not parse: \(PromptKitCommand.message(for: error))")
                }
            }
        }
    }

    @Test func completionScriptsAreGenerated() throws {
        for shell in ["bash", "zsh", "fish"] {
            let result = try CLI.run(["--generate-completion-script", shell])
            #expect(result.status == 0, "\(shell): \(result.stderr)")
            for subcommand in ["lint", "fmt", "init", "tokens", "registry"] {
                #expect(result.stdout.contains(subcommand), "\(shell) completion lacks `\(subcommand)`")
            }
        }
        // The bash script is valid bash and registers a completion for promptkit.
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("promptkit-completion-\(UUID().uuidString).bash")
        defer { try? FileManager.default.removeItem(at: script) }
        try Data(try CLI.run(["--generate-completion-script", "bash"]).stdout.utf8).write(to: script)
        let bash = Process()
        bash.executableURL = URL(fileURLWithPath: "/bin/bash")
        bash.arguments = ["--noprofile", "--norc", "-c", "source '\(script.path)' && complete -p promptkit"]
        let out = Pipe()
        bash.standardOutput = out
        try bash.run()
        bash.waitUntilExit()
        #expect(bash.terminationStatus == 0)
        #expect(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("promptkit"))
    }

    @Test func noColorTurnsOffEscapesEverywhere() throws {
        let fixtures = CLI.repoRoot.appendingPathComponent("fixtures")
        let messy = FileManager.default.temporaryDirectory.appendingPathComponent("messy-\(UUID().uuidString).prompt.yaml")
        defer { try? FileManager.default.removeItem(at: messy) }
        try Data("version: 1.0.0\nname: demo/messy\ntemplate: hi\n".utf8).write(to: messy)
        let commands: [[String]] = [
            ["lint", "broken"],
            ["test", "prompts"],
            ["tokens", "prompts/support/triage.prompt.yaml"],
            ["models"],
            ["fmt", "--check", "--diff", messy.path],
        ]
        for args in commands {
            let forced = try CLI.run(args, cwd: fixtures, env: ["FORCE_COLOR": "1", "NO_COLOR": ""])  // the harness sets NO_COLOR; empty means unset
            #expect(forced.stdout.contains("\u{1B}[") || forced.stderr.contains("\u{1B}["), "FORCE_COLOR=1 colours `promptkit \(args.joined(separator: " "))`")
            let plain = try CLI.run(args, cwd: fixtures, env: ["FORCE_COLOR": "1", "NO_COLOR": "1"])
            #expect(!plain.stdout.contains("\u{1B}[") && !plain.stderr.contains("\u{1B}["), "NO_COLOR wins for `promptkit \(args.joined(separator: " "))`")
        }
    }
}
