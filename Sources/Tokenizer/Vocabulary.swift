import CTokenizerData

/// The mergeable ranks of one encoding: token bytes ↔ rank.
///
/// Built once per process from the compiled-in `.bpe` data (see data/PROVENANCE.md): the token
/// bytes stay where the linker put them, and lookups go through an open-addressing table of
/// 64-bit slots (32 bits of hash as a tag, rank + 1), so a miss rarely touches token bytes.
/// Hand-written rather than `Dictionary<[UInt8], UInt32>` because the hot path looks up byte
/// ranges of the input without allocating, and building the table takes a few milliseconds.
final class Vocabulary: @unchecked Sendable {
    // @unchecked: every stored property is written in init and only read afterwards.
    let count: Int
    let maxTokenLength: Int
    private let bytes: UnsafePointer<UInt8>
    private let offsets: UnsafeMutablePointer<UInt32>  // count + 1 entries
    private let slots: UnsafeMutablePointer<UInt64>
    private let mask: Int
    /// The rank of each single byte (every byte is a token in both encodings).
    let byteRanks: UnsafeMutablePointer<UInt32>

    enum LoadError: Error, CustomStringConvertible {
        case corrupt(String)
        var description: String {
            switch self { case .corrupt(let why): "corrupt tokenizer data: \(why)" }
        }
    }

    init(data: UnsafePointer<UInt8>, size: Int) throws {
        let magic: [UInt8] = Array("PKBPE1".utf8) + [0, 0]
        guard size >= 12, (0..<8).allSatisfy({ data[$0] == magic[$0] }) else { throw LoadError.corrupt("bad header") }
        let count = Int(data[8]) | Int(data[9]) << 8 | Int(data[10]) << 16 | Int(data[11]) << 24
        let lengths = data + 12
        guard count > 256, 12 + count <= size else { throw LoadError.corrupt("bad token count \(count)") }
        self.count = count
        self.bytes = lengths + count
        offsets = .allocate(capacity: count + 1)
        var offset = 0
        var longest = 0
        for rank in 0..<count {
            offsets[rank] = UInt32(offset)
            offset += Int(lengths[rank])
            longest = max(longest, Int(lengths[rank]))
        }
        offsets[count] = UInt32(offset)
        guard 12 + count + offset == size else { throw LoadError.corrupt("token bytes do not match the lengths") }
        maxTokenLength = longest

        var capacity = 1
        while capacity < count * 2 { capacity <<= 1 }
        mask = capacity - 1
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: 0, count: capacity)
        byteRanks = .allocate(capacity: 256)
        byteRanks.initialize(repeating: UInt32.max, count: 256)
        for rank in 0..<count {
            let start = bytes + Int(offsets[rank])
            let length = Int(offsets[rank + 1] - offsets[rank])
            let hash = Self.hash(start, length)
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(rank + 1)
            if length == 1 { byteRanks[Int(start[0])] = UInt32(rank) }
        }
        guard (0..<256).allSatisfy({ byteRanks[$0] != UInt32.max }) else { throw LoadError.corrupt("a single byte has no rank") }
    }

    deinit {
        offsets.deallocate()
        slots.deallocate()
        byteRanks.deallocate()
    }

    /// The rank of `bytes[0..<length]`, or `UInt32.max` when it is not a token.
    @inline(__always)
    func rank(_ p: UnsafePointer<UInt8>, _ length: Int) -> UInt32 {
        if length > maxTokenLength { return .max }
        let hash = Self.hash(p, length)
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return .max }
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let rank = Int(entry & 0xFFFF_FFFF) - 1
                let start = Int(offsets[rank])
                if Int(offsets[rank + 1]) - start == length, Self.equal(bytes + start, p, length) {
                    return UInt32(rank)
                }
            }
            slot = (slot + 1) & mask
        }
    }

    /// The bytes of `rank` (which must be < count).
    func tokenBytes(_ rank: Int) -> UnsafeBufferPointer<UInt8> {
        let start = Int(offsets[rank])
        return UnsafeBufferPointer(start: bytes + start, count: Int(offsets[rank + 1]) - start)
    }

    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        var i = 0
        while i + 8 <= length {
            if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
                return false
            }
            i += 8
        }
        while i < length {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    /// A multiply-xorshift hash over 8-byte words (the wyhash family's mixing step). The tail is
    /// gathered byte by byte so a lookup never reads past the piece.
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        let k: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h = UInt64(truncatingIfNeeded: length) &* 0xC2B2_AE3D_27D4_EB4F
        var i = 0
        while i + 8 <= length {
            h = (h ^ UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)) &* k
            h ^= h >> 29
            i += 8
        }
        if i < length {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < length {
                tail |= UInt64(p[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ tail) &* k
        }
        h ^= h >> 32
        h = h &* 0xD6E8_FEB8_6659_FD93
        h ^= h >> 32
        return h
    }
}
