/// Byte classes and search shared by the scanners, which all read UTF-8 bytes.
enum ASCII {
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isUpper(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }
    static func isLower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
    static func isLetter(_ c: UInt8) -> Bool { isUpper(c) || isLower(c) }
    static func isAlnum(_ c: UInt8) -> Bool { isLetter(c) || isDigit(c) }
    /// Letters, digits, `_` and `-`: identifiers, token names, key bodies.
    static func isWordByte(_ c: UInt8) -> Bool { isAlnum(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") }
    static func lowercased(_ c: UInt8) -> UInt8 { isUpper(c) ? c + 32 : c }

    /// Whether any UTF-8 byte of `text` is above 0x7F.
    static func hasNonASCII(_ text: String) -> Bool { hasByte(of: nonASCII, in: text) }

    /// Whether `text` holds an ASCII digit or `@`.
    static func hasDigitOrAt(_ text: String) -> Bool { hasByte(of: digitOrAt, in: text) }

    private static let nonASCII: [UInt8] = (0..<256).map { $0 >= 0x80 ? 1 : 0 }
    private static let digitOrAt: [UInt8] = (0..<256).map { isDigit(UInt8($0)) || $0 == 0x40 ? 1 : 0 }

    /// Whether `text` holds a byte whose entry in `table` is non-zero. The entries are ORed, one
    /// table read per byte and no branch: this runs for every sample value, and
    /// `utf8.contains(where:)` spent a test and a branch per byte.
    private static func hasByte(of table: [UInt8], in text: String) -> Bool {
        let fast = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            table.withUnsafeBufferPointer { table in
                var any: UInt8 = 0
                for c in bytes { any |= table[Int(c)] }
                return any != 0
            }
        }
        return fast ?? text.utf8.contains { table[Int($0)] != 0 }
    }
}

enum UTF8Scalar {
    /// The scalar whose UTF-8 starts at `i`, and its width; nil for a malformed or cut-off
    /// sequence.
    @inline(__always)
    static func decode(_ u: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int)? {
        let c = u[i]
        if c < 0x80 { return (UInt32(c), 1) }
        let width = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0
        guard width > 0, i + width <= u.count else { return nil }
        var v = UInt32(c) & (width == 4 ? 0x07 : width == 3 ? 0x0F : 0x1F)
        for k in 1..<width {
            let cc = u[i + k]
            guard cc & 0xC0 == 0x80 else { return nil }
            v = v << 6 | UInt32(cc & 0x3F)
        }
        return (v, width)
    }
}

public enum ByteSearch {
    /// The first occurrence of `needle` in `haystack` at or after `from`. Naive search is linear
    /// for the short needles the scanners use (delimiters, markers); the standard library's
    /// `firstRange(of:)` builds a search table per call, which cost more than whole scans did.
    public static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int = 0) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from >= 0, from <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// Whether `bytes` holds `prefix` at `offset`.
    static func hasPrefix(_ bytes: [UInt8], at offset: Int, _ prefix: [UInt8]) -> Bool {
        offset >= 0 && offset + prefix.count <= bytes.count && bytes[offset..<(offset + prefix.count)].elementsEqual(prefix)
    }

    /// Whether `bytes` holds `lowercasePrefix` at `offset`, ignoring ASCII case in `bytes`.
    @inline(__always)
    public static func hasPrefixIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, _ lowercasePrefix: UnsafeBufferPointer<UInt8>) -> Bool {
        guard offset >= 0, offset + lowercasePrefix.count <= bytes.count else { return false }
        for k in lowercasePrefix.indices where ASCII.lowercased(bytes[offset + k]) != lowercasePrefix[k] { return false }
        return true
    }

    static func hasPrefixIgnoringCase(_ bytes: [UInt8], at offset: Int, _ lowercasePrefix: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { b in lowercasePrefix.withUnsafeBufferPointer { hasPrefixIgnoringCase(b, at: offset, $0) } }
    }

    /// A literal prefix: no array to build, and no lazy-initialisation check as a static
    /// array's read costs (the secret scan asks this for every long word).
    @inline(__always)
    public static func hasPrefixIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, _ lowercasePrefix: StaticString) -> Bool {
        lowercasePrefix.withUTF8Buffer { hasPrefixIgnoringCase(bytes, at: offset, $0) }
    }
}
