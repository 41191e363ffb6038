/// The phrase families the injection rules report.
public enum PhraseFamily: String, Sendable, CaseIterable {
    case instructionOverride = "instruction override"
    case roleReassignment = "role reassignment"
    case promptExtraction = "prompt extraction"
}

/// A phrase pattern as written: slots of alternatives, each slot within `gaps[i]` units of the
/// previous one, never across a sentence end.
///
/// Written as text: `ignore|disregard ~3 previous|prior ~4 instructions|rules`. Alternatives are
/// separated by `|`, words inside one alternative by `_` (`system_prompt`), a trailing `*` matches
/// any word with that prefix (`instruction*`), `~N` allows up to N units before the next slot
/// (default 0), `<s>` is the start of a sentence or line, and a word ending in `!` matches only
/// when written in capitals (`dan!` is DAN the persona, not Dan from accounting). Alternatives are
/// normalised exactly like scanned text, so they are written in plain lowercase (accents, Arabic
/// letter variants and CJK segmentation are handled for them).
struct PhrasePattern: Sendable {
    let family: PhraseFamily
    let source: String

    init(_ family: PhraseFamily, _ source: String) {
        self.family = family
        self.source = source
    }

    /// Calls `slot` once per slot, in order, with the gap allowed before it and its
    /// alternatives' bytes. Read on bytes: the text is ASCII syntax around words, and
    /// `String.split` would find grapheme boundaries in ~100 KB at every start-up.
    func forEachSlot(_ slot: (_ gapBefore: Int, _ alternatives: [ArraySlice<UInt8>]) -> Void) {
        let bytes = Array(source.utf8)
        var pendingGap = 0
        for token in bytes.split(separator: UInt8(ascii: " ")) {
            if token.first == UInt8(ascii: "~"), let n = Int(String(decoding: token.dropFirst(), as: UTF8.self)) {
                pendingGap = n
                continue
            }
            slot(pendingGap, token.split(separator: UInt8(ascii: "|")))
            pendingGap = 0
        }
    }

    /// Each alternative of the pattern as written (for tests and the key table's generator).
    var alternatives: [String] {
        var out: [String] = []
        forEachSlot { _, alternatives in out += alternatives.map { String(decoding: $0, as: UTF8.self) } }
        return out
    }
}

/// How an alternative's text becomes atoms: the words it is made of, normalised exactly as
/// `TextUnits` reads scanned text, the last one marked as a prefix (`*`) or capitals-only (`!`).
enum AlternativeReader {
    /// An alternative's words and the marks on its last word.
    struct Reading: Equatable {
        var words: [[UInt8]]
        var prefix: Bool
        var uppercaseOnly: Bool
    }

    /// The alternative's text without its `*`/`!` mark, as the key table lists it.
    static func unmarked(_ alternative: ArraySlice<UInt8>) -> (text: ArraySlice<UInt8>, prefix: Bool, uppercaseOnly: Bool) {
        var text = alternative
        var prefix = false, uppercaseOnly = false
        if text.last == UInt8(ascii: "*") { prefix = true; text = text.dropLast() }
        if text.count > 1, text.last == UInt8(ascii: "!") { uppercaseOnly = true; text = text.dropLast() }
        return (text, prefix, uppercaseOnly)
    }

    /// Plain lowercase ASCII words joined by `_` (most of the lexicon's ~3,900 alternatives) are
    /// their own keys.
    static func isPlain(_ text: ArraySlice<UInt8>) -> Bool {
        text.contains { $0 != UInt8(ascii: "_") } && text.allSatisfy { ASCII.isLower($0) || $0 == UInt8(ascii: "_") }
    }

    /// What `TextUnits` reads in the text, `_` read as a space.
    static func readAsText(_ text: ArraySlice<UInt8>) -> [[UInt8]] {
        let spaced = String(decoding: text.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        return TextUnits.keys(spaced).filter { $0 != TextUnit.sentenceStart }.map { Array($0.utf8) }
    }

    /// The alternative's reading. Other than plain words, the keys come from the generated
    /// table (`InjectionLexiconKeys`), which a test keeps equal to reading them as text:
    /// reading the ~700 non-ASCII alternatives through Unicode properties at every start-up
    /// cost several milliseconds per process.
    static func read(_ alternative: ArraySlice<UInt8>, keys: NormalisedKeys) -> Reading {
        if alternative.elementsEqual(TextUnit.sentenceStart.utf8) { return Reading(words: [Array(alternative)], prefix: false, uppercaseOnly: false) }
        let (text, prefix, uppercaseOnly) = unmarked(alternative)
        let words: [[UInt8]]
        if isPlain(text) {
            words = text.split(separator: UInt8(ascii: "_")).map { Array($0) }
        } else if let known = keys.keys(of: text) {
            words = known
        } else {
            words = readAsText(text)
        }
        return Reading(words: words, prefix: prefix, uppercaseOnly: uppercaseOnly)
    }
}

/// The generated table of normalised keys, read into a byte table once per process.
struct NormalisedKeys: Sendable {
    private let alternatives: ByteStringTable
    private let values: [[[UInt8]]]

