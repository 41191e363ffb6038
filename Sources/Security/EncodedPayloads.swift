/// Base64, hex, URL-encoded, `\uXXXX`-escaped and ROT13 text: decoded and scanned again for
/// injection phrases. Only text that decodes to readable UTF-8 is scanned, so images in data
/// URIs, hashes, UUIDs and colours decode to binary and are left alone.
enum EncodedPayloads {
    static let minimumBase64 = 16
    static let minimumHexDigits = 16

    static func scan(_ b: [UInt8], depth: Int, profile: ByteProfile) -> [SecurityFinding] {
        var out: [SecurityFinding] = []
        func check(_ start: Int, _ end: Int, _ decoded: [UInt8]?, _ encoding: String) {
            guard let decoded, readable(decoded) else { return }
            let text = String(decoding: decoded, as: UTF8.self)
            let inner = InjectionScanner.scan(text, fenceClosers: [], depth: depth + 1)
                .filter { $0.kind != .delimiterEscape && $0.kind != .invisibleCharacters }
            guard let first = inner.first else { return }
            out.append(SecurityFinding(kind: .encodedPayload, start: start, end: end,
                                       evidence: InjectionScanner.clip(text),
                                       detail: "\(encoding) hiding \(hidden(first))"))
        }
        // Escapes, URL encoding, hex and base64 runs: the profile shows whether the value
        // has a backslash, two `%` or a run long enough to decode.
        var i = profile.mayHoldEncodedRun(minimumRun: min(minimumBase64, minimumHexDigits)) ? 0 : b.count
        while i < b.count {
            let c = b[i]
            // \uXXXX and \xHH escapes.
            if c == UInt8(ascii: "\\"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "u") || b[i + 1] == UInt8(ascii: "x") {
                let (end, decoded) = escapes(b, i)
                if end > i + 8 { check(i, end, decoded, "escaped text"); i = end; continue }
            }
            if isBase64Byte(c) {
                var j = i
                var hexOnly = true
                var percent = 0
                while j < b.count, isBase64Byte(b[j]) || b[j] == UInt8(ascii: "%") {
                    if !isHex(b[j]) { hexOnly = false }
                    if b[j] == UInt8(ascii: "%") { percent += 1 }
                    j += 1
                }
                var end = j
                while end < b.count, b[end] == UInt8(ascii: "="), end - j < 2 { end += 1 }
                let length = j - i
                if percent >= 2 {
                    check(i, end, percentDecoded(b, i, end), "URL encoding")
                } else if hexOnly, length >= minimumHexDigits, length % 2 == 0 {
                    check(i, end, hexDecoded(b, i, j), "hex")
                } else if length >= minimumBase64 {
                    check(i, end, base64Decoded(b, i, j), "base64")
                }
                i = max(end, i + 1)
                continue
            }
            i += 1
        }
        // Space-separated hex bytes: "69 67 6e 6f 72 65".
        if profile.mayHoldSpacedHex { out += spacedHex(b, depth: depth) }
        if depth == 0, mayHideROT13(b) {
            let rotated = rot13(b)
            let text = String(decoding: rotated, as: UTF8.self)
            for m in InjectionLexicon.matcher.matches(TextUnits.units(text)) where m.techniques.isEmpty {
                out.append(SecurityFinding(kind: .encodedPayload, start: m.start, end: m.end,
                                           evidence: InjectionScanner.snippet(b, m.start, m.end) + "” reads “" + InjectionScanner.clip(m.reading),
                                           detail: "ROT13 hiding \(m.family.rawValue)"))
            }
        }
        return out
    }

    /// What a decoded payload was found to carry, for the outer finding's detail.
    static func hidden(_ inner: SecurityFinding) -> String {
        inner.detail.isEmpty ? "\(inner.kind)" : inner.detail
    }

