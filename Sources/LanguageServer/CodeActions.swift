import Analysis
import CoreSupport
import LanguageServerProtocol
import PromptSyntax

extension LanguageServer {
    /// Quick fixes for the lint findings in the requested range: apply a did-you-mean, declare an
    /// undeclared variable, remove an unused one, quote an unquoted `{{…}}` value.
    func codeActions(_ params: Value) throws(ResponseError) -> Value {
        let doc = try document(params)
        guard isAnalysed(doc), isPromptDocument(doc) else { return .array([]) }
        let range = try Range(params["range"])
        let lo = converter.offset(range.start, doc.lineIndex)
        let hi = converter.offset(range.end, doc.lineIndex)
        let findings = Linter.lint(doc.parsed, in: workspace, configuration: configuration).filter {
            $0.range.start <= hi && ($0.range.end >= lo || $0.range.start == lo)
        }
        var actions: [CodeAction] = []
        for d in findings {
            let shown = [lspDiagnostic(d, doc)]
            func action(_ title: String, _ edits: [(TextRange, String)], preferred: Bool = false) {
                let textEdits = edits.map { TextEdit(range: converter.range($0.0, doc.lineIndex), newText: $0.1) }
                actions.append(CodeAction(title: title, diagnostics: shown, isPreferred: preferred,
                                          edit: WorkspaceEdit(changes: [(doc.uri, textEdits)])))
            }
            if let (range, replacement) = didYouMeanEdit(d, doc) {
                action("Change to `\(replacement)`", [(range, replacement)], preferred: true)
            }
            switch d.rule {
            case VariableRules.undeclaredVariable:
                if let name = Self.backticked(d.message).first, let edit = declarationEdit(name, doc) {
                    action("Declare `\(name)` under `variables`", [edit])
                }
            case VariableRules.unusedVariable:
                if let name = Self.backticked(d.message).first, let decl = doc.parsed.prompt.variable(name) {
                    action("Remove the unused variable `\(name)`", [(wholeLines(TextRange(start: decl.name.range.start, end: decl.range.end), doc), "")])
                }
            case SchemaRules.unquotedTemplateValue:
                let text = String(decoding: doc.bytes[d.range.start..<d.range.end], as: UTF8.self)
                action("Quote the template value", [(d.range, JSON.quoted(text))], preferred: true)
            default:
                break
            }
        }
        return .array(actions.map(\.json))
    }

    static func backticked(_ s: String) -> [String] {
        s.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    /// The edit a "did you mean `X`?" suggestion implies: the misspelt word inside the finding's
    /// range replaced by the suggestion.
    func didYouMeanEdit(_ d: Analysis.Diagnostic, _ doc: OpenDocument) -> (TextRange, String)? {
        let texts = [d.help ?? "", d.message]
        guard let suggestion = texts.lazy.compactMap({ t -> String? in
            guard let r = t.range(of: "did you mean `") else { return nil }
            return t[r.upperBound...].split(separator: "`").first.map(String.init)
        }).first else { return nil }
        let rangeText = String(decoding: doc.bytes[d.range.start..<min(d.range.end, doc.bytes.count)], as: UTF8.self)
        for wrong in Self.backticked(d.message).reversed() where wrong != suggestion && !wrong.isEmpty {
            guard let r = rangeText.range(of: wrong) else { continue }
            let start = d.range.start + rangeText.utf8.distance(from: rangeText.startIndex, to: r.lowerBound)
            var replacement = suggestion
            if suggestion.contains("."), !wrong.contains("."), let last = suggestion.split(separator: ".").last {
                replacement = String(last)
            }
            return (TextRange(start: start, end: start + wrong.utf8.count), replacement)
        }
        return nil
    }

    /// Lines `range` touches, line breaks included (what deleting a declaration removes).
    func wholeLines(_ range: TextRange, _ doc: OpenDocument) -> TextRange {
        let li = doc.lineIndex
        let first = li.line(containing: range.start)
        let last = li.line(containing: max(range.start, range.end - 1))
        let end = last + 1 < li.lineCount ? li.lineStarts[last + 1] : doc.bytes.count
        return TextRange(start: li.lineStarts[first], end: end)
    }

    /// Inserts `name: {type: string}` after the last declaration (or a new `variables:` block).
    func declarationEdit(_ name: String, _ doc: OpenDocument) -> (TextRange, String)? {
        let prompt = doc.parsed.prompt
        let li = doc.lineIndex
        if let last = prompt.variables.last, let node = prompt.variablesNode, !node.isFlow {
            let column = last.name.range.start - li.lineStarts[li.line(containing: last.name.range.start)]
            let indent = String(repeating: " ", count: column)
            let endLine = li.line(containing: max(last.name.range.start, last.range.end - 1))
            let at = li.lineRange(endLine).end
            return (.empty(at: at), "\n\(indent)\(name):\n\(indent)  type: string")
        }
        guard prompt.variablesNode == nil else { return nil }
        let bodyKey = prompt.document.root?.mapping?.first { ["template", "messages"].contains($0.key.scalar?.value ?? "") }?.key
        let at = bodyKey.map { li.lineStarts[li.line(containing: $0.range.start)] } ?? doc.bytes.count
        return (.empty(at: at), "variables:\n  \(name):\n    type: string\n")
    }
}
