#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Characters a reader cannot see but a model reads: zero-width and bidirectional controls (in
/// untrusted values) and Unicode tag characters (anywhere: they spell ASCII invisibly).
public enum HiddenCharacters {
    /// Invisible and bidirectional control characters, one finding per run. Joiners where
    /// scripts need them (Arabic, Persian, Indic scripts, emoji sequences), marks around
    /// right-to-left text and variation selectors after emoji and ideographs are not reported.
    public static func invisible(_ text: String) -> [SecurityFinding] {
        // Every character `isSuspicious` names lies above U+007F: an ASCII value (most sample
        // values) has none, and is passed over without decoding it into scalars.
        guard ASCII.hasNonASCII(text) else { return [] }
        var out: [SecurityFinding] = []
        let scalars = Array(text.unicodeScalars)
        var offsets: [Int] = []
        offsets.reserveCapacity(scalars.count + 1)
        var o = 0
        for s in scalars { offsets.append(o); o += s.utf8.count }
        offsets.append(o)
        let hasRTL = scalars.contains { (0x0590...0x08FF).contains($0.value) || (0xFB1D...0xFEFC).contains($0.value) }
        var i = 0
        while i < scalars.count {
            guard isSuspicious(scalars, i, hasRTL: hasRTL) else { i += 1; continue }
            var j = i
            var names: [String] = []
            while j < scalars.count, isSuspicious(scalars, j, hasRTL: hasRTL) {
                let n = name(scalars[j].value)
                if names.last != n { names.append(n) }
                j += 1
            }
            let count = j - i
            out.append(SecurityFinding(kind: .invisibleCharacters, start: offsets[i], end: offsets[j],
                                       evidence: names.prefix(3).joined(separator: ", ") + (count > 1 ? " (\(count) characters)" : ""),
                                       detail: isBidi(scalars[i].value) ? "bidirectional control" : "invisible character"))
            if out.count >= 20 { break }
            i = j
        }
        return out
    }

    static func isBidi(_ v: UInt32) -> Bool { (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) }

    static func isSuspicious(_ s: [Unicode.Scalar], _ i: Int, hasRTL: Bool) -> Bool {
        let v = s[i].value
        switch v {
        case 0x200B, 0x2060...0x2064, 0x180E, 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x17B4, 0x17B5, 0x2800:
            // U+2800 (braille blank) only in runs: it is a real braille cell elsewhere.
            return v != 0x2800 || (i + 1 < s.count && s[i + 1].value == 0x2800)
        case 0xFEFF:
            return i > 0
        case 0x202A...0x202E, 0x2066...0x2069:
            return true
        case 0x200E, 0x200F, 0x061C:
            return !hasRTL
        case 0x200C, 0x200D:
            let before = i > 0 ? s[i - 1] : nil
            let after = i + 1 < s.count ? s[i + 1] : nil
            return !(joinsHere(before) || joinsHere(after))
        case 0xE0100...0xE01EF:
            // Variation selectors are meaningful one at a time after an ideograph; runs of them
            // carry hidden bytes.
            return (i > 0 && (0xE0100...0xE01EF).contains(s[i - 1].value)) || (i + 1 < s.count && (0xE0100...0xE01EF).contains(s[i + 1].value))
        default:
            return false
        }
    }

    /// Scripts that use ZWJ/ZWNJ in ordinary text, and emoji sequences.
    static func joinsHere(_ s: Unicode.Scalar?) -> Bool {
        guard let s else { return false }
        let v = s.value
        if (0x0600...0x08FF).contains(v) || (0x0900...0x0DFF).contains(v) || (0x0F00...0x0FFF).contains(v) || (0x1780...0x17FF).contains(v) || (0xA8E0...0xA8FF).contains(v) || (0xFB50...0xFEFF).contains(v) {
            return true
        }
        return s.properties.isEmojiPresentation || s.properties.isEmoji && v > 0xFF || v == 0xFE0F || (0x1F3FB...0x1F3FF).contains(v)
    }

