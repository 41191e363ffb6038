import Analysis
import CoreSupport
import Foundation

/// Terminal facts that decide how human output looks.
struct Terminal {
    let color: Bool

    static func detect(forceNoColor: Bool = false) -> Terminal {
        let env = ProcessInfo.processInfo.environment
        // https://no-color.org: any non-empty NO_COLOR disables colour.
        if forceNoColor || (env["NO_COLOR"].map { !$0.isEmpty } ?? false) { return Terminal(color: false) }
        if env["FORCE_COLOR"].map({ !$0.isEmpty && $0 != "0" }) ?? false { return Terminal(color: true) }
        return Terminal(color: isatty(STDOUT_FILENO) != 0 && env["TERM"] != "dumb")
    }

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    func bold(_ s: String) -> String { paint(s, "1") }
    static func colorCode(_ s: Severity) -> String {
        switch s {
        case .error: "1;31"
        case .warning: "1;33"
        case .info: "1;36"
        }
    }

    func severity(_ s: Severity) -> String { paint(s.rawValue, Terminal.colorCode(s)) }
}

/// Human output: rustc-style code frames.
enum HumanOutput {
    /// Lines of a text table: each column as wide as its widest cell, the first `leftAligned`
    /// columns padded on the right (names), the others on the left (figures); the header row bold.
    static func table(_ rows: [[String]], leftAligned: Int, separator: String, indent: String = "", terminal t: Terminal) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { col in rows.map { col < $0.count ? $0[col].count : 0 }.max() ?? 0 }
        return rows.enumerated().map { i, row in
            let cells = row.enumerated().map { col, cell in
                let fill = String(repeating: " ", count: widths[col] - cell.count)
                return col < leftAligned ? cell + fill : fill + cell
            }
            let line = indent + cells.joined(separator: separator)
            return i == 0 ? t.bold(line) : line
        }
    }

    static func frame(_ d: Diagnostic, file: ParsedFile, lineIndexes: [String: LineIndex], terminal t: Terminal) -> String {
        let (line, column) = file.lineIndex.position(of: d.range.start)
        var out = "\(t.severity(d.severity))\(t.bold("[\(d.rule.code)]")) \(d.rule.name): \(t.bold(d.message))\n"
        let gutter = String(repeating: " ", count: String(line).count)
        out += "\(gutter)\(t.paint("-->", "34")) \(file.path):\(line):\(column)\n"
        let fullLine = file.lineIndex.lineRange(line - 1)
        // Long lines (minified JSON, a 600 KB template on one line) show a window around the finding.
        let lineRange = window(fullLine, around: d.range.start, in: file.bytes)
        let cutStart = lineRange.start > fullLine.start
        let cutEnd = lineRange.end < fullLine.end
        let sourceLine = (cutStart ? "…" : "") + lineText(file.bytes, lineRange) + (cutEnd ? "…" : "")
        out += "\(gutter) \(t.paint("|", "34"))\n"
        out += "\(t.paint(String(line), "34")) \(t.paint("|", "34")) \(sourceLine)\n"
        // Carets from the start column to the range's end on this line (at least one).
        let caretStart = min(max(d.range.start, lineRange.start), lineRange.end)
        let prefix = lineText(file.bytes, TextRange(start: lineRange.start, end: caretStart))
        let underlineEnd = min(max(d.range.end, caretStart), lineRange.end)
        let underlined = lineText(file.bytes, TextRange(start: caretStart, end: underlineEnd))
        let pad = (cutStart ? " " : "") + String(prefix.unicodeScalars.map { $0 == "\t" ? "\t" : " " })
        let carets = String(repeating: "^", count: max(1, underlined.unicodeScalars.count))
        out += "\(gutter) \(t.paint("|", "34")) \(pad)\(t.paint(carets, Terminal.colorCode(d.severity)))\n"
        if let help = d.help { out += "\(gutter) \(t.paint("=", "34")) \(t.bold("help")): \(help)\n" }
        for r in d.related {
            out += "\(gutter) \(t.paint("=", "34")) \(t.bold("note")): \(r.message) at \(r.path)\(relatedPosition(r, lineIndexes))\n"
        }
        return out
    }

    static func relatedPosition(_ r: RelatedLocation, _ lineIndexes: [String: LineIndex]) -> String {
        guard let li = lineIndexes[r.path] else { return "" }
        let (l, c) = li.position(of: r.range.start)
        return ":\(l):\(c)"
    }

    static let windowBytes = 240

    /// At most `windowBytes` of the line, starting a little before `offset`, on character boundaries.
    static func window(_ line: TextRange, around offset: Int, in bytes: [UInt8]) -> TextRange {
        guard line.length > windowBytes else { return line }
        var start = max(line.start, min(offset, line.end) - windowBytes / 3)
        while start > line.start, start < bytes.count, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        var end = min(line.end, start + windowBytes)
        while end < line.end, end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return TextRange(start: start, end: end)
    }

    static func lineText(_ bytes: [UInt8], _ r: TextRange) -> String {
        let lo = max(0, min(r.start, bytes.count))
        let hi = max(lo, min(r.end, bytes.count))
        // Control characters would garble the terminal; show them as U+FFFD.
        var out: [UInt8] = []
        out.reserveCapacity(hi - lo)
        for b in bytes[lo..<hi] {
            if (b < 0x20 && b != 0x09) || b == 0x7F {
                out += [0xEF, 0xBF, 0xBD]
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
/// Machine output: the versioned JSON lint report (docs/cli.md documents it).
enum JSONReport {
    static let formatVersion = 1

    static func position(_ lineIndex: LineIndex, _ offset: Int) -> Value {
        let (l, c) = lineIndex.position(of: offset)
        return .object(OrderedObject([("line", .int(l)), ("column", .int(c)), ("offset", .int(offset))]))
    }

    static func diagnostic(_ d: Diagnostic, file: ParsedFile, lineIndexes: [String: LineIndex]) -> Value {
        var o = OrderedObject()
        o["file"] = .string(file.path)
        o["code"] = .string(d.rule.code)
        o["name"] = .string(d.rule.name)
        o["category"] = .string(d.rule.category.rawValue)
        o["severity"] = .string(d.severity.rawValue)
        o["message"] = .string(d.message)
        o["help"] = d.help.map(Value.string) ?? .null
        o["start"] = position(file.lineIndex, d.range.start)
        o["end"] = position(file.lineIndex, d.range.end)
        o["url"] = .string(d.rule.documentationURL)
        o["related"] = .array(d.related.map { r in
            var ro = OrderedObject()
            ro["file"] = .string(r.path)
            ro["message"] = .string(r.message)
            if let li = lineIndexes[r.path] {
                ro["start"] = position(li, r.range.start)
                ro["end"] = position(li, r.range.end)
            }
            return .object(ro)
        })
        return .object(o)
    }
}
