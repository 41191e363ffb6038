import CTokenizerData
import Synchronization

/// A BPE encoding: tiktoken's `cl100k_base` or `o200k_base`, with token ids identical to
/// tiktoken 0.14's for every input.
///
/// Loading builds the vocabulary's hash table from data compiled into the binary (a few
/// milliseconds); `named(_:)` loads each encoding once per process and shares it between threads.
/// All methods are thread-safe.
public final class Encoding: Sendable {
    public enum Name: String, CaseIterable, Sendable {
        case cl100kBase = "cl100k_base"
        case o200kBase = "o200k_base"
    }

    public let name: Name
    let vocabulary: Vocabulary
    let pattern: PreTokenizerPattern
    /// Special tokens and their ids. Text is never matched against them unless a caller asks
    /// (`encode(_:allowedSpecial:)`), as in tiktoken's `encode_ordinary`.
    public let specialTokens: [String: UInt32]

    private static let loaded = Mutex<[Name: Encoding]>([:])

    /// The encoding, loaded on first use.
    public static func named(_ name: Name) -> Encoding {
        loaded.withLock { cache in
            if let encoding = cache[name] { return encoding }
            let encoding = Encoding(loading: name)
            cache[name] = encoding
            return encoding
        }
    }

    private init(loading name: Name) {
        self.name = name
        var size = 0
        let data = pk_rank_file_pointer(name, &size)
        do {
            vocabulary = try Vocabulary(data: data, size: size)
        } catch {
            // The data is compiled into the binary and checked by tests; it cannot depend on input.
            preconditionFailure("\(name.rawValue): \(error)")
        }
        switch name {
        case .cl100kBase:
            pattern = .cl100k
            specialTokens = [
                "<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
                "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276,
            ]
        case .o200kBase:
            pattern = .o200k
            specialTokens = ["<|endoftext|>": 199999, "<|endofprompt|>": 200018]
        }
    }

    // MARK: Encoding

    /// Token ids of `text`, special-token text encoded as plain text (tiktoken's `encode_ordinary`).
    public func encodeOrdinary(_ text: String) -> [UInt32] {
        var ids: [UInt32] = []
        ids.reserveCapacity(text.utf8.count / 4)
        var text = text
        text.withUTF8 { buffer in forEachToken(validUTF8: buffer) { ids.append($0) } }
        return ids
    }

    /// Token ids of raw bytes. Invalid UTF-8 is first decoded with U+FFFD replacement, which is
    /// what tiktoken sees when Python reads the file with `errors="replace"`.
    public func encodeOrdinary(bytes: [UInt8]) -> [UInt32] {
        encodeOrdinary(TokenizerInput.decodeReplacingInvalid(bytes))
    }

    /// The number of tokens `encodeOrdinary(text)` returns, without building the array.
    public func count(_ text: String) -> Int {
        var total = 0
        var text = text
        text.withUTF8 { buffer in forEachToken(validUTF8: buffer) { _ in total += 1 } }
        return total
    }

    public func count(bytes: [UInt8]) -> Int {
        count(TokenizerInput.decodeReplacingInvalid(bytes))
    }

    /// Token ids of `text` with the special tokens in `allowedSpecial` recognised (tiktoken's
    /// `encode(text, allowed_special=…, disallowed_special=())`). Names not in `specialTokens`
    /// are ignored.
    public func encode(_ text: String, allowedSpecial: Set<String>) -> [UInt32] {
        let specials = specialTokens.filter { allowedSpecial.contains($0.key) }
        if specials.isEmpty { return encodeOrdinary(text) }
        var ids: [UInt32] = []
        var text = text
        text.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { return }
            let patterns = specials.map { (Array($0.key.utf8), $0.value) }
            var segmentStart = 0
            var i = 0
            while i < buffer.count {
                // Special tokens start with "<"; none is a prefix of another.
                if buffer[i] == UInt8(ascii: "<"),
                   let (bytes, id) = patterns.first(where: { Self.matches($0.0, in: buffer, at: i) }) {
                    forEachToken(validUTF8: UnsafeBufferPointer(start: base + segmentStart, count: i - segmentStart)) { ids.append($0) }
                    ids.append(id)
                    i += bytes.count
                    segmentStart = i
                } else {
                    i += 1
                }
            }
            forEachToken(validUTF8: UnsafeBufferPointer(start: base + segmentStart, count: buffer.count - segmentStart)) { ids.append($0) }
        }
        return ids
    }

    private static func matches(_ pattern: [UInt8], in buffer: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard i + pattern.count <= buffer.count else { return false }
        for k in 0..<pattern.count where buffer[i + k] != pattern[k] { return false }
        return true
    }

    /// The core loop: pre-tokenize valid UTF-8, then look each piece up whole, merging only the
    /// pieces that are not a token themselves (most pieces of prose and code are).
    @inline(__always)
    func forEachToken(validUTF8 buffer: UnsafeBufferPointer<UInt8>, _ emit: (UInt32) -> Void) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        var reader = PlainReader(base: base, count: buffer.count)
        var start = 0
        while start < buffer.count {
            let end = pattern.pieceEnd(at: start, &reader)
            vocabulary.encodePiece(base + start, end - start, emit)
            start = end
        }
    }

    // MARK: Decoding

    /// The bytes of one token id (ordinary or special), or nil for an id this encoding lacks.
    public func bytes(of id: UInt32) -> [UInt8]? {
        if Int(id) < vocabulary.count { return Array(vocabulary.tokenBytes(Int(id))) }
        return specialTokens.first(where: { $0.value == id }).map { Array($0.key.utf8) }
    }

    /// The concatenated bytes of `ids`, or nil if one of them is not in this encoding.
    public func decode(_ ids: [UInt32]) -> [UInt8]? {
        var out: [UInt8] = []
        for id in ids {
            guard let bytes = bytes(of: id) else { return nil }
            out += bytes
        }
        return out
    }
}

private func pk_rank_file_pointer(_ name: Encoding.Name, _ size: inout Int) -> UnsafePointer<UInt8> {
    var cSize = 0
    let pointer = pk_rank_file(name == .cl100kBase ? 0 : 1, &cSize)
    size = Int(cSize)
    // The C arrays are static data; a nil pointer would be a build error, not an input error.
    return pointer!
}

/// Turning arbitrary bytes into the text tiktoken would see.
public enum TokenizerInput {
    /// Decodes UTF-8 replacing each maximal invalid subpart with U+FFFD, the same policy as
    /// Python's `bytes.decode("utf-8", errors="replace")` (both follow the Unicode Standard's
    /// recommended practice, §3.9 U+FFFD substitution).
    public static func decodeReplacingInvalid(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
