import Analysis
import CoreSupport
import LanguageServerProtocol

/// `file://` URIs and filesystem paths (RFC 3986 percent-encoding, as VS Code and Neovim send them).
enum DocumentURI {
    static func path(of uri: String) -> String? {
        guard uri.hasPrefix("file://") else { return nil }
        var rest = Substring(uri.dropFirst("file://".count))
        // file://host/path: only the local host (empty or "localhost") is a local file.
        if rest.hasPrefix("localhost/") { rest = rest.dropFirst("localhost".count) }
        guard rest.hasPrefix("/") else { return nil }
        return percentDecoded(rest)
    }

    static func uri(forPath path: String) -> String {
        guard path.hasPrefix("/") else { return path }  // not a filesystem path: it was a URI already
        var out = "file://"
        for b in path.utf8 {
            let unreserved = (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "~")
                || b == UInt8(ascii: "/")
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    static func percentDecoded(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        func hexValue(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x41...0x46: c - 0x41 + 10
            case 0x61...0x66: c - 0x61 + 10
            default: nil
            }
        }
        while i < u.count {
            if u[i] == UInt8(ascii: "%"), i + 2 < u.count, let h = hexValue(u[i + 1]), let l = hexValue(u[i + 2]) {
                bytes.append(h << 4 | l)
                i += 3
            } else {
                bytes.append(u[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Converts between the core's byte offsets and LSP positions in the negotiated encoding.
struct PositionConverter: Sendable {
    let utf8: Bool

    func position(_ offset: Int, _ index: LineIndex) -> Position {
        let p = utf8 ? index.utf8Position(of: offset) : index.utf16Position(of: offset)
        return Position(line: p.line, character: p.character)
    }

    func range(_ r: TextRange, _ index: LineIndex) -> Range {
        Range(start: position(r.start, index), end: position(r.end, index))
    }

    func offset(_ p: Position, _ index: LineIndex) -> Int {
        index.offset(line: p.line, character: p.character, utf16: !utf8)
    }
}

/// An open document: the text the editor has, parsed.
struct OpenDocument {
    let uri: String
    /// Filesystem path for `file://` documents, else the URI (what diagnostics report it under).
    let path: String
    var version: Int
    var parsed: ParsedFile

    var bytes: [UInt8] { parsed.bytes }
    var lineIndex: LineIndex { parsed.lineIndex }

    /// Documents over this size are kept as text only (`ServerSettings.maxAnalysedBytes`).
    let analysisLimit: Int

    init(uri: String, version: Int, bytes: [UInt8], analysisLimit: Int) {
        self.uri = uri
        path = DocumentURI.path(of: uri) ?? uri
        self.version = version
        self.analysisLimit = analysisLimit
        parsed = Self.parse(path, bytes, limit: analysisLimit)
    }

    static func parse(_ path: String, _ bytes: [UInt8], limit: Int) -> ParsedFile {
        bytes.count > limit ? ParsedFile.unparsed(SourceFile(path: path, bytes: bytes)) : ParsedFile.parse(SourceFile(path: path, bytes: bytes))
    }

    /// Applies `contentChanges` in order (each range is relative to the text after the previous
    /// change, as the specification says).
    mutating func apply(_ changes: [Value], version: Int, converter: PositionConverter) throws(ResponseError) {
        var bytes = parsed.bytes
        var index = parsed.lineIndex
        for change in changes {
            guard let text = change["text"]?.stringValue else {
                throw .invalidParams("a content change needs `text`")
            }
            if let rangeValue = change["range"], rangeValue != .null {
                let range = try Range(rangeValue)
                let start = converter.offset(range.start, index)
                let end = max(start, converter.offset(range.end, index))
                bytes.replaceSubrange(start..<end, with: Array(text.utf8))
            } else {
                bytes = Array(text.utf8)
            }
            if changes.count > 1 { index = LineIndex(bytes) }
        }
        self.version = version
        parsed = Self.parse(path, bytes, limit: analysisLimit)
    }
}
