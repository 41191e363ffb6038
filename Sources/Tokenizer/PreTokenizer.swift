/// The pre-tokenizers: hand-written matchers for the two regular expressions tiktoken splits text
/// with before BPE. They return exactly the matches `fancy_regex`'s `find_iter` returns (both
/// patterns match at every position, so pieces are contiguous) at a fraction of a regex engine's
/// cost. Each alternative is a small function whose comment quotes the regex it implements, and
/// alternatives are tried in the regex's order (leftmost-first), with backtracking worked out by
/// hand where a quantifier can give characters back.
public enum PreTokenizerPattern: Sendable {
    /// `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`
    case cl100k
    /// `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
    /// `|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
    /// `|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case o200k

    /// The end (exclusive byte offset) of the piece that starts at `start`, which must be < count.
    @inline(__always)
    func pieceEnd<R: PieceReader>(at start: Int, _ r: inout R) -> Int {
        switch self {
        case .cl100k: return Self.cl100kPieceEnd(start, &r)
        case .o200k: return Self.o200kPieceEnd(start, &r)
        }
    }

    // MARK: cl100k_base

    static func cl100kPieceEnd<R: PieceReader>(_ i: Int, _ r: inout R) -> Int {
        let (c0, l0) = r.scalarClass(i)
        // '(?i:[sdmt]|ll|ve|re)
        if r.byte(i) == UInt8(ascii: "'"), let end = contraction(afterApostropheAt: i, &r, cl100kStyle: true) {
            return end
        }
        // [^\r\n\p{L}\p{N}]?+\p{L}++ — the optional prefix is possessive, but giving it back could
        // never help: without it the letter run would have to start on a non-letter.
        if c0 & CharacterClass.letter != 0 {
            return run(from: i + l0, of: CharacterClass.letter, &r)
        }
        if c0 & (CharacterClass.letter | CharacterClass.number | CharacterClass.newline) == 0, r.has(i + l0) {
            let (c1, l1) = r.scalarClass(i + l0)
            if c1 & CharacterClass.letter != 0 {
                return run(from: i + l0 + l1, of: CharacterClass.letter, &r)
            }
        }
        // \p{N}{1,3}+
        if c0 & CharacterClass.number != 0 {
            return digitGroup(from: i, firstLength: l0, &r)
        }
        // ' ?[^\s\p{L}\p{N}]++[\r\n]*+'
        if let end = punctuation(at: i, firstClass: c0, firstLength: l0, &r, alsoSlash: false) {
            return end
        }
        // Only whitespace is left: \s++$|\s*[\r\n]|\s+(?!\S)|\s
        return whitespace(at: i, firstLength: l0, &r, endOfTextAlternative: true)
    }

    // MARK: o200k_base

    static func o200kPieceEnd<R: PieceReader>(_ i: Int, _ r: inout R) -> Int {
        let (c0, l0) = r.scalarClass(i)
        let prefixAllowed = c0 & (CharacterClass.letter | CharacterClass.number | CharacterClass.newline) == 0
        // Alternative 1: [^\r\n\p{L}\p{N}]?[UP]*[LO]+ contraction? — the optional prefix is greedy
        // but can be given back, so try with it, then without.
        if prefixAllowed, r.has(i + l0), let end = o200kLowerTail(from: i + l0, &r) { return end }
        if let end = o200kLowerTail(from: i, &r) { return end }
        // Alternative 2: [^\r\n\p{L}\p{N}]?[UP]+[LO]* contraction?
        if prefixAllowed, r.has(i + l0), let end = o200kUpperHead(from: i + l0, &r) { return end }
        if let end = o200kUpperHead(from: i, &r) { return end }
        // \p{N}{1,3}
        if c0 & CharacterClass.number != 0 {
            return digitGroup(from: i, firstLength: l0, &r)
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n/]*'
        if let end = punctuation(at: i, firstClass: c0, firstLength: l0, &r, alsoSlash: true) {
            return end
        }
        // Only whitespace is left: \s*[\r\n]+|\s+(?!\S)|\s+
        return whitespace(at: i, firstLength: l0, &r, endOfTextAlternative: false)
    }

    /// `[UP]*[LO]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?` at `p`. The greedy `[UP]*` gives characters back
    /// until `[LO]` can match, so the `[LO]+` run starts at the last LO character within the
    /// UP run or just after it.
    @inline(__always)
    static func o200kLowerTail<R: PieceReader>(from p: Int, _ r: inout R) -> Int? {
        var q = p
        var lowerStart = -1
        while r.has(q) {
            let (c, l) = r.scalarClass(q)
            if c & CharacterClass.lowerish != 0 { lowerStart = q }
            if c & CharacterClass.upperish == 0 { break }
            q += l
        }
        guard lowerStart >= 0 else { return nil }
        let end = run(from: lowerStart, of: CharacterClass.lowerish, &r)
        return o200kContraction(at: end, &r)
    }

    /// `[UP]+[LO]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?` at `p`: nothing after `[UP]+` can fail, so no
    /// backtracking.
    @inline(__always)
    static func o200kUpperHead<R: PieceReader>(from p: Int, _ r: inout R) -> Int? {
        let (c, l) = r.scalarClass(p)
        guard c & CharacterClass.upperish != 0 else { return nil }
        let upperEnd = run(from: p + l, of: CharacterClass.upperish, &r)
        let end = run(from: upperEnd, of: CharacterClass.lowerish, &r)
        return o200kContraction(at: end, &r)
    }