    /// `table` holds one line per alternative: its text, a tab, its keys separated by spaces.
    init(_ table: String) {
        var alternatives = ByteStringTable(expectedCount: 1024)
        var values: [[[UInt8]]] = []
        for line in Array(table.utf8).split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            guard fields.count == 2 else { continue }
            if alternatives.insert(fields[0]) == Int32(values.count) {
                values.append(fields[1].split(separator: UInt8(ascii: " ")).map { Array($0) })
            }
        }
        self.alternatives = alternatives
        self.values = values
    }

    func keys(of text: ArraySlice<UInt8>) -> [[UInt8]]? {
        let id = text.withUnsafeBufferPointer { alternatives.find($0) }
        return id >= 0 ? values[Int(id)] : nil
    }

    var count: Int { values.count }
}

/// One phrase found in scanned text.
struct PhraseMatch: Sendable {
    let family: PhraseFamily
    let pattern: Int
    /// UTF-8 offsets in the scanned text.
    let start: Int
    let end: Int
    let techniques: Techniques
    /// The phrase as read (normalised, de-obfuscated words joined by spaces).
    let reading: String
}

/// Byte strings to dense ids (0, 1, 2… in insertion order), by open addressing with linear
/// probing. The phrase matcher looks up every unit of scanned text here, on the bytes
/// `TextUnits` wrote: hashing a `String` per word with the standard library's seeded SipHash
/// cost more than the rest of the scan.
struct ByteStringTable: Sendable {
    static let absent: Int32 = -1
    private(set) var bytes: [UInt8] = []
    /// Key `i` is `bytes[bounds[i]..<bounds[i + 1]]`.
    private(set) var bounds: [Int32] = [0]
    private var slots: [Int32]

    init(expectedCount: Int = 8) {
        var size = 16
        while size < expectedCount * 2 { size <<= 1 }
        slots = [Int32](repeating: Self.absent, count: size)
    }

    var count: Int { bounds.count - 1 }

    /// FNV-1a: short keys, no adversary (the keys are the lexicon's own words; text only probes).
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for c in key { h = (h ^ UInt64(c)) &* 0x0000_0100_0000_01B3 }
        return Int(truncatingIfNeeded: h ^ (h >> 32))
    }

    /// The key's id, or `absent`.
    func find(_ key: UnsafeBufferPointer<UInt8>) -> Int32 {
        let mask = slots.count - 1
        return bytes.withUnsafeBufferPointer { all in
            slots.withUnsafeBufferPointer { slots in
                bounds.withUnsafeBufferPointer { bounds in
                    var i = Self.hash(key) & mask
                    while true {
                        let id = slots[i]
                        if id < 0 { return Self.absent }
                        let lo = Int(bounds[Int(id)]), hi = Int(bounds[Int(id) + 1])
                        if hi - lo == key.count {
                            var k = 0
                            while k < key.count, all[lo + k] == key[k] { k += 1 }
                            if k == key.count { return id }
                        }
                        i = (i + 1) & mask
                    }
                }
            }
        }
    }

    func find<C: Collection>(_ key: C) -> Int32 where C.Element == UInt8 {
        Array(key).withUnsafeBufferPointer { find($0) }
    }

    /// The key's id, adding it when new.
    @discardableResult
    mutating func insert<C: Collection>(_ key: C) -> Int32 where C.Element == UInt8 {
        let k = Array(key)
        let existing = k.withUnsafeBufferPointer { find($0) }
        if existing >= 0 { return existing }
        if (count + 1) * 2 > slots.count { grow() }
        let id = Int32(count)
        bytes.append(contentsOf: k)
        bounds.append(Int32(bytes.count))
        place(id, hash: k.withUnsafeBufferPointer { Self.hash($0) })
        return id
    }

    private mutating func place(_ id: Int32, hash: Int) {
        let mask = slots.count - 1
        var i = hash & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = id
    }

    private mutating func grow() {
        slots = [Int32](repeating: Self.absent, count: slots.count * 2)
        for id in 0..<Int32(count) {
            let h = bytes.withUnsafeBufferPointer { all in
                Self.hash(UnsafeBufferPointer(rebasing: all[Int(bounds[Int(id)])..<Int(bounds[Int(id) + 1])]))
            }
            place(id, hash: h)
        }
    }

    func key(_ id: Int32) -> ArraySlice<UInt8> {
        bytes[Int(bounds[Int(id)])..<Int(bounds[Int(id) + 1])]
    }

    func string(_ id: Int32) -> String {
        String(decoding: key(id), as: UTF8.self)
    }
}

