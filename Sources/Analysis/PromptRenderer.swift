import CoreSupport
import Mustache
import PromptSyntax

public struct RenderedMessage: Sendable, Equatable {
    public let role: String
    public let content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

public struct PromptRendering: Sendable {
    public let messages: [RenderedMessage]
    /// True when the file has one `template` rather than `messages`.
    public let isTemplate: Bool
    /// Required variables that had no value (no sample value and no default).
    public let missingRequired: [String]
    /// Set when a render limit stopped rendering early.
    public let limitReached: String?

    public init(messages: [RenderedMessage], isTemplate: Bool, missingRequired: [String] = [], limitReached: String? = nil) {
        self.messages = messages
        self.isTemplate = isTemplate
        self.missingRequired = missingRequired
        self.limitReached = limitReached
    }
}

/// Renders prompt files: declared defaults, overlaid with a sample or caller-supplied values,
/// rendered without HTML escaping, partials resolved in the workspace.
public enum PromptRenderer {
    public enum DataError: Error, CustomStringConvertible, Sendable {
        case unknownSample(String, available: [String])
        case notAnObject
        case limitExceeded(String)

        public var description: String {
            switch self {
            case .unknownSample(let name, let available):
                available.isEmpty ? "the file has no samples (asked for `\(name)`)"
                    : "no sample named `\(name)`; samples: \(available.joined(separator: ", "))"
            case .notAnObject: "variable values must be a JSON object mapping names to values"
            case .limitExceeded(let message): message
            }
        }
    }

    /// Template data for a sample (nil: the first sample, if any) on top of declared defaults.
    public static func data(for file: ParsedFile, sample: String?) throws(DataError) -> Value {
        var data = defaults(file)
        let samples = file.prompt.samples
        let chosen: Sample?
        if let sample {
            guard let s = samples.first(where: { $0.name.value == sample }) else {
                throw .unknownSample(sample, available: samples.map(\.name.value))
            }
            chosen = s
        } else {
            chosen = samples.first
        }
        if let chosen {
            for (key, node) in chosen.values {
                let converted = YAMLValues.value(of: node, in: file.prompt.document)
                if let limit = converted.limitError {
                    throw .limitExceeded("the sample `\(chosen.name.value)`, value `\(key.value)`: \(limit)")
                }
                data[key.value] = converted.value
            }
        }
        return .object(data)
    }

    /// Template data from caller-supplied values (a `--vars` JSON object) on top of defaults.
    public static func data(for file: ParsedFile, values: Value) throws(DataError) -> Value {
        guard case .object(let given) = values else { throw .notAnObject }
        var data = defaults(file)
        for (k, v) in given.pairs { data[k] = v }
        return .object(data)
    }

    static func defaults(_ file: ParsedFile) -> OrderedObject {
        var data = OrderedObject()
        for decl in file.prompt.variables {
            if let d = decl.schema.defaultValue {
                data[decl.name.value] = YAMLValues.value(of: d, in: file.prompt.document).value
            }
        }
        return data
    }

    public static func render(_ file: ParsedFile, data: Value, workspace: Workspace,
                              options: RenderOptions = RenderOptions(escaping: .none)) -> PromptRendering {
        var missing: [String] = []
        if case .object(let o) = data {
            for decl in file.prompt.variables where decl.isRequired && o[decl.name.value] == nil {
                missing.append(decl.name.value)
            }
        }
        var messages: [RenderedMessage] = []
        var limit: String?
        let partials = workspace.partialResolver
        for t in file.templates {
            let result = t.template.render(data, partials: partials, options: options)
            messages.append(RenderedMessage(role: t.role ?? "user", content: result.text))
            if limit == nil { limit = result.limitReached }
        }
        return PromptRendering(messages: messages, isTemplate: file.prompt.template != nil, missingRequired: missing, limitReached: limit)
    }
}
