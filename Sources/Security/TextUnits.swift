/// The obfuscation techniques a scanner saw through to read a word.
public struct Techniques: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let homoglyphs = Techniques(rawValue: 1 << 0)
    public static let leetspeak = Techniques(rawValue: 1 << 1)
    public static let typoglycemia = Techniques(rawValue: 1 << 2)
    public static let splitWord = Techniques(rawValue: 1 << 3)
    public static let invisibleCharacters = Techniques(rawValue: 1 << 4)
    public static let stylizedLetters = Techniques(rawValue: 1 << 5)

    public var names: [String] {
        var out: [String] = []
        if contains(.homoglyphs) { out.append("look-alike letters from another script") }
        if contains(.leetspeak) { out.append("leetspeak") }
        if contains(.typoglycemia) { out.append("scrambled letters") }
        if contains(.splitWord) { out.append("words split apart") }
        if contains(.invisibleCharacters) { out.append("invisible characters inside words") }
        if contains(.stylizedLetters) { out.append("fullwidth or stylized letters") }
        return out
    }
}

/// One unit of text for phrase matching: a normalised word, one CJK character, one punctuation
/// mark, or the zero-width sentence start `<s>`. Its key and skeleton are byte ranges in the
/// stream's arena (`UnitStream.bytes`): the matcher looks words up by their bytes, and making a
/// `String` per word cost more than reading the text did.
struct TextUnit {
    /// Lowercased, diacritics folded (Latin), Arabic letter variants unified, stylized letters
    /// made ASCII, invisible characters and inner hyphens dropped.
    var keyStart: Int32
    var keyEnd: Int32
    /// The word read through look-alike letters and leetspeak, when that differs from the key
    /// (`skeletonStart < 0` otherwise).
    var skeletonStart: Int32
    var skeletonEnd: Int32
    /// UTF-8 offsets in the scanned text.
    var start: Int
    var end: Int
    var isWord: Bool
    /// `.`, `!`, `?`, `;`, a line break and their CJK and Arabic forms: phrases never span one.
    var isBoundary: Bool
    /// Techniques already applied while reading the key (stylized letters, invisible characters).
    var techniques: Techniques
    /// All letters uppercase in the source (`DAN` the persona, not Dan the colleague).
    var isUppercase: Bool

    static let sentenceStart = "<s>"

    var hasSkeleton: Bool { skeletonStart >= 0 }
    var keyLength: Int { Int(keyEnd - keyStart) }
    var isSentenceStart: Bool { keyStart == 0 && !isWord }
}

/// The units of one text and the arena their keys and skeletons live in. The arena starts with
/// `<s>`, which every sentence-start unit points at.
struct UnitStream {
    var units: [TextUnit] = []
    var bytes: [UInt8] = []

    /// Room for the units of `textBytes` bytes of text, allocated once (most values are short,
    /// and a scan's fixed costs add up over a file's many values).
    init(capacity textBytes: Int) {
        reset(capacity: textBytes)
    }

    /// Empties the stream for the next text, keeping the memory: a file's values are read one
    /// after another into one stream.
    mutating func reset(capacity textBytes: Int) {
        if !units.isEmpty { units.removeAll(keepingCapacity: true) }
        if !bytes.isEmpty { bytes.removeAll(keepingCapacity: true) }
        units.reserveCapacity(max(4, textBytes / 4 + 2))
        bytes.reserveCapacity(textBytes + 16)
        bytes.append(contentsOf: TextUnit.sentenceStart.utf8)
    }

    func key(of u: TextUnit) -> ArraySlice<UInt8> {
        bytes[Int(u.keyStart)..<Int(u.keyEnd)]
    }

    /// The skeleton when the unit has one, else the key.
    func reading(of u: TextUnit) -> ArraySlice<UInt8> {
        u.hasSkeleton ? bytes[Int(u.skeletonStart)..<Int(u.skeletonEnd)] : key(of: u)
    }

    /// Appends bytes to the arena and returns their range.
    mutating func store<C: Collection>(_ c: C) -> (Int32, Int32) where C.Element == UInt8 {
        let lo = Int32(truncatingIfNeeded: bytes.count)
        bytes.append(contentsOf: c)
        return (lo, Int32(truncatingIfNeeded: bytes.count))
    }

