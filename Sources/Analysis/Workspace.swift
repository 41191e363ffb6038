import ModelCatalog
import CoreSupport
import Mustache
import PromptSyntax

/// A file's bytes and the path it is reported under.
public struct SourceFile: Sendable {
    public let path: String
    public let bytes: [UInt8]
    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}

/// A template in a file, parsed once.
public struct ParsedTemplate: Sendable {
    public let source: TemplateSource
    public let template: Template
    /// The message's role, when the template is a message's content.
    public let role: String?
}

/// One file parsed once; every later step (rules, rendering, the LSP) reads this.
public struct ParsedFile: Sendable {
    public let path: String
    public let prompt: PromptFile
    public let lineIndex: LineIndex
    public let templates: [ParsedTemplate]
    /// Set when the file is not text at all; nothing else is read from it.
    public let encodingProblem: (message: String, range: TextRange)?
    /// Offset of the first byte that does not start valid UTF-8 (YAML is read up to it).
    public let invalidUTF8Offset: Int?
    /// Inline suppression comments, read once with the file.
    public let suppressions: Suppressions

    public var bytes: [UInt8] { prompt.bytes }
    public var name: String? { prompt.name?.value }

    /// A file kept as text only (lines, no YAML or templates): what the language server holds for
    /// documents too large to analyse while typing.
    public static func unparsed(_ file: SourceFile) -> ParsedFile {
        let empty = PromptFile(document: YAMLDocument(bytes: file.bytes, root: nil, problems: [], anchors: [:]))
        let lineIndex = LineIndex(file.bytes)
        return ParsedFile(path: file.path, prompt: empty, lineIndex: lineIndex, templates: [], encodingProblem: nil,
                          invalidUTF8Offset: nil, suppressions: Suppressions(bytes: [], lineIndex: LineIndex([])))
    }

    public static func parse(_ file: SourceFile) -> ParsedFile {
        let bytes = file.bytes
        if let nul = bytes.firstIndex(of: 0) {
            // A NUL byte means binary data; YAML parsing it would only produce noise.
            let empty = PromptFile(document: YAMLDocument(bytes: bytes, root: nil, problems: [], anchors: [:]))
            let lineIndex = LineIndex(bytes)
            return ParsedFile(path: file.path, prompt: empty, lineIndex: lineIndex, templates: [],
                              encodingProblem: ("the file contains a NUL byte at offset \(nul): it is binary, not a prompt file",
                                                TextRange(start: nul, end: nul + 1)),
                              invalidUTF8Offset: nil, suppressions: Suppressions(bytes: bytes, lineIndex: lineIndex))
        }
        let prompt = PromptFileReader.read(bytes)
        var templates: [ParsedTemplate] = []
        if let t = prompt.template {
            templates.append(ParsedTemplate(source: t, template: Template(t.text), role: nil))
        }
        for m in prompt.messages {
            if let c = m.content {
                templates.append(ParsedTemplate(source: c, template: Template(c.text), role: m.role?.value))
            }
        }
        let lineIndex = LineIndex(bytes)
        return ParsedFile(path: file.path, prompt: prompt, lineIndex: lineIndex, templates: templates, encodingProblem: nil,
                          invalidUTF8Offset: UTF8Validation.firstInvalidOffset(bytes),
                          suppressions: Suppressions(bytes: bytes, lineIndex: lineIndex))
    }
}

/// An immutable snapshot of every prompt file in the workspace: what partials resolve against and
/// where duplicate names are found. No IO: the CLI and the server build it from files they read.
public struct Workspace: Sendable {
    public let files: [ParsedFile]
    private let indexByName: [String: [Int]]

    /// The model catalog token rules look models up in (built-in plus promptkit.yaml's `models:`).
    public var models: ModelCatalog
    public var tokenSettings: TokenSettings
    /// The registry's published versions (empty when the workspace has no registry).
    public var registry: RegistryFacts

    public init(files: [ParsedFile], models: ModelCatalog = .builtIn, tokenSettings: TokenSettings = TokenSettings(),
                registry: RegistryFacts = RegistryFacts()) {
        self.files = files
        self.models = models
        self.tokenSettings = tokenSettings
        self.registry = registry
        var index: [String: [Int]] = [:]
        for (i, f) in files.enumerated() {
            if let n = f.name { index[n, default: []].append(i) }
        }
        indexByName = index
    }

    public var names: [String] { Array(indexByName.keys).sorted() }

    public func files(named name: String) -> [ParsedFile] {
        (indexByName[name] ?? []).map { files[$0] }
    }

    /// The prompt a `{{> name}}` partial includes: the first file declaring that name.
    public func partial(named name: String) -> ParsedFile? {
        indexByName[name]?.first.map { files[$0] }
    }

    /// Partials as the renderer wants them: a name's `template` text.
    public var partialResolver: WorkspacePartials { WorkspacePartials(workspace: self) }
}

public struct WorkspacePartials: PartialResolver {
    let workspace: Workspace
    public func template(named name: String) -> Template? {
        guard let file = workspace.partial(named: name) else { return nil }
        return file.templates.first { $0.role == nil }?.template ?? file.templates.first?.template
    }
}