/// Finds every pattern in a unit stream in one pass.
///
/// Words are interned: every atom's text has an id in one `ByteStringTable`, each unit of the
/// text is resolved once to an id (its key; else, for words that are not phrase words as
/// written, the phrase word its look-alike/leetspeak skeleton or scrambled middle letters
/// spell), and patterns are indexed by the id of their first atom. Each pattern keeps, per
/// slot, only the latest chain that reached it: a later chain end is never worse for the next
/// slot's gap, so one integer per slot suffices and the scan stays linear in the number of
/// units times the few hits a unit has.
final class PhraseMatcher: Sendable {
    struct Pattern: Sendable {
        let family: PhraseFamily
        let slotCount: Int
        let gaps: [Int]
    }

    enum AtomKind: UInt8, Sendable {
        case word, prefix, uppercase
    }

    struct Atom: Sendable {
        let word: Int32
        let kind: AtomKind
    }

    /// One alternative of one pattern slot: its atoms are `atoms[atomStart..<atomStart + atomCount]`.
    struct Entry: Sendable {
        let pattern: Int32
        let slot: Int32
        let atomStart: Int32
        let atomCount: Int32
    }

    /// The latest chain that reached a slot: where it ended and began (unit indices) and the
    /// techniques its words needed. 32-bit indices keep the array every call initialises small
    /// (unit counts are capped far below 2^31 by the scanned value's size limit).
    struct Chain {
        var end: Int32
        var start: Int32
        var techniques: Techniques
    }

    /// A unit read for matching: the lexicon word it is or spells (or `absent`), where its
    /// key's bytes are in the stream's arena, and the techniques reading it took.
    struct Resolved {
        var word: Int32
        var keyStart: Int32
        var keyEnd: Int32
        var techniques: Techniques
    }

    /// A pattern slot the word at the current position fills.
    struct Hit {
        let entry: Entry
        let techniques: Techniques
    }

    /// Later slots of a pattern first, so one word never fills two slots of the same chain.
    static func hitOrder(_ a: Entry, _ b: Entry) -> Bool {
        (a.pattern, -a.slot) < (b.pattern, -b.slot)
    }

    let patterns: [Pattern]
    /// Every atom's text and `<s>`.
    private let words: ByteStringTable
    private let atoms: [Atom]
    /// Entries whose first atom is the word (or uppercase word) `id`:
    /// `entries[byWord[id]..<byWord[id + 1]]`, in hit order.
    private let entries: [Entry]
    private let byWord: [Int32]
    /// Entries whose first atom is the prefix `id`, in hit order.
    private let prefixEntries: [Entry]
    private let byPrefix: [Int32]
    /// Prefix atoms by their first byte, so a word is checked against the few prefixes that
    /// could match it.
    private let prefixesByHead: [[Int32]]
    /// Skeletons (and scramble keys) of the ASCII vocabulary, to the word they spell.
    private let skeletons: ByteStringTable
    private let skeletonWord: [Int32]
    private let scrambles: ByteStringTable
    private let scrambleWord: [Int32]
    /// Per (first letter, last letter), a bit per length of the scrambled words, so that a word
    /// whose ends and length match none skips building its scramble key (most words of most text).
    private let scrambleShapes: [UInt32]
    /// Index of each pattern's first slot in the flat chain array.
    private let slotBase: [Int]
    private let slotCount: Int