    /// A unit that is not a word (punctuation, a hyphen): its key is the scalar's own bytes.
    mutating func symbol(_ scalar: Unicode.Scalar, start: Int, end: Int, isBoundary: Bool) -> TextUnit {
        // Nearly every symbol is ASCII punctuation: one byte appended, not a UTF-8 view copied.
        let (lo, hi) = scalar.isASCII ? store(CollectionOfOne(UInt8(truncatingIfNeeded: scalar.value))) : store(scalar.utf8)
        return TextUnit(keyStart: lo, keyEnd: hi, skeletonStart: -1, skeletonEnd: -1, start: start, end: end, isWord: false,
                        isBoundary: isBoundary, techniques: [], isUppercase: false)
    }
}

/// Splits text into `TextUnit`s in one pass. Linear in the input: every scalar is looked at once
/// and each word is normalised as it is read.
enum TextUnits {
    /// The most bytes of one value read for phrases. Arena offsets are 32-bit (keys, skeletons
    /// and joined words take at most about three times the text), so a larger value is read up
    /// to here; no prompt sample comes near it.
    static let maximumBytes = 1 << 28

    /// The units' keys as strings (`<s>` included), for tests and the lexicon's compiler.
    static func keys(_ text: String) -> [String] {
        let stream = units(text)
        return stream.units.map { String(decoding: stream.key(of: $0), as: UTF8.self) }
    }

    static func units(_ text: String) -> UnitStream {
        var stream = UnitStream(capacity: 0)
        units(text, into: &stream)
        return stream
    }

    /// The units of `text` in `stream`, which is emptied first and keeps its memory.
    static func units(_ text: String, into stream: inout UnitStream) {
        var text = text
        text.withUTF8 { units(utf8: $0, into: &stream) }
    }

    /// Reads valid UTF-8 (a `String`'s own bytes): ASCII byte by byte, other scalars decoded in
    /// place, so no `String.UnicodeScalarView` iteration per character.
    static func units(utf8 u: UnsafeBufferPointer<UInt8>, into stream: inout UnitStream) {
        stream.reset(capacity: u.count)
        var word = WordBuilder()
        var needSentenceStart = true
        var pendingHyphen = false
        var hyphenOffset = 0

        func emit(_ unit: TextUnit) {
            if needSentenceStart, !unit.isBoundary {
                stream.units.append(TextUnit(keyStart: 0, keyEnd: 3, skeletonStart: -1, skeletonEnd: -1, start: unit.start, end: unit.start,
                                             isWord: false, isBoundary: false, techniques: [], isUppercase: false))
                needSentenceStart = false
            }
            stream.units.append(unit)
            if unit.isBoundary { needSentenceStart = true }
        }
        // Split letters ("i g n o r e") are joined only where three single letters occur.
        var singleCharacterWords = 0
        func flush() {
            guard let unit = word.finish(into: &stream) else { return }
            if unit.keyLength == 1 { singleCharacterWords += 1 }
            emit(unit)
        }
        func emitHyphen() {
            emit(stream.symbol("-", start: hyphenOffset, end: hyphenOffset + 1, isBoundary: false))
        }

        var offset = 0
        while offset < u.count, offset < maximumBytes {
            let lead = u[offset]
            if lead < 0x80 {
                // ASCII first: most scanned text is, and none of it is invisible or ideographic.
                let c = lead
                defer { offset += 1 }
                if Self.isASCIIWordByte(c) {
                    pendingHyphen = false  // "role-play" reads "roleplay"
                    var runEnd = offset + 1
                    while runEnd < u.count, runEnd < maximumBytes, Self.isASCIIWordByte(u[runEnd]) { runEnd += 1 }
                    word.addASCIIRun(u, from: offset, to: runEnd, to: &stream)
                    offset = runEnd - 1  // the deferred step moves past the run
                    continue
                }
                if pendingHyphen {
                    pendingHyphen = false
                    flush()
                    emitHyphen()
                }
                if c == 0x2D, word.isOpen {  // a hyphen inside a word
                    pendingHyphen = true
                    hyphenOffset = offset
                    continue
                }
                flush()
                // Apostrophes separate without a unit of their own: "don't" reads "don t", as the
                // phrase lists write it, and French elision "l'IA" reads "l ia".
                if c == 0x20 || c == 0x09 || c == 0x27 { continue }
                emit(stream.symbol(Unicode.Scalar(c), start: offset, end: offset + 1, isBoundary: Characters.isBoundary(UInt32(c))))
                continue
            }
            // The bytes are a `String`'s, so valid; a malformed byte would read as U+FFFD.
            let (v, width) = UTF8Scalar.decode(u, at: offset) ?? (0xFFFD, 1)
            let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
            defer { offset += width }
            if Characters.isInvisible(v) {
                // Zero-width and format characters do not end a word: "ig\u{200B}nore" reads "ignore".
                if word.isOpen { word.sawInvisible = true }
                continue
            }
            if pendingHyphen {
                pendingHyphen = false
                if Characters.isWordScalar(scalar) {
                    word.add(scalar, at: offset, width: width, to: &stream)  // "role-play" reads "roleplay"
                    continue
                }
                flush()
                emitHyphen()
            }
            if Characters.isIdeographic(v) {
                flush()
                var unit = WordBuilder()
                unit.add(scalar, at: offset, width: width, to: &stream)
                if let character = unit.finish(into: &stream) { emit(character) }
                continue
            }
            if Characters.isWordScalar(scalar) {
                word.add(scalar, at: offset, width: width, to: &stream)
                continue
            }
            if v == 0x2010 || v == 0x2011, word.isOpen {  // hyphens inside a word
                pendingHyphen = true
                hyphenOffset = offset
                continue
            }
            flush()
            if Characters.isSpace(v) || v == 0x2019 || v == 0x2018 || v == 0x02BC { continue }
            emit(stream.symbol(scalar, start: offset, end: offset + width, isBoundary: Characters.isBoundary(v)))
        }
        if pendingHyphen {
            flush()
            emitHyphen()
        }
        flush()
        if singleCharacterWords >= 3 { joinSplitLetters(&stream) }
    }

