/// Maps UTF-8 byte offsets of one file to line/column positions.
///
/// Lines break at `\n`, `\r\n` and a lone `\r` (what editors and YAML both treat as line breaks).
/// Columns are reported in Unicode scalars (the CLI's JSON contract) or UTF-16 code units (the
/// LSP default); both are computed from the bytes of the line, never from `Character`s, because
/// grapheme clustering would merge distinct scalars.
public struct LineIndex: Sendable {
    /// Byte offset at which each line starts; `lineStarts[0] == 0`.
    public let lineStarts: [Int]
    private let bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == UInt8(ascii: "\n") {
                starts.append(i + 1)
            } else if b == UInt8(ascii: "\r") {
                if i + 1 < n, bytes[i + 1] == UInt8(ascii: "\n") { i += 1 }
                starts.append(i + 1)
            }
            i += 1
        }
        lineStarts = starts
    }

    public var lineCount: Int { lineStarts.count }

    /// Zero-based line containing `offset` (offsets past the end clamp to the last line).
    public func line(containing offset: Int) -> Int {
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Byte range of a zero-based line, without its line terminator.
    public func lineRange(_ line: Int) -> TextRange {
        guard line >= 0, line < lineStarts.count else { return .empty(at: bytes.count) }
        let start = lineStarts[line]
        var end = line + 1 < lineStarts.count ? lineStarts[line + 1] : bytes.count
        while end > start, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") {
            end -= 1
        }
        return TextRange(start: start, end: end)
    }

    /// One-based line and one-based column counted in Unicode scalars.
    public func position(of offset: Int) -> (line: Int, column: Int) {
        let clamped = min(max(0, offset), bytes.count)
        let line = line(containing: clamped)
        var column = 0
        var i = lineStarts[line]
        while i < clamped {
            // Count scalar starts: every byte that is not a UTF-8 continuation byte.
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return (line + 1, column + 1)
    }

    /// Zero-based line and zero-based column counted in UTF-16 code units.
    public func utf16Position(of offset: Int) -> (line: Int, character: Int) {
        let clamped = min(max(0, offset), bytes.count)
        let line = line(containing: clamped)
        var units = 0
        var i = lineStarts[line]
        while i < clamped {
            let b = bytes[i]
            if b & 0xC0 != 0x80 { units += b >= 0xF0 ? 2 : 1 }
            i += 1
        }
        return (line, units)
    }

    /// Zero-based line and zero-based column counted in UTF-8 bytes (LSP's `utf-8` position encoding).
    public func utf8Position(of offset: Int) -> (line: Int, character: Int) {
        let clamped = min(max(0, offset), bytes.count)
        let line = line(containing: clamped)
        return (line, clamped - lineStarts[line])
    }

    /// The byte offset of an LSP position. Positions past the end of a line clamp to its end and
    /// lines past the end clamp to the end of the file, as the specification asks; a column in the
    /// middle of a UTF-8 sequence or a surrogate pair moves to the next character boundary.
    public func offset(line: Int, character: Int, utf16: Bool) -> Int {
        guard line >= 0 else { return 0 }
        guard line < lineStarts.count else { return bytes.count }
        let range = lineRange(line)
        var i = range.start
        var units = 0
        let target = max(0, character)
        while i < range.end, units < target {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            units += utf16 ? (length == 4 ? 2 : 1) : length
            i = min(range.end, i + length)
        }
        return i
    }
}
