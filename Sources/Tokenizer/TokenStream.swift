/// Tokenizes input that arrives in chunks (a 100 MB file, standard input) in bounded memory:
/// only the text of pieces that are not final yet is held, never the whole input or output.
///
/// A piece is final once matching it did not need to look past the bytes received so far
/// (`TrackingReader`). Bytes are decoded with U+FFFD replacement as they arrive; an incomplete
/// UTF-8 sequence at a chunk's end waits for the next chunk, so the result is identical to
/// decoding the whole input at once.
public struct TokenStream {
    public let encoding: Encoding
    private var pending: [UInt8] = []
    private var carry: [UInt8] = []

    public init(encoding: Encoding) { self.encoding = encoding }

    public mutating func feed(_ chunk: [UInt8], _ emit: (UInt32) -> Void) {
        var raw = carry
        raw += chunk
        let split = Self.incompleteTailStart(raw)
        carry = Array(raw[split...])
        pending += Array(TokenizerInput.decodeReplacingInvalid(Array(raw[..<split])).utf8)
        let consumed = tokenize(final: false, emit)
        pending.removeFirst(consumed)
    }

    public mutating func finish(_ emit: (UInt32) -> Void) {
        if !carry.isEmpty { pending += Array(TokenizerInput.decodeReplacingInvalid(carry).utf8) }
        carry = []
        _ = tokenize(final: true, emit)
        pending = []
    }

    /// Tokenizes the final pieces of `pending`; returns how many bytes they cover.
    private func tokenize(final: Bool, _ emit: (UInt32) -> Void) -> Int {
        pending.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            var position = 0
            while position < buffer.count {
                var reader = TrackingReader(base: base, count: buffer.count)
                let end = encoding.pattern.pieceEnd(at: position, &reader)
                if !final && reader.examinedEnd > buffer.count { break }
                encoding.vocabulary.encodePiece(base + position, end - position, emit)
                position = end
            }
            return position
        }
    }

    /// Where a UTF-8 sequence that the chunk cuts short begins (the count when none is cut).
    static func incompleteTailStart(_ bytes: [UInt8]) -> Int {
        var i = bytes.count - 1
        while i >= 0 && i >= bytes.count - 4 {
            let b = bytes[i]
            if b & 0xC0 == 0x80 { i -= 1; continue }
            if b >= 0xC0 {
                let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                return i + length > bytes.count ? i : bytes.count
            }
            return bytes.count
        }
        return bytes.count
    }
}