    /// What `addASCII` takes: letters, digits, `@` and `$` (leet for "a" and "s").
    @inline(__always)
    static func isASCIIWordByte(_ c: UInt8) -> Bool { ASCII.isAlnum(c) || c == 0x40 || c == 0x24 }

    static func isSingleLetter(_ u: TextUnit, in stream: UnitStream) -> Bool {
        u.isWord && u.keyLength == 1 && ASCII.isLetter(stream.bytes[Int(u.keyStart)])
    }

    /// Separators allowed between split letters: `.`, `-`, `_`, `*`, `/`, `|`, `·`, `•`.
    static func isLetterSeparator(_ u: TextUnit, in stream: UnitStream) -> Bool {
        guard !u.isWord else { return false }
        let key = stream.key(of: u)
        if key.count == 1, let c = key.first {
            return c == UInt8(ascii: ".") || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: "*")
                || c == UInt8(ascii: "/") || c == UInt8(ascii: "|")
        }
        return key.elementsEqual("·".utf8) || key.elementsEqual("•".utf8)
    }

    /// "i g n o r e", "i.g.n.o.r.e", "I-G-N-O-R-E": three or more single letters in a row, with
    /// nothing but one separator between them, are read as one word. Most text has single
    /// letters ("I", "a") but no run of three: the units are copied only once a run is found.
    static func joinSplitLetters(_ stream: inout UnitStream) {
        let units = stream.units
        var out: [TextUnit]? = nil
        var i = 0
        while i < units.count {
            let u = units[i]
            guard isSingleLetter(u, in: stream) else {
                out?.append(u)
                i += 1
                continue
            }
            // The run: the next single letter directly, or after one separator that is not a
            // sentence end (a `.` is both).
            var j = i
            var run = [i]
            while true {
                var k = j + 1
                if k < units.count, isLetterSeparator(units[k], in: stream), !units[k].isBoundary || stream.bytes[Int(units[k].keyStart)] == UInt8(ascii: ".") {
                    k += 1
                }
                guard k < units.count, isSingleLetter(units[k], in: stream), units[k].start - units[k - 1].end <= 1 else { break }
                run.append(k)
                j = k
            }
            guard j - i >= 2, run.count >= 3 else {
                out?.append(u)
                i += 1
                continue
            }
            if out == nil { out = Array(units[..<i]) }
            var letters: [UInt8] = []
            var skeleton: [UInt8] = []
            for k in run {
                letters += stream.key(of: units[k])
                skeleton += stream.reading(of: units[k])
            }
            let (ks, ke) = stream.store(letters)
            var (ss, se): (Int32, Int32) = (-1, -1)
            if skeleton != letters { (ss, se) = stream.store(skeleton) }
            out?.append(TextUnit(keyStart: ks, keyEnd: ke, skeletonStart: ss, skeletonEnd: se, start: u.start, end: units[j].end, isWord: true,
                                 isBoundary: false, techniques: [.splitWord], isUppercase: u.isUppercase))
            i = j + 1
        }
        if let out { stream.units = out }
    }
}

