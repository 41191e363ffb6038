import Analysis
import CoreSupport
import ModelCatalog
import PromptSyntax
import Tokenizer

/// Turns a prompt file into the version `publish` stores. Pure: the caller reads the file and
/// decides the author and time.
public enum PublishedPrompt {
    public static func make(_ file: ParsedFile, in workspace: Workspace, configuration: Configuration,
                            author: String, time: String, allowLintErrors: Bool = false) throws(RegistryError) -> PromptVersion {
        guard let name = file.prompt.name?.value, !name.isEmpty else {
            throw .invalid("\(file.path): has no `name`; a published prompt needs `name` and `version`")
        }
        guard let version = file.prompt.version?.value else {
            throw .invalid("\(file.path): has no `version`; a published prompt needs `name` and `version`")
        }
        guard Semver.isValid(version) else {
            throw .invalid("\(file.path): `\(version)` is not a semantic version (like 1.4.0)")
        }
        if !allowLintErrors {
            let errors = Linter.lint(file, in: workspace, configuration: configuration).filter { $0.severity == .error }
            if let first = errors.first {
                let (line, column) = file.lineIndex.position(of: first.range.start)
                throw .refused("""
                    \(file.path): \(errors.count) lint error\(errors.count == 1 ? "" : "s") (first: \(line):\(column) \
                    \(first.rule.code) \(first.message)); run `promptkit lint \(file.path)`, or publish with --allow-lint-errors
                    """)
            }
        }
        let sample = file.prompt.samples.first?.name.value
        var rendered: [Value] = []
        var tokens: PromptTokenCount?
        let model = file.prompt.model?.value
        let encoding = model.flatMap { workspace.models.model($0) }?.tokenizer.encoding ?? .o200kBase
        if !file.templates.isEmpty, let data = try? PromptRenderer.data(for: file, sample: sample) {
            let rendering = PromptRenderer.render(file, data: data, workspace: workspace)
            rendered = rendering.messages.map { .object(OrderedObject([("role", .string($0.role)), ("content", .string($0.content))])) }
            tokens = PromptTokenCount.count(rendering, encoding: Encoding.named(encoding))
        }
        return PromptVersion(
            name: name, version: version, contentHash: SHA256.hex(file.bytes), content: file.bytes, model: model,
            variables: variables(file), tokenCount: tokens?.total, tokenEncoding: tokens == nil ? nil : encoding.rawValue,
            rendered: .array(rendered), sample: sample, author: author, publishedAt: time)
    }

    /// The declared variables as stored: what `show` prints and `diff` compares.
    static func variables(_ file: ParsedFile) -> Value {
        .array(file.prompt.variables.map { d in
            var o = OrderedObject()
            o["name"] = .string(d.name.value)
            o["type"] = d.schema.type.map { .string($0.value.rawValue) } ?? .null
            o["required"] = .bool(d.isRequired)
            o["untrusted"] = .bool(d.schema.untrusted)
            o["description"] = d.schema.description.map(Value.string) ?? .null
            return .object(o)
        })
    }
}
