/// Keeps the token count of a document current under edits by re-tokenizing only the pieces
/// around each edit: the language server's live count on a 1 MB document costs microseconds per
/// keystroke instead of a full recount (docs/benchmarks.md).
///
/// How it stays exact: matching a piece at position p reads only the text from p to the piece's
/// *examined end* (`TrackingReader`), which is stored with each piece. After an edit at [a, b):
/// - pieces whose examined end is ≤ a read nothing that changed, so they are kept. Examined ends
///   never decrease from one piece to the next (each pattern alternative that looks past its
///   match looks into a run the next piece also scans), so the kept pieces are a prefix.
/// - re-tokenizing starts after that prefix and stops as soon as a new piece starts, past the
///   edit, exactly where an old piece started: from there on the text is the old text shifted,
///   so the old pieces are still right.
/// Tests compare it against full recounts under random edits.
///
/// Pieces live in a gap buffer (`before` in order, `after` reversed) at the last edit, so
/// nearby edits, the editor's common case, move few pieces.
public final class IncrementalTokenCounter {
    private struct Piece {
        var length: UInt32
        var tokens: UInt32
        /// Bytes past the piece's end that matching it read (including "checked for the end").
        var lookahead: UInt32
    }

    public let encoding: Encoding
    private var bytes: [UInt8]
    private var before: [Piece] = []
    private var after: [Piece] = []
    /// Byte offset where `after` begins: the total length of `before`.
    private var cursor = 0
    public private(set) var tokenCount = 0

    public init(encoding: Encoding, text: String) {
        self.encoding = encoding
        bytes = Array(text.utf8)
        before.reserveCapacity(bytes.count / 4)
        retokenize(from: 0, resyncAfter: Int.max, delta: 0)
    }

    public var utf8Count: Int { bytes.count }
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public func byte(at offset: Int) -> UInt8 { bytes[offset] }

    /// Replaces the UTF-8 byte range `range` (clamped to the document, widened to whole scalars)
    /// with `replacement` and updates `tokenCount`.
    public func replace(utf8Range range: Range<Int>, with replacement: String) {
        var a = min(max(range.lowerBound, 0), bytes.count)
        var b = min(max(range.upperBound, a), bytes.count)
        while a > 0, a < bytes.count, bytes[a] & 0xC0 == 0x80 { a -= 1 }
        while b < bytes.count, bytes[b] & 0xC0 == 0x80 { b += 1 }

        // Keep exactly the pieces whose examined end is ≤ a.
        while let last = before.last, cursor + Int(last.lookahead) > a {
            cursor -= Int(last.length)
            after.append(before.removeLast())
        }
        while let next = after.last, cursor + Int(next.length) + Int(next.lookahead) <= a {
            cursor += Int(next.length)
            before.append(after.removeLast())
        }

        let inserted = Array(replacement.utf8)
        bytes.replaceSubrange(a..<b, with: inserted)
        retokenize(from: cursor, resyncAfter: a + inserted.count, delta: inserted.count - (b - a))
    }

    /// Tokenizes from `start` (a piece boundary, with `after` holding the old pieces from there)
    /// until a new piece starting at or after `resyncAfter` lines up with an old one.
    private func retokenize(from start: Int, resyncAfter editEnd: Int, delta: Int) {
        var position = start
        var oldPosition = start  // where after.last starts, in the old text
        let vocabulary = encoding.vocabulary
        let pattern = encoding.pattern
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else {
                // Empty document: nothing is left of the old pieces.
                for piece in after { tokenCount -= Int(piece.tokens) }
                after.removeAll()
                return
            }
            while true {
                if position >= editEnd {
                    while let next = after.last, oldPosition < position - delta {
                        oldPosition += Int(next.length)
                        tokenCount -= Int(next.tokens)
                        after.removeLast()
                    }
                    if !after.isEmpty, oldPosition == position - delta { break }
                }
                if position >= buffer.count {
                    for piece in after { tokenCount -= Int(piece.tokens) }
                    after.removeAll()
                    break
                }
                var reader = TrackingReader(base: base, count: buffer.count)
                let end = pattern.pieceEnd(at: position, &reader)
                var tokens = 0
                vocabulary.encodePiece(base + position, end - position) { _ in tokens += 1 }
                before.append(Piece(length: UInt32(end - position), tokens: UInt32(tokens), lookahead: UInt32(reader.examinedEnd - end)))
                tokenCount += tokens
                position = end
            }
        }
        cursor = position
    }
}