/// Reads one word: its normalised key and its look-alike/leetspeak skeleton.
struct WordBuilder {
    /// Where the word's key starts in the stream's arena: its bytes are appended there as they
    /// are read (nothing else is appended until the word is finished).
    var keyStart = -1
    /// The skeleton, copied to the arena only when it is worth reading; kept with its capacity.
    /// Empty while `skeletonFollowsKey`.
    var skeletonBytes: [UInt8] = []
    /// While every byte came through `appendASCII`, the skeleton is the key mapped by
    /// `skeletonByte`, and is made from the key only if the word needs one (few do).
    var skeletonFollowsKey = true
    var start = -1
    var end = -1
    var sawInvisible = false
    var sawStylized = false
    var latinLetters = 0
    var otherScriptLetters = 0
    var confusableLetters = 0
    var leetSymbols = 0
    var letters = 0
    var uppercase = 0

    var isOpen: Bool { start >= 0 }

    /// What an ASCII byte of a lowercase word reads as in a skeleton: `l` as `i` (l, 1 and | all
    /// look alike), leet digits and symbols as their letters. The lexicon indexes its words
    /// under the same mapping.
    @inline(__always)
    static func skeletonByte(_ c: UInt8) -> UInt8 {
        if c == 0x6C { return UInt8(ascii: "i") }
        if c < 0x61, let mapped = Characters.leet(c) { return mapped }
        return c
    }

    @inline(__always)
    private mutating func open(at offset: Int, _ stream: inout UnitStream) {
        if start < 0 {
            start = offset
            keyStart = stream.bytes.count
        }
    }

    /// A letter, digit, `@` or `$`.
    @inline(__always)
    mutating func addASCII(_ c: UInt8, at offset: Int, to stream: inout UnitStream) {
        open(at: offset, &stream)
        end = offset + 1
        if c >= 0x41, c <= 0x5A {
            uppercase += 1
            appendASCII(c + 32, &stream)
        } else {
            appendASCII(c, &stream)
        }
    }

