import Analysis
import CoreSupport
import LanguageServerProtocol
import PromptSyntax

extension LanguageServer {
    /// `textDocument/formatting`: the same formatter as `promptkit fmt`, on the editor's text.
    ///
    /// The answer is one edit covering only the lines that change (common leading and trailing
    /// lines are left out), so the editor keeps the cursor and folds outside it. A file the
    /// formatter refuses (invalid YAML, a duplicate key) gets a RequestFailed error with the reason
    /// and its line, which editors show; the text is left alone.
    func formatting(_ params: Value) throws(ResponseError) -> Value {
        let doc = try document(params)
        guard isPromptDocument(doc) else { return .array([]) }
        switch PromptFormatter.format(doc.bytes, kind: PromptFormatter.FileKind(path: doc.path)) {
        case .failure(let refusal):
            let (line, column) = doc.lineIndex.position(of: refusal.range.start)
            throw ResponseError(.requestFailed, "\(refusal.message) (line \(line), column \(column))")
        case .success(let formatted):
            guard let edit = Self.minimalEdit(from: doc.bytes, to: formatted, lines: doc.lineIndex, converter: converter) else {
                return .array([])
            }
            return .array([edit.json])
        }
    }

    /// One edit replacing the differing lines of `old` with those of `new`; nil when equal.
    static func minimalEdit(from old: [UInt8], to new: [UInt8], lines: LineIndex, converter: PositionConverter) -> TextEdit? {
        guard old != new else { return nil }
        // Common prefix, cut back to a line start (edits never split a character or a line).
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
        while prefix > 0, old[prefix - 1] != UInt8(ascii: "\n") { prefix -= 1 }
        // Common suffix not overlapping the prefix, cut forward to just after a line break.
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix, old[old.count - 1 - suffix] == new[new.count - 1 - suffix] {
            suffix += 1
        }
        while suffix > 0 {
            let before = old.count - suffix - 1
            if before < 0 || old[before] == UInt8(ascii: "\n") { break }
            suffix -= 1
        }
        let oldRange = TextRange(start: prefix, end: old.count - suffix)
        let replacement = String(decoding: new[prefix..<(new.count - suffix)], as: UTF8.self)
        return TextEdit(range: converter.range(oldRange, lines), newText: replacement)
    }
}