    init(_ sources: [PhrasePattern], keys: NormalisedKeys) {
        var words = ByteStringTable(expectedCount: 4096)
        words.insert(TextUnit.sentenceStart.utf8)
        var isVocabulary: [Bool] = [false]
        // Alternatives already read, to their atoms in `atoms` (the vocabularies repeat across
        // patterns, so entries share them).
        var alternatives = ByteStringTable(expectedCount: 4096)
        var alternativeAtoms: [(start: Int32, count: Int32)] = []
        var patterns: [Pattern] = []
        var atoms: [Atom] = []
        var firstWordEntries: [(word: Int32, entry: Entry)] = []
        var firstPrefixEntries: [(word: Int32, entry: Entry)] = []
        var slotBase: [Int] = []
        var count = 0
        for (p, source) in sources.enumerated() {
            var gaps: [Int] = []
            var s = 0
            source.forEachSlot { gapBefore, slotAlternatives in
                if s > 0 { gaps.append(gapBefore) }
                for alternative in slotAlternatives {
                    let known = alternative.withUnsafeBufferPointer { alternatives.find($0) }
                    let range: (start: Int32, count: Int32)
                    if known >= 0 {
                        range = alternativeAtoms[Int(known)]
                    } else {
                        let reading = AlternativeReader.read(alternative, keys: keys)
                        let start = Int32(atoms.count)
                        for (i, word) in reading.words.enumerated() {
                            let last = i == reading.words.count - 1
                            let kind: AtomKind = last && reading.prefix ? .prefix : (last && reading.uppercaseOnly ? .uppercase : .word)
                            let id = words.insert(word)
                            if Int(id) == isVocabulary.count { isVocabulary.append(false) }
                            if kind != .prefix { isVocabulary[Int(id)] = true }
                            atoms.append(Atom(word: id, kind: kind))
                        }
                        range = (start, Int32(atoms.count) - start)
                        alternatives.insert(alternative)
                        alternativeAtoms.append(range)
                    }
                    guard range.count > 0 else { continue }
                    let first = atoms[Int(range.start)]
                    let entry = Entry(pattern: Int32(p), slot: Int32(s), atomStart: range.start, atomCount: range.count)
                    if first.kind == .prefix {
                        firstPrefixEntries.append((first.word, entry))
                    } else {
                        firstWordEntries.append((first.word, entry))
                    }
                }
                s += 1
            }
            patterns.append(Pattern(family: source.family, slotCount: s, gaps: gaps))
            slotBase.append(count)
            count += s
        }
        // Compressed rows: entries grouped by first word, each group in hit order.
        func rows(_ list: [(word: Int32, entry: Entry)]) -> (entries: [Entry], offsets: [Int32]) {
            let sorted = list.sorted { $0.word != $1.word ? $0.word < $1.word : Self.hitOrder($0.entry, $1.entry) }
            var offsets = [Int32](repeating: 0, count: words.count + 1)
            for item in sorted { offsets[Int(item.word) + 1] += 1 }
            for i in 0..<words.count { offsets[i + 1] += offsets[i] }
            return (sorted.map(\.entry), offsets)
        }
        (self.entries, self.byWord) = rows(firstWordEntries)
        (self.prefixEntries, self.byPrefix) = rows(firstPrefixEntries)
        var heads = [[Int32]](repeating: [], count: 256)
        for id in Set(firstPrefixEntries.map(\.word)).sorted() {
            if let h = words.key(id).first { heads[Int(h)].append(id) }
        }
        // Prefix atoms in later positions are matched in place; their heads need no index.
        self.prefixesByHead = heads

        // Skeletons and scramble keys of the ASCII vocabulary; on a clash the word the lexicon
        // names first wins, so results never depend on a hash seed.
        var skeletons = ByteStringTable(expectedCount: 2048)
        var skeletonWord: [Int32] = []
        var scrambles = ByteStringTable(expectedCount: 2048)
        var scrambleWord: [Int32] = []
        var shapes = [UInt32](repeating: 0, count: 26 * 26)
        var scratch: [UInt8] = []
        for id in 0..<Int32(words.count) where isVocabulary[Int(id)] {
            let w = words.key(id)
            guard w.count >= 2, w.allSatisfy({ $0 < 0x80 }) else { continue }
            let skeleton = w.map(WordBuilder.skeletonByte)
            if skeletons.insert(skeleton) == Int32(skeletonWord.count) { skeletonWord.append(id) }
            if w.count >= 5, Self.scrambleKey(w, into: &scratch) {
                if scrambles.insert(scratch) == Int32(scrambleWord.count) { scrambleWord.append(id) }
                if let shape = Self.shapeIndex(w), w.count < 32 { shapes[shape] |= 1 << UInt32(w.count) }
            }
        }
        self.patterns = patterns
        self.words = words
        self.atoms = atoms
        self.skeletons = skeletons
        self.skeletonWord = skeletonWord
        self.scrambles = scrambles
        self.scrambleWord = scrambleWord
        self.scrambleShapes = shapes
        self.slotBase = slotBase
        self.slotCount = count
    }

