import Analysis
import CoreSupport
import Foundation
import LanguageServerProtocol

extension LanguageServer {
    /// What `promptkit lint` reports for this document, as LSP diagnostics: the same `Linter.lint`
    /// on the same workspace snapshot.
    func lspDiagnostics(_ doc: OpenDocument) -> [LanguageServerProtocol.Diagnostic] {
        if !isPromptDocument(doc) { return configurationDiagnostics(doc) }
        guard isAnalysed(doc) else {
            let notice = LanguageServerProtocol.Diagnostic(
                range: converter.range(.empty(at: 0), doc.lineIndex), severity: .information, code: "size-limit",
                codeDescription: nil, source: "promptkit",
                message: "this document is \(doc.bytes.count) bytes, over the \(doc.analysisLimit)-byte limit for live analysis; run `promptkit lint` on it",
                relatedInformation: [])
            return [notice]
        }
        return Linter.lint(doc.parsed, in: workspace, configuration: configuration).map { lspDiagnostic($0, doc) } + testFindings(doc.uri)
    }

    func lspDiagnostic(_ d: Analysis.Diagnostic, _ doc: OpenDocument) -> LanguageServerProtocol.Diagnostic {
        let severity: DiagnosticSeverity = switch d.severity {
        case .error: .error
        case .warning: .warning
        case .info: .information
        }
        var message = d.message
        if let help = d.help { message += "\nhelp: \(help)" }
        let related = d.related.compactMap { r -> DiagnosticRelatedInformation? in
            guard let index = lineIndex(forPath: r.path) else { return nil }
            return DiagnosticRelatedInformation(location: Location(uri: DocumentURI.uri(forPath: r.path), range: converter.range(r.range, index)),
                                                message: r.message)
        }
        return LanguageServerProtocol.Diagnostic(range: converter.range(d.range, doc.lineIndex), severity: severity, code: d.rule.code,
                                                 codeDescription: d.rule.documentationURL, source: "promptkit",
                                                 message: message, relatedInformation: related,
                                                 data: .string(d.rule.name))
    }

    func configurationDiagnostics(_ doc: OpenDocument) -> [LanguageServerProtocol.Diagnostic] {
        Configuration.parse(doc.bytes).1.map { p in
            LanguageServerProtocol.Diagnostic(range: converter.range(p.range, doc.lineIndex), severity: .warning, code: "config",
                                              codeDescription: nil, source: "promptkit", message: p.message, relatedInformation: [])
        }
    }

    func lineIndex(forPath path: String) -> LineIndex? {
        if let doc = documents.values.first(where: { $0.path == path }) { return doc.lineIndex }
        return workspace.files.first { $0.path == path }?.lineIndex ?? diskFiles[path]?.lineIndex
    }

    func publishDueDiagnostics() {
        let now = Date()
        for (uri, due) in diagnosticsDue where due <= now {
            diagnosticsDue[uri] = nil
            // A newer change is already queued: its own analysis replaces this one.
            guard let doc = documents[uri], !queue.hasPendingChange(to: uri) else { continue }
            notify("textDocument/publishDiagnostics", object(
                ("uri", .string(uri)), ("version", .int(doc.version)),
                ("diagnostics", .array(lspDiagnostics(doc).map(\.json)))
            ))
        }
    }

    func pullDiagnostics(_ params: Value) throws(ResponseError) -> Value {
        let doc = try document(params)
        return object(("kind", .string("full")), ("items", .array(lspDiagnostics(doc).map(\.json))))
    }
}
