/// UTF-8 validation that reports where the first invalid sequence starts.
public enum UTF8Validation {
    /// Byte offset of the first byte that does not begin a well-formed UTF-8 sequence (overlong
    /// forms, surrogates and values past U+10FFFF are invalid), or nil when the bytes are valid.
    public static func firstInvalidOffset(_ bytes: [UInt8]) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let length: Int
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; hi = 0x9F
            case 0xF0: length = 4; lo = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; hi = 0x8F
            default: return i
            }
            guard i + length <= n else { return i }
            guard bytes[i + 1] >= lo, bytes[i + 1] <= hi else { return i }
            for k in 2..<max(2, length) where bytes[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }
}