    /// (first letter, last letter) of a lowercase word, as an index into `scrambleShapes`.
    static func shapeIndex<C: BidirectionalCollection>(_ w: C) -> Int? where C.Element == UInt8 {
        guard let first = w.first, let last = w.last, ASCII.isLower(first), ASCII.isLower(last) else { return nil }
        return Int(first - 0x61) * 26 + Int(last - 0x61)
    }

    /// First letter, last letter, `:` and the sorted middle: typoglycemia keeps the ends and
    /// shuffles the rest ("ignroe", "isntructions"). False when the word is not five or more
    /// ASCII letters.
    static func scrambleKey<C: BidirectionalCollection>(_ w: C, into key: inout [UInt8]) -> Bool where C.Element == UInt8 {
        guard w.count >= 5, w.allSatisfy(ASCII.isLetter), let first = w.first, let last = w.last else { return false }
        key.removeAll(keepingCapacity: true)
        key.append(first)
        key.append(last)
        key.append(UInt8(ascii: ":"))
        key.append(contentsOf: w.dropFirst().dropLast())
        key[3...].sort()
        return true
    }

    /// The lexicon's text of a word id (for tests and readings).
    func word(_ id: Int32) -> String { words.string(id) }

    private func hasPrefix(_ key: ArraySlice<UInt8>) -> Bool {
        guard let h = key.first else { return false }
        return prefixesByHead[Int(h)].contains { key.starts(with: words.key($0)) }
    }

    /// Resolves each unit to the lexicon word it is or spells, with the techniques that took.
    /// Words read through a skeleton or scramble get the word's bytes appended to the arena.
    func resolve(_ stream: inout UnitStream) -> [Resolved] {
        var out: [Resolved] = []
        out.reserveCapacity(stream.units.count)
        var scratch: [UInt8] = []
        for u in stream.units {
            let key = stream.bytes[Int(u.keyStart)..<Int(u.keyEnd)]
            let id = key.withUnsafeBufferPointer { words.find($0) }
            guard u.isWord else {
                out.append(Resolved(word: id, keyStart: u.keyStart, keyEnd: u.keyEnd, techniques: []))
                continue
            }
            if id >= 0 || hasPrefix(key) {
                out.append(Resolved(word: id, keyStart: u.keyStart, keyEnd: u.keyEnd, techniques: u.techniques))
                continue
            }
            if u.hasSkeleton {
                let sid = stream.bytes[Int(u.skeletonStart)..<Int(u.skeletonEnd)].withUnsafeBufferPointer { skeletons.find($0) }
                if sid >= 0 {
                    let w = skeletonWord[Int(sid)]
                    var t = u.techniques
                    t.insert(key.contains { $0 >= 0x80 } ? .homoglyphs : .leetspeak)
                    if key.contains(where: ASCII.isDigit) { t.insert(.leetspeak) }
                    let (lo, hi) = stream.store(words.key(w))
                    out.append(Resolved(word: w, keyStart: lo, keyEnd: hi, techniques: t))
                    continue
                }
            }
            if key.count >= 5, key.count <= 24, let shape = Self.shapeIndex(key), scrambleShapes[shape] & (1 << UInt32(key.count)) != 0,
               Self.scrambleKey(key, into: &scratch) {
                let sid = scratch.withUnsafeBufferPointer { scrambles.find($0) }
                if sid >= 0 {
                    let w = scrambleWord[Int(sid)]
                    let (lo, hi) = stream.store(words.key(w))
                    out.append(Resolved(word: w, keyStart: lo, keyEnd: hi, techniques: u.techniques.union(.typoglycemia)))
                    continue
                }
            }
            out.append(Resolved(word: ByteStringTable.absent, keyStart: u.keyStart, keyEnd: u.keyEnd, techniques: u.techniques))
        }
        return out
    }