    static func isBase64Byte(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "+") || c == UInt8(ascii: "/")
            || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
    }

    static func isHex(_ c: UInt8) -> Bool { hexValue(c) != nil }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    /// Decoded bytes that are text a model would read: valid UTF-8, mostly letters and spaces.
    static func readable(_ d: [UInt8]) -> Bool {
        guard d.count >= 8 else { return false }
        var text = 0, letters = 0, control = 0
        var decoder = UTF8()
        var it = d.makeIterator()
        loop: while true {
            switch decoder.decode(&it) {
            case .scalarValue(let s):
                text += 1
                if s.properties.isAlphabetic || s == " " { letters += 1 }
                if s.value < 0x20, s != "\n", s != "\r", s != "\t" { control += 1 }
            case .emptyInput: break loop
            case .error: return false
            }
        }
        return text > 0 && control == 0 && letters * 10 >= text * 7
    }

    static func base64Decoded(_ b: [UInt8], _ lo: Int, _ hi: Int) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity((hi - lo) * 3 / 4)
        var acc: UInt32 = 0, bits = 0
        for i in lo..<hi {
            let c = b[i]
            let v: UInt32
            switch c {
            case 0x41...0x5A: v = UInt32(c - 0x41)
            case 0x61...0x7A: v = UInt32(c - 0x61 + 26)
            case 0x30...0x39: v = UInt32(c - 0x30 + 52)
            case UInt8(ascii: "+"), UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): v = 63
            default: return nil
            }
            acc = (acc << 6) | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }

    static func hexDecoded(_ b: [UInt8], _ lo: Int, _ hi: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var i = lo
        while i + 1 < hi {
            guard let h = hexValue(b[i]), let l = hexValue(b[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }

    static func percentDecoded(_ b: [UInt8], _ lo: Int, _ hi: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var i = lo
        while i < hi {
            if b[i] == UInt8(ascii: "%"), i + 2 < hi + 1, i + 2 < b.count, let h = hexValue(b[i + 1]), let l = hexValue(b[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(b[i] == UInt8(ascii: "+") ? 0x20 : b[i])
                i += 1
            }
        }
        return out
    }

    /// A run of `\uXXXX` / `\xHH` escapes (with anything between them kept as is).
    static func escapes(_ b: [UInt8], _ lo: Int) -> (Int, [UInt8]?) {
        var out: [UInt8] = []
        var i = lo
        while i + 1 < b.count, b[i] == UInt8(ascii: "\\") {
            if b[i + 1] == UInt8(ascii: "x"), i + 3 < b.count, let h = hexValue(b[i + 2]), let l = hexValue(b[i + 3]) {
                out.append(h << 4 | l)
                i += 4
            } else if b[i + 1] == UInt8(ascii: "u"), i + 5 < b.count,
                      let a = hexValue(b[i + 2]), let c = hexValue(b[i + 3]), let d = hexValue(b[i + 4]), let e = hexValue(b[i + 5]) {
                let v = UInt32(a) << 12 | UInt32(c) << 8 | UInt32(d) << 4 | UInt32(e)
                if let s = Unicode.Scalar(v) { out += Array(String(Character(s)).utf8) }
                i += 6
            } else {
                break
            }
        }
        return (i, out)
    }

    /// Fewest hex pairs `spacedHexRuns` reports.
    static let minimumSpacedPairs = 8

    static func spacedHex(_ b: [UInt8], depth: Int) -> [SecurityFinding] {
        var out: [SecurityFinding] = []
        for run in spacedHexRuns(b) where EncodedPayloads.readable(run.bytes) {
            let text = String(decoding: run.bytes, as: UTF8.self)
            if let first = InjectionScanner.scan(text, fenceClosers: [], depth: depth + 1).first {
                out.append(SecurityFinding(kind: .encodedPayload, start: run.start, end: run.end, evidence: InjectionScanner.clip(text),
                                           detail: "hex bytes hiding \(hidden(first))"))
            }
        }
        return out
    }

    /// Runs of at least `minimumSpacedPairs` hex pairs separated by a space or comma, from the
    /// start of the text or of a space-separated token, decoded.
    static func spacedHexRuns(_ b: [UInt8]) -> [(start: Int, end: Int, bytes: [UInt8])] {
        var out: [(start: Int, end: Int, bytes: [UInt8])] = []
        var i = 0
        while i < b.count {
            var j = i
            var bytes: [UInt8] = []
            while j + 1 < b.count, let h = hexValue(b[j]), let l = hexValue(b[j + 1]),
                  j + 2 == b.count || b[j + 2] == 0x20 || b[j + 2] == UInt8(ascii: ",") {
                bytes.append(h << 4 | l)
                j += 2
                guard j < b.count else { break }
                j += 1
            }
            if bytes.count >= minimumSpacedPairs { out.append((i, min(j, b.count), bytes)) }
            // Skip to the next token start so the scan stays linear.
            var k = max(j, i + 1)
            while k < b.count, b[k] != 0x20 { k += 1 }
            i = k + 1
        }
        return out
    }

    /// ROT13 of the words every ROT13'd attack uses ("ignore", "instructions", "previous",
    /// "prompt", "system", "pretend", "reveal", "disregard", "forget"): a cheap pass decides
    /// whether the text is worth rotating and scanning again.
    static let rot13Markers: [[UInt8]] = ["vtaber", "vafgehpg", "cerivbhf", "cebzcg", "flfgrz", "cergraq", "erirny", "qvfertneq", "sbetrg"].map { Array($0.utf8) }

    /// The markers end to end, `rot13MarkerBounds[m]..<rot13MarkerBounds[m + 1]` each.
    static let rot13MarkerBytes: [UInt8] = rot13Markers.flatMap { $0 }
    static let rot13MarkerBounds: [Int] = rot13Markers.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1.count) }

    /// Per byte, four 16-bit lanes of marker bits: bit `m` of lane `3 - k` is set when the byte
    /// is letter `k` of marker `m`, in either case. Shifting an accumulator down one lane per
    /// byte and ANDing this in leaves in lane 0 the markers whose first four letters end at
    /// the byte: one table read and three operations per byte, with no branch on the letters.
    static let rot13MarkerLanes: [UInt64] = {
        var lanes = [UInt64](repeating: 0, count: 256)
        for (m, marker) in rot13Markers.enumerated() {
            for k in 0..<4 {
                let bit = UInt64(1) << UInt64(m + 16 * (3 - k))
                lanes[Int(marker[k])] |= bit
                lanes[Int(marker[k] - 0x20)] |= bit  // the markers are lowercase letters
            }
        }
        return lanes
    }()

    static func mayHideROT13(_ b: [UInt8]) -> Bool {
        let bounds = rot13MarkerBounds
        return rot13MarkerLanes.withUnsafeBufferPointer { lanes in
            rot13MarkerBytes.withUnsafeBufferPointer { markers in
                b.withUnsafeBufferPointer { u in
                    var open: UInt64 = 0
                    for i in u.indices {
                        open = ((open >> 16) | 0xFFFF_0000_0000_0000) & lanes[Int(u[i])]
                        var candidates = open & 0xFFFF
                        // Four letters of a marker: compare the rest (rare in text that is not ROT13).
                        while candidates != 0 {
                            let m = candidates.trailingZeroBitCount
                            candidates &= candidates - 1
                            let lo = bounds[m], count = bounds[m + 1] - lo, start = i - 3
                            guard start + count <= u.count else { continue }
                            var k = 4
                            while k < count, ASCII.lowercased(u[start + k]) == markers[lo + k] { k += 1 }
                            if k == count { return true }
                        }
                    }
                    return false
                }
            }
        }
    }

    static func rot13(_ b: [UInt8]) -> [UInt8] {
        b.map { c in
            switch c {
            case 0x41...0x5A: (c - 0x41 + 13) % 26 + 0x41
            case 0x61...0x7A: (c - 0x61 + 13) % 26 + 0x61
            default: c
            }
        }
    }
}