    static func name(_ v: UInt32) -> String {
        let known: [UInt32: String] = [
            0x200B: "ZERO WIDTH SPACE", 0x200C: "ZERO WIDTH NON-JOINER", 0x200D: "ZERO WIDTH JOINER", 0x200E: "LEFT-TO-RIGHT MARK",
            0x200F: "RIGHT-TO-LEFT MARK", 0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING", 0x202C: "POP DIRECTIONAL FORMATTING",
            0x202D: "LEFT-TO-RIGHT OVERRIDE", 0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2060: "WORD JOINER", 0x2061: "FUNCTION APPLICATION",
            0x2062: "INVISIBLE TIMES", 0x2063: "INVISIBLE SEPARATOR", 0x2064: "INVISIBLE PLUS", 0x2066: "LEFT-TO-RIGHT ISOLATE",
            0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE", 0x2069: "POP DIRECTIONAL ISOLATE", 0xFEFF: "ZERO WIDTH NO-BREAK SPACE",
            0x180E: "MONGOLIAN VOWEL SEPARATOR", 0x034F: "COMBINING GRAPHEME JOINER", 0x3164: "HANGUL FILLER", 0x115F: "HANGUL CHOSEONG FILLER",
            0x1160: "HANGUL JUNGSEONG FILLER", 0xFFA0: "HALFWIDTH HANGUL FILLER", 0x061C: "ARABIC LETTER MARK", 0x2800: "BRAILLE PATTERN BLANK",
            0x17B4: "KHMER VOWEL INHERENT AQ", 0x17B5: "KHMER VOWEL INHERENT AA",
        ]
        if let n = known[v] { return "U+\(hex(v)) \(n)" }
        if (0xE0100...0xE01EF).contains(v) { return "U+\(hex(v)) VARIATION SELECTOR" }
        return "U+\(hex(v))"
    }

    static func hex(_ v: UInt32) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    /// Runs of Unicode tag characters (U+E0000–U+E007F), with the ASCII text they spell. A flag
    /// emoji's tag sequence (🏴 + lowercase letters and digits + CANCEL TAG, like England's flag)
    /// is not reported.
    public static func tags(_ bytes: [UInt8]) -> [SecurityFinding] {
        var out: [SecurityFinding] = []
        var i = 0
        // Runs over every byte of every file: jump between 0xF3 bytes, the lead byte of every
        // tag character (F3 A0 80 80 – F3 A0 81 BF), with memchr.
        while let lead = nextLeadF3(bytes, from: i) {
            i = lead
            guard let (v, width) = decode(bytes, i), (0xE0000...0xE007F).contains(v) else { i += 1; continue }
            let start = i
            // 🏴 U+1F3F4 (F0 9F 8F B4) right before the run begins a flag's tag sequence.
            let afterBlackFlag = start >= 4 && bytes[(start - 4)..<start].elementsEqual([0xF0, 0x9F, 0x8F, 0xB4])
            var hidden = ""
            var spelled: [UInt32] = []
            var j = i
            while j < bytes.count, let (t, w) = decode(bytes, j), (0xE0000...0xE007F).contains(t) {
                spelled.append(t)
                if t >= 0xE0020, t <= 0xE007E, let s = Unicode.Scalar(t - 0xE0000) { hidden.unicodeScalars.append(s) }
                j += w
            }
            let isFlag = afterBlackFlag && spelled.last == 0xE007F && spelled.count >= 3 && spelled.count <= 8
                && spelled.dropLast().allSatisfy { (0xE0061...0xE007A).contains($0) || (0xE0030...0xE0039).contains($0) }
            if !isFlag {
                out.append(SecurityFinding(kind: .tagCharacters, start: start, end: j,
                                           evidence: hidden.isEmpty ? "\(spelled.count) tag characters" : InjectionScanner.clip(hidden),
                                           detail: "\(spelled.count) invisible tag character\(spelled.count == 1 ? "" : "s")"))
                if out.count >= 20 { break }
            }
            i = j
        }
        return out
    }

    static func nextLeadF3(_ bytes: [UInt8], from: Int) -> Int? {
        guard from < bytes.count else { return nil }
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress, let hit = memchr(base + from, 0xF3, buffer.count - from) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// One UTF-8 scalar at `i` (nil for a malformed byte).
    static func decode(_ b: [UInt8], _ i: Int) -> (UInt32, Int)? {
        b.withUnsafeBufferPointer { UTF8Scalar.decode($0, at: i) }
    }
}