    /// All matches, at most `limit` per family.
    func matches(_ input: UnitStream, limit: Int = 8) -> [PhraseMatch] {
        var stream = input
        let resolved = resolve(&stream)
        let units = stream.units
        let bytes = stream.bytes
        func resolvedKey(_ q: Int) -> ArraySlice<UInt8> {
            bytes[Int(resolved[q].keyStart)..<Int(resolved[q].keyEnd)]
        }
        func atomMatches(_ atom: Atom, _ q: Int) -> Bool {
            switch atom.kind {
            case .word: resolved[q].word == atom.word
            case .uppercase: resolved[q].word == atom.word && units[q].isUppercase
            case .prefix: resolvedKey(q).starts(with: words.key(atom.word))
            }
        }
        // Chain state per slot, made on the first partial match (one array: most text opens a
        // few chains at most, and each call pays for the whole array).
        var chains: [Chain] = []
        var lastBoundary = -1
        var found: [PhraseMatch] = []
        var perFamily: [PhraseFamily: Int] = [:]
        var familyEnd: [PhraseFamily: Int] = [:]
        var hits: [Hit] = []

        for p in units.indices {
            // A sentence end may finish a phrase ("I am your developer.") but no chain continues
            // past it.
            defer { if units[p].isBoundary { lastBoundary = p } }
            hits.removeAll(keepingCapacity: true)
            func consider(_ list: ArraySlice<Entry>) {
                for entry in list {
                    // A later slot only continues a chain: with none open in the slot before it,
                    // the word's atoms need no reading. Common words ("your", "the") sit in many
                    // patterns' later slots.
                    if entry.slot > 0 {
                        guard !chains.isEmpty, chains[slotBase[Int(entry.pattern)] + Int(entry.slot) - 1].end >= 0 else { continue }
                    }
                    var ok = true
                    var techniques: Techniques = []
                    for i in 0..<Int(entry.atomCount) {
                        let q = p + i
                        guard q < units.count, !units[q].isBoundary || i == 0, atomMatches(atoms[Int(entry.atomStart) + i], q) else { ok = false; break }
                        techniques.formUnion(resolved[q].techniques)
                    }
                    if ok { hits.append(Hit(entry: entry, techniques: techniques)) }
                }
            }
            // Entries are stored in hit order (pattern, later slot first); prefix entries come
            // from another list, and only then do the hits need sorting.
            let word = resolved[p].word
            if word >= 0 { consider(entries[Int(byWord[Int(word)])..<Int(byWord[Int(word) + 1])]) }
            var mixedSources = false
            if units[p].isWord {
                let key = resolvedKey(p)
                if let h = key.first {
                    for prefix in prefixesByHead[Int(h)] where key.starts(with: words.key(prefix)) {
                        mixedSources = mixedSources || !hits.isEmpty
                        consider(prefixEntries[Int(byPrefix[Int(prefix)])..<Int(byPrefix[Int(prefix) + 1])])
                    }
                }
            }
            guard !hits.isEmpty else { continue }
            // Later slots first, so one word never fills two slots of the same chain.
            if mixedSources { hits.sort { Self.hitOrder($0.entry, $1.entry) } }
            for hit in hits {
                let patternIndex = Int(hit.entry.pattern), slot = Int(hit.entry.slot)
                let pattern = patterns[patternIndex]
                let s = slotBase[patternIndex] + slot
                var start = p
                var techniques = hit.techniques
                if slot > 0 {
                    guard !chains.isEmpty else { continue }
                    let prev = chains[s - 1]
                    let prevEnd = Int(prev.end)
                    guard prevEnd >= 0, prevEnd > lastBoundary, p >= prevEnd, p - prevEnd <= pattern.gaps[slot - 1] else { continue }
                    start = Int(prev.start)
                    techniques.formUnion(prev.techniques)
                }
                let end = p + Int(hit.entry.atomCount)
                if slot == pattern.slotCount - 1 {
                    let family = pattern.family
                    guard (perFamily[family] ?? 0) < limit else { continue }
                    let startOffset = units[start].start
                    // Overlapping matches of one family are one finding.
                    if let e = familyEnd[family], startOffset < e { continue }
                    let endOffset = units[end - 1].end
                    let reading = (start..<end).filter { !units[$0].isSentenceStart }
                        .map { String(decoding: resolvedKey($0), as: UTF8.self) }.joined(separator: " ")
                    found.append(PhraseMatch(family: family, pattern: patternIndex, start: startOffset, end: endOffset,
                                             techniques: techniques, reading: reading))
                    perFamily[family, default: 0] += 1
                    familyEnd[family] = endOffset
                } else {
                    if chains.isEmpty { chains = [Chain](repeating: Chain(end: -1, start: -1, techniques: []), count: slotCount) }
                    chains[s] = Chain(end: Int32(clamping: end), start: Int32(clamping: start), techniques: techniques)
                }
            }
        }
        return found
    }
}
