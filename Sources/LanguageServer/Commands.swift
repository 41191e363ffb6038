import Analysis
import CoreSupport
import LanguageServerProtocol

/// Commands the server executes (`workspace/executeCommand`), also used by code lenses.
enum ServerCommand: String, CaseIterable {
    /// Arguments: [uri, sample?]. Returns the rendered messages (the same as `promptkit/renderPreview`).
    case preview = "promptkit.preview"
    /// Arguments: [uri, sample]. Chooses the sample that previews, inlay hints and token counts use.
    case selectSample = "promptkit.selectSample"
    /// Arguments: [uri]. The registry's record of the document's name and version (the lens's facts), or null.
    case registryStatus = "promptkit.registryStatus"
    /// Arguments: [uri, test?]. Runs the document's tests (or one) in a child `promptkit test`;
    /// returns at once, results arrive as diagnostics and a message.
    case runTests = "promptkit.runTests"
}

extension LanguageServer {
    func executeCommand(_ params: Value) throws(ResponseError) -> Value {
        guard let name = params["command"]?.stringValue, let command = ServerCommand(rawValue: name) else {
            throw .invalidParams("unknown command `\(params["command"]?.stringValue ?? "")`; commands: \(ServerCommand.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let args = params["arguments"]?.arrayValue ?? []
        guard let uri = args.first?.stringValue else { throw .invalidParams("\(name) takes the document URI as its first argument") }
        let target = object(("textDocument", object(("uri", .string(uri)))))
        let doc = try document(target)
        switch command {
        case .preview:
            return try preview(doc, sample: args.count > 1 ? args[1].stringValue : nil)
        case .selectSample:
            guard let sample = args.count > 1 ? args[1].stringValue : nil else { throw .invalidParams("\(name) needs a sample name") }
            let samples = doc.parsed.prompt.samples.map(\.name.value)
            guard samples.contains(sample) else {
                throw .invalidParams("no sample named `\(sample)`; samples: \(samples.joined(separator: ", "))")
            }
            selectedSample[uri] = sample
            refreshEditorViews()
            return .null
        case .registryStatus:
            return registryStatus(doc)?.json ?? .null
        case .runTests:
            return startTestRun(doc, testName: args.count > 1 ? args[1].stringValue : nil)
        }
    }

    /// `promptkit/renderPreview`: `{textDocument: {uri}, sample?}` → the rendered prompt.
    func renderPreview(_ params: Value) throws(ResponseError) -> Value {
        try preview(try document(params), sample: params["sample"]?.stringValue)
    }

    func preview(_ doc: OpenDocument, sample: String?) throws(ResponseError) -> Value {
        guard isAnalysed(doc) else { throw ResponseError(.requestFailed, "the document is too large for live analysis") }
        if let sample, !doc.parsed.prompt.samples.contains(where: { $0.name.value == sample }) {
            throw .invalidParams("no sample named `\(sample)`")
        }
        let rendered = render(doc, sample: sample)
        let messages = zip(rendered.rendering.messages, rendered.count.contentTokens).map { m, t in
            object(("role", .string(m.role)), ("content", .string(m.content)), ("tokens", .int(t)))
        }
        return object(
            ("uri", .string(doc.uri)),
            ("version", .int(doc.version)),
            ("sample", rendered.sample.map(Value.string) ?? .null),
            ("samples", .array(doc.parsed.prompt.samples.map { .string($0.name.value) })),
            ("messages", .array(messages)),
            ("totalTokens", .int(rendered.count.total)),
            ("model", rendered.model.map { .string($0.id) } ?? .null),
            ("encoding", .string(rendered.encoding.rawValue)),
            ("estimate", .bool(rendered.isEstimate)),
            ("missingRequired", .array(rendered.rendering.missingRequired.map(Value.string))),
            ("problem", (rendered.dataProblem ?? rendered.rendering.limitReached).map(Value.string) ?? .null)
        )
    }
}
