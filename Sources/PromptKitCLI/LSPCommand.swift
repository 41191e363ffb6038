import ArgumentParser
import Foundation
import LanguageServer

struct LSPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsp",
        abstract: "Run the language server (LSP 3.17 over standard input and output).",
        discussion: """
        Editors start this command; it speaks the Language Server Protocol on stdin/stdout and
        logs to stderr. See docs/lsp.md for features and settings, editors/ for configurations.

        Examples:
          promptkit lsp                 what an editor runs
          promptkit lsp --stdio         the same (accepted because VS Code's client passes it)
        """
    )

    @Flag(help: "Use standard input and output (the default and only transport).")
    var stdio = false

    func run() throws {
        Foundation.exit(LanguageServer.serveStdio())
    }
}