    /// Letters, digits, `@` and `$` at `from..<to`, all at once: one append per run instead of
    /// one per byte (most words are plain ASCII), then lowercased and counted in place.
    mutating func addASCIIRun(_ u: UnsafeBufferPointer<UInt8>, from: Int, to: Int, to stream: inout UnitStream) {
        open(at: from, &stream)
        end = to
        let first = stream.bytes.count
        stream.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[from..<to]))
        stream.bytes.withUnsafeMutableBufferPointer { b in
            for k in first..<b.count {
                if ASCII.isUpper(b[k]) {
                    uppercase += 1
                    b[k] += 32
                }
                count(b[k])
            }
        }
        if !skeletonFollowsKey { appendSkeleton(ofKeyFrom: first, stream) }
    }

    mutating func add(_ scalar: Unicode.Scalar, at offset: Int, width: Int, to stream: inout UnitStream) {
        let v = scalar.value
        if v < 0x80 {
            addASCII(UInt8(truncatingIfNeeded: v), at: offset, to: &stream)
            return
        }
        open(at: offset, &stream)
        end = offset + width
        if let ascii = FoldTables.compatibility[v] {
            sawStylized = true
            for c in ascii.utf8 { appendASCII(c, &stream) }
            return
        }
        // Other letters' skeleton bytes are not their key bytes mapped.
        separateSkeleton(stream)
        if let base = FoldTables.latinBase[v] {
            if scalar.properties.isUppercase { uppercase += 1 }
            letters += base.count
            latinLetters += base.count
            append(base, &stream)
            return
        }
        if let arabic = Characters.arabicFold(v) {
            if arabic != 0 {
                append(String(Unicode.Scalar(arabic) ?? scalar), &stream)
                letters += 1
                otherScriptLetters += 1
            }
            return
        }
        let props = scalar.properties
        let lower: String = props.changesWhenLowercased ? props.lowercaseMapping : String(Character(scalar))
        if props.isUppercase { uppercase += 1 }
        if props.isAlphabetic { letters += 1 }
        append(lower, skeleton: false, &stream)
        if let latin = lower.unicodeScalars.first.flatMap({ Characters.confusable($0.value) }) {
            confusableLetters += 1
            otherScriptLetters += 1
            skeletonBytes.append(latin)
        } else {
            if props.isAlphabetic { otherScriptLetters += 1 }
            skeletonBytes.append(contentsOf: lower.utf8)
        }
    }

    @inline(__always)
    private mutating func appendASCII(_ c: UInt8, _ stream: inout UnitStream) {
        stream.bytes.append(c)
        count(c)
        if !skeletonFollowsKey { skeletonBytes.append(Self.skeletonByte(c)) }
    }

    /// Writes out the skeleton so far (the key's bytes mapped) so that bytes which are not
    /// mapped can follow.
    private mutating func separateSkeleton(_ stream: UnitStream) {
        guard skeletonFollowsKey else { return }
        skeletonFollowsKey = false
        appendSkeleton(ofKeyFrom: keyStart, stream)
    }

    /// Appends the skeleton of the key bytes from arena offset `first` on (each byte mapped).
    private mutating func appendSkeleton(ofKeyFrom first: Int, _ stream: UnitStream) {
        for k in first..<stream.bytes.count { skeletonBytes.append(Self.skeletonByte(stream.bytes[k])) }
    }

    /// Counts a lowercase ASCII key byte: a Latin letter, or a leet digit or symbol.
    @inline(__always)
    private mutating func count(_ c: UInt8) {
        if ASCII.isLower(c) {
            letters += 1
            latinLetters += 1
        } else if Characters.leet(c) != nil {
            leetSymbols += 1
        }
    }

    private mutating func append(_ s: String, skeleton: Bool = true, _ stream: inout UnitStream) {
        stream.bytes.append(contentsOf: s.utf8)
        if skeleton { skeletonBytes.append(contentsOf: s.utf8) }
    }

    /// The finished unit (its key already in the arena, its skeleton stored after it when worth
    /// reading), and a fresh builder.
    mutating func finish(into stream: inout UnitStream) -> TextUnit? {
        guard start >= 0 else { return nil }
        let keyEnd = stream.bytes.count
        let word = (start: start, end: end, keyStart: keyStart)
        var techniques: Techniques = []
        if sawInvisible { techniques.insert(.invisibleCharacters) }
        if sawStylized { techniques.insert(.stylizedLetters) }
        // A skeleton is worth reading only for words that mix scripts (Latin with Cyrillic or
        // Greek look-alikes) or mix letters with leet digits; plain Russian or Greek words and
        // plain numbers are read as they are.
        let mixedScript = latinLetters > 0 && confusableLetters > 0
        let leet = leetSymbols > 0 && latinLetters >= 2
        let isUppercase = letters >= 2 && uppercase == letters
        let needsSkeleton = mixedScript || leet
        var (ss, se): (Int32, Int32) = (-1, -1)
        if needsSkeleton, keyEnd > word.keyStart {
            if skeletonFollowsKey {
                ss = Int32(truncatingIfNeeded: stream.bytes.count)
                for k in word.keyStart..<keyEnd { stream.bytes.append(Self.skeletonByte(stream.bytes[k])) }
                se = Int32(truncatingIfNeeded: stream.bytes.count)
            } else {
                (ss, se) = stream.store(skeletonBytes)
            }
        }
        if !skeletonBytes.isEmpty { skeletonBytes.removeAll(keepingCapacity: true) }  // most words never fill it
        skeletonFollowsKey = true
        keyStart = -1; start = -1; end = -1
        sawInvisible = false; sawStylized = false
        latinLetters = 0; otherScriptLetters = 0; confusableLetters = 0; leetSymbols = 0; letters = 0; uppercase = 0
        guard keyEnd > word.keyStart else { return nil }
        return TextUnit(keyStart: Int32(truncatingIfNeeded: word.keyStart), keyEnd: Int32(truncatingIfNeeded: keyEnd), skeletonStart: ss, skeletonEnd: se,
                        start: word.start, end: word.end, isWord: true, isBoundary: false, techniques: techniques, isUppercase: isUppercase)
    }
}

/// Character classes the scanners share.
enum Characters {
    /// Zero-width, joiner, bidirectional and other format characters that render as nothing
    /// (and Unicode tag characters): skipped when reading words.
    static func isInvisible(_ v: UInt32) -> Bool {
        switch v {
        case 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x200B...0x200F, 0x202A...0x202E,
             0x2060...0x2064, 0x2066...0x206F, 0x3164, 0xFE00...0xFE0F, 0xFEFF, 0xFFA0, 0xE0000...0xE007F, 0xE0100...0xE01EF:
            true
        default: false
        }
    }

    static func isSpace(_ v: UInt32) -> Bool {
        v == 0x20 || v == 0x09 || v == 0xA0 || v == 0x3000 || (v >= 0x2000 && v <= 0x200A) || v == 0x202F || v == 0x205F
    }

