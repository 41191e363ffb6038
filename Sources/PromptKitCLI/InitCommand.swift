import ArgumentParser
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Start a promptkit project: promptkit.yaml and an example prompt with a sample and a test.",
        discussion: """
        Writes, under DIR (default: the current directory):
          promptkit.yaml                      which files are prompts, rules, models, test providers
          prompts/welcome.prompt.yaml         an example prompt: variables, messages, a sample, a test
          prompts/welcome.recorded.json       the recorded answer its test replays offline

        Existing files are never overwritten (use --force to replace them). Everything written \
        passes `promptkit lint`, `promptkit test` and `promptkit fmt --check` as it is.

        Examples:
          promptkit init                      in the current directory
          promptkit init services/support     in another folder (created if missing)
        """
    )

    @Argument(help: "The project folder (created if missing). Default: the current directory.")
    var directory: String = "."

    @Flag(help: "Replace files that already exist.")
    var force = false

    func run() throws {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: directory, relativeTo: URL(fileURLWithPath: fm.currentDirectoryPath)).standardizedFileURL
        var created: [String] = []
        var kept: [String] = []
        for (relativePath, content) in Self.files {
            let url = root.appendingPathComponent(relativePath)
            let shown = directory == "." ? relativePath : (directory as NSString).appendingPathComponent(relativePath)
            if fm.fileExists(atPath: url.path), !force {
                kept.append(shown)
                continue
            }
            do {
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(content.utf8).write(to: url, options: .atomic)
            } catch {
                printError("promptkit: \(shown): cannot be written (\(error.localizedDescription))")
                throw ExitCode(2)
            }
            created.append(shown)
        }
        for path in created { print("created \(path)") }
        for path in kept { print("kept    \(path) (exists; --force replaces it)") }
        let cd = directory == "." ? "" : "  cd \(directory)\n"
        print("""

        Next:
        \(cd)  promptkit lint                  check every prompt file
          promptkit render prompts/welcome.prompt.yaml --sample ada
          promptkit tokens prompts/welcome.prompt.yaml
          promptkit test                  run the example test (recorded answer, offline)
        Editors: `promptkit lsp` (see editors/README.md in the promptkit repository).
        """)
    }

    static let files: [(String, String)] = [
        ("promptkit.yaml", """
        # promptkit configuration (docs/configuration.md). Every key is optional.
        include: ["prompts/**/*.prompt.yaml"]
        rules:
          # Promote a rule family or one rule: severity: {security: error, PK302: warning}
          severity: {}
        evaluation:
          # `promptkit test` replays recorded answers (NAME.recorded.json) unless --provider names one of these.
          providers:
            openai:
              type: openai-compatible
              base_url: https://api.openai.com/v1
              api_key_env: OPENAI_API_KEY

        """),
        ("prompts/welcome.prompt.yaml", """
        # An example prompt. Try:
        #   promptkit render prompts/welcome.prompt.yaml --sample ada
        #   promptkit test prompts/welcome.prompt.yaml
        name: example/welcome
        version: 0.1.0
        description: Welcome a new user and answer their first question.
        model: gpt-4o-mini
        params:
          temperature: 0.3
          max_tokens: 200
        variables:
          user_name:
            type: string
            description: The user's display name.
          plan:
            type: string
            enum: [free, pro]
            default: free
          question:
            type: string
            description: What the user asked, exactly as typed.
            untrusted: true
        messages:
          - role: system
            content: |
              You are the onboarding assistant for Acme Cloud.
              Greet the user by name and answer their question in at most two sentences.
          - role: user
            content: |
              User: {{user_name}} (plan: {{plan}})
              <question>
              {{question}}
              </question>
              Answer the question above for this user, in at most two sentences.
        samples:
          ada:
            user_name: Ada Lovelace
            plan: pro
            question: How do I invite my team?
        tests:
          - name: answers about invitations
            sample: ada
            assert:
              - icontains: invite
              - not-contains: "{{"
              - max-tokens: 80

        """),
        ("prompts/welcome.recorded.json", """
        {
          "recordings": {
            "answers about invitations": {
              "output": "Welcome, Ada! Open Settings → Team and choose Invite members; on the Pro plan you can invite up to 20 people."
            }
          }
        }

        """),
    ]
}