    @inline(__always)
    static func o200kContraction<R: PieceReader>(at end: Int, _ r: inout R) -> Int {
        guard r.has(end), r.byte(end) == UInt8(ascii: "'") else { return end }
        return contraction(afterApostropheAt: end, &r, cl100kStyle: false) ?? end
    }

    // MARK: Shared pieces

    /// `'(?i:[sdmt]|ll|ve|re)` (cl100k) or `(?i:'s|'t|'re|'ve|'m|'ll|'d)` (o200k): the same set of
    /// strings. Case-insensitive matching in the regex crate uses Unicode simple case folding, so
    /// `s` also matches U+017F LATIN SMALL LETTER LONG S (UTF-8 C5 BF); no other letter involved
    /// has a non-ASCII fold.
    @inline(__always)
    static func contraction<R: PieceReader>(afterApostropheAt i: Int, _ r: inout R, cl100kStyle: Bool) -> Int? {
        guard r.has(i + 1) else { return nil }
        let b1 = r.byte(i + 1)
        let l1 = b1 | 0x20
        if l1 == UInt8(ascii: "s") || l1 == UInt8(ascii: "d") || l1 == UInt8(ascii: "m") || l1 == UInt8(ascii: "t") {
            return i + 2
        }
        if b1 == 0xC5, r.has(i + 2), r.byte(i + 2) == 0xBF { return i + 3 }
        guard r.has(i + 2) else { return nil }
        let l2 = r.byte(i + 2) | 0x20
        switch (l1, l2) {
        case (UInt8(ascii: "l"), UInt8(ascii: "l")), (UInt8(ascii: "v"), UInt8(ascii: "e")), (UInt8(ascii: "r"), UInt8(ascii: "e")):
            // `| 0x20` maps exactly an ASCII letter's two cases onto the lower case, so the test is exact.
            return i + 3
        default:
            return nil
        }
    }

    /// The end of the run of scalars having any of `bits`, starting at `p`.
    @inline(__always)
    static func run<R: PieceReader>(from p: Int, of bits: UInt8, _ r: inout R) -> Int {
        run(from: p, &r) { $0 & bits != 0 }
    }

    /// The end of the run of scalars whose class bits satisfy `belongs`, starting at `p`.
    @inline(__always)
    static func run<R: PieceReader>(from p: Int, _ r: inout R, while belongs: (UInt8) -> Bool) -> Int {
        var q = p
        while r.has(q) {
            let (c, l) = r.scalarClass(q)
            if !belongs(c) { break }
            q += l
        }
        return q
    }

    /// `\p{N}{1,3}`: the first number scalar is already known.
    @inline(__always)
    static func digitGroup<R: PieceReader>(from i: Int, firstLength: Int, _ r: inout R) -> Int {
        var q = i + firstLength
        for _ in 0..<2 {
            guard r.has(q) else { break }
            let (c, l) = r.scalarClass(q)
            if c & CharacterClass.number == 0 { break }
            q += l
        }
        return q
    }

    /// ` ?[^\s\p{L}\p{N}]+` followed by `[\r\n]*` (cl100k) or `[\r\n/]*` (o200k).
    @inline(__always)
    static func punctuation<R: PieceReader>(
        at i: Int, firstClass c0: UInt8, firstLength l0: Int, _ r: inout R, alsoSlash: Bool
    ) -> Int? {
        let other = CharacterClass.space | CharacterClass.letter | CharacterClass.number
        var p = i
        if c0 & other == 0 {
            p = i
        } else if r.byte(i) == UInt8(ascii: " "), r.has(i + 1), r.scalarClass(i + 1).bits & other == 0 {
            p = i + 1
        } else {
            // Without the space the class would have to match the space itself, which it cannot.
            return nil
        }
        var q = run(from: p, &r) { $0 & other == 0 }
        while r.has(q) {
            let b = r.byte(q)
            guard b == 0x0A || b == 0x0D || (alsoSlash && b == UInt8(ascii: "/")) else { break }
            q += 1
        }
        return q
    }

    /// The whitespace alternatives, given that the scalar at `i` is whitespace:
    /// - cl100k: `\s++$` | `\s*[\r\n]` | `\s+(?!\S)` | `\s`
    /// - o200k: `\s*[\r\n]+` | `\s+(?!\S)` | `\s+`
    ///
    /// `\s*[\r\n]` and `\s*[\r\n]+` both end just after the run's last line break (the greedy
    /// `\s*` gives back characters until one is a line break). `\s+(?!\S)` ends before the run's
    /// last scalar when something follows the run, and at the end of the text otherwise.
    @inline(__always)
    static func whitespace<R: PieceReader>(at i: Int, firstLength l0: Int, _ r: inout R, endOfTextAlternative: Bool) -> Int {
        var q = i
        var lastBreakEnd = -1
        var lastScalarStart = i
        var scalars = 0
        while r.has(q) {
            let (c, l) = r.scalarClass(q)
            if c & CharacterClass.space == 0 { break }
            if c & CharacterClass.newline != 0 { lastBreakEnd = q + 1 }
            lastScalarStart = q
            scalars += 1
            q += l
        }
        let reachesEnd = !r.has(q)
        if endOfTextAlternative && reachesEnd { return q }  // \s++$
        if lastBreakEnd >= 0 { return lastBreakEnd }        // \s*[\r\n] and \s*[\r\n]+
        if reachesEnd { return q }                          // \s+(?!\S) at the end of the text
        if scalars >= 2 { return lastScalarStart }          // \s+(?!\S)
        return i + l0                                       // \s (cl100k), \s+ (o200k)
    }
}
