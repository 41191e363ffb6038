/// What one pass over a value's bytes shows about which injection scanners can find anything
/// in it. Each scanner below the phrase matcher looks for something that needs a particular
/// byte: a chat-template token needs `<`, `[` or `#`; a fake boundary line needs a marker
/// character; an encoded payload needs a backslash, a `%` or a long run of base64 letters.
/// Most values have none of them, and one table read per byte (no branch on the byte, so no
/// mispredictions on ordinary text) lets the scanners skip their own byte-by-byte passes.
///
/// Every gate is conservative: it only says "cannot find anything" where the scanner it gates
/// provably would not.
struct ByteProfile {
    /// Bits of `classes`.
    static let encodedRunByte: UInt8 = 1  // base64 alphabet (both variants) or `%`
    static let angle: UInt8 = 2  // `<`
    static let bracket: UInt8 = 4  // `[`
    static let hash: UInt8 = 8  // `#`
    static let backslash: UInt8 = 16
    static let marker: UInt8 = 32  // what `DelimiterEscapes.isMarker` accepts
    static let percent: UInt8 = 64

    private(set) var classes: UInt8 = 0
    /// The longest run of base64 letters and `%`, the bytes `EncodedPayloads` reads runs of.
    private(set) var longestEncodedRun = 0
    /// How many hex pairs stand between separators (space or comma), as in " 6e,".
    private(set) var separatedHexPairs = 0

    /// A profile that lets every pass run, for tests that compare gated and ungated scans.
    static let everything: ByteProfile = {
        var p = ByteProfile([])
        p.classes = .max
        p.longestEncodedRun = .max
        p.separatedHexPairs = .max
        return p
    }()

    init(_ bytes: [UInt8]) {
        var classes: UInt8 = 0, run = 0, longest = 0
        // The last four bytes as two bits each (1 hex digit, 2 separator, 0 other): a pair
        // between separators reads 2, 1, 1, 2.
        var lastFour = 0, pairs = 0
        Self.table.withUnsafeBufferPointer { table in
            Self.hexTable.withUnsafeBufferPointer { hexTable in
                bytes.withUnsafeBufferPointer { u in
                    for c in u {
                        let t = table[Int(c)]
                        classes |= t
                        // Multiplied, not branched on (`encodedRunByte` is bit 0).
                        run = (run &+ 1) &* Int(t & Self.encodedRunByte)
                        longest = max(longest, run)
                        lastFour = (lastFour << 2 | Int(hexTable[Int(c)])) & 0xFF
                        pairs &+= lastFour == Self.separatedPair ? 1 : 0
                    }
                }
            }
        }
        self.classes = classes
        self.longestEncodedRun = longest
        self.separatedHexPairs = pairs
    }

    func has(_ bits: UInt8) -> Bool { classes & bits != 0 }

    /// `RoleTokens` starts every token, tag and heading at `<`, `[` or `#`.
    var mayHoldRoleToken: Bool { has(Self.angle | Self.bracket | Self.hash) }

    /// `DelimiterEscapes`' line checks: a fake boundary line starts with a marker character
    /// (`<` and `[` among them) and a closing tag with `<`.
    var mayHoldBoundaryLine: Bool { has(Self.marker) }

    /// `EncodedPayloads`' run loop: escapes start with a backslash; a run is decoded as URL
    /// encoding with two `%` (so it needs one), as hex or base64 from `minimumRun` bytes.
    func mayHoldEncodedRun(minimumRun: Int) -> Bool {
        has(Self.backslash | Self.percent) || longestEncodedRun >= minimumRun
    }

    /// `EncodedPayloads.spacedHex`: its runs hold `minimumSpacedPairs` pairs, each after a
    /// separator but the first, each before one but the last; so all but those two stand
    /// between separators.
    var mayHoldSpacedHex: Bool { separatedHexPairs >= EncodedPayloads.minimumSpacedPairs - 2 }

    /// Separator, hex digit, hex digit, separator in `lastFour`'s two-bit code.
    private static let separatedPair = 0b10_01_01_10
    private static let hexTable: [UInt8] = (0..<256).map { value in
        let c = UInt8(value)
        if EncodedPayloads.isHex(c) { return 1 }
        return c == 0x20 || c == UInt8(ascii: ",") ? 2 : 0
    }

    private static let table: [UInt8] = (0..<256).map { value in
        let c = UInt8(value)
        var t: UInt8 = 0
        if EncodedPayloads.isBase64Byte(c) || c == UInt8(ascii: "%") { t |= encodedRunByte }
        if c == UInt8(ascii: "<") { t |= angle }
        if c == UInt8(ascii: "[") { t |= bracket }
        if c == UInt8(ascii: "#") { t |= hash }
        if c == UInt8(ascii: "\\") { t |= backslash }
        if c == UInt8(ascii: "%") { t |= percent }
        if DelimiterEscapes.isMarker(c) { t |= marker }
        return t
    }
}