    static func isBoundary(_ v: UInt32) -> Bool {
        switch v {
        case 0x0A, 0x0D, 0x2E, 0x21, 0x3F, 0x3B, 0x2026, 0x2028, 0x2029, 0x3002, 0xFF01, 0xFF1F, 0xFF1B, 0xFF0E,
             0x061F, 0x06D4, 0x0964, 0x0965, 0x0589, 0x037E: true
        default: false
        }
    }

    /// Han ideographs, kana and Thai: written without spaces, so each character is its own unit
    /// and phrases are matched character by character.
    static func isIdeographic(_ v: UInt32) -> Bool {
        (v >= 0x3040 && v <= 0x30FF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0x4E00 && v <= 0x9FFF)
            || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0x20000 && v <= 0x3FFFF) || (v >= 0x0E00 && v <= 0x0E7F)
            || (v >= 0x31F0 && v <= 0x31FF) || (v >= 0xFF66 && v <= 0xFF9D)
    }

    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 {
            return (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) || (v >= 0x30 && v <= 0x39) || v == 0x40 || v == 0x24
        }
        if FoldTables.compatibility[v] != nil { return true }
        let p = s.properties
        if p.isAlphabetic { return true }
        switch p.generalCategory {
        case .decimalNumber, .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// Leetspeak digits and symbols read as letters.
    static func leet(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0"): UInt8(ascii: "o")
        case UInt8(ascii: "1"): UInt8(ascii: "i")
        case UInt8(ascii: "3"): UInt8(ascii: "e")
        case UInt8(ascii: "4"): UInt8(ascii: "a")
        case UInt8(ascii: "5"): UInt8(ascii: "s")
        case UInt8(ascii: "7"): UInt8(ascii: "t")
        case UInt8(ascii: "8"): UInt8(ascii: "b")
        case UInt8(ascii: "9"): UInt8(ascii: "g")
        case UInt8(ascii: "@"): UInt8(ascii: "a")
        case UInt8(ascii: "$"): UInt8(ascii: "s")
        default: nil
        }
    }

    /// Cyrillic, Greek and Armenian lowercase letters that look like Latin ones (Unicode's
    /// confusables, the ones seen in attacks).
    static func confusable(_ v: UInt32) -> UInt8? {
        switch v {
        case 0x0430, 0x03B1: UInt8(ascii: "a")
        case 0x0432, 0x03B2: UInt8(ascii: "b")
        case 0x0441, 0x03F2: UInt8(ascii: "c")
        case 0x0501: UInt8(ascii: "d")
        case 0x0435, 0x0454, 0x03B5: UInt8(ascii: "e")
        case 0x0261, 0x0581: UInt8(ascii: "g")
        case 0x04BB, 0x043D: UInt8(ascii: "h")
        case 0x0456, 0x03B9, 0x04CF, 0x0269: UInt8(ascii: "i")
        case 0x0458, 0x03F3: UInt8(ascii: "j")
        case 0x043A, 0x03BA: UInt8(ascii: "k")
        case 0x043C: UInt8(ascii: "m")
        case 0x03B7, 0x0578: UInt8(ascii: "n")
        case 0x043E, 0x03BF, 0x0585, 0x03C3: UInt8(ascii: "o")
        case 0x0440, 0x03C1: UInt8(ascii: "p")
        case 0x051B: UInt8(ascii: "q")
        case 0x0433: UInt8(ascii: "r")
        case 0x0455: UInt8(ascii: "s")
        case 0x0442, 0x03C4: UInt8(ascii: "t")
        case 0x03C5, 0x057D: UInt8(ascii: "u")
        case 0x03BD, 0x0475: UInt8(ascii: "v")
        case 0x051D, 0x03C9, 0x0461: UInt8(ascii: "w")
        case 0x0445, 0x03C7: UInt8(ascii: "x")
        case 0x0443, 0x04AF, 0x03B3: UInt8(ascii: "y")
        case 0x0290: UInt8(ascii: "z")
        default: nil
        }
    }

    /// Arabic letter variants unified (alef forms, alef maqsura, teh marbuta) and diacritics and
    /// tatweel dropped (returned as 0), so phrase lists need one spelling.
    static func arabicFold(_ v: UInt32) -> UInt32? {
        switch v {
        case 0x0622, 0x0623, 0x0625, 0x0671: 0x0627
        case 0x0649: 0x064A
        case 0x0629: 0x0647
        case 0x0624: 0x0648
        case 0x0626: 0x064A
        case 0x064B...0x065F, 0x0670, 0x0640: 0
        default: nil
        }
    }
}
