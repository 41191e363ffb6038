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

    /// Calls `slot` once per slot, in order, with the gap allowed before it and the slot's
    /// text (its alternatives separated by `|`). Read on bytes, without splitting into arrays:
    /// the text is ASCII syntax around words, and the lexicon is read at every start-up.
    func forEachSlot(_ slot: (_ gapBefore: Int, _ alternatives: UnsafeBufferPointer<UInt8>) -> Void) {
        var source = source
        source.withUTF8 { text in
            var pendingGap = 0
            var start = 0
            for i in 0...text.count where i == text.count || text[i] == UInt8(ascii: " ") {
                defer { start = i + 1 }
                guard i > start else { continue }
                let token = UnsafeBufferPointer(rebasing: text[start..<i])
                if token[0] == UInt8(ascii: "~") {
                    var n = 0
                    for c in token.dropFirst() where ASCII.isDigit(c) { n = n * 10 + Int(c - 0x30) }
                    pendingGap = n
                    continue
                }
                slot(pendingGap, token)
                pendingGap = 0
            }
        }
    }

    /// Calls `body` with each `|`-separated alternative of a slot's text.
    static func forEachAlternative(_ token: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var start = 0
        for i in 0...token.count where i == token.count || token[i] == UInt8(ascii: "|") {
            if i > start { body(UnsafeBufferPointer(rebasing: token[start..<i])) }
            start = i + 1
        }
    }

    /// Each alternative of the pattern as written (for tests and the key table's generator).
    var alternatives: [String] {
        var out: [String] = []
        forEachSlot { _, token in Self.forEachAlternative(token) { out.append(String(decoding: $0, as: UTF8.self)) } }
        return out
    }
}

/// How an alternative's text becomes atoms: the words it is made of, normalised exactly as
/// `TextUnits` reads scanned text, the last one marked as a prefix (`*`) or capitals-only (`!`).
/// Works on bytes without allocating: the lexicon is compiled by every process that scans an
/// untrusted value, and that start-up is part of every `promptkit lint` run.
enum AlternativeReader {
    /// An alternative's words and the marks on its last word.
    struct Reading: Equatable {
        var words: [[UInt8]]
        var prefix: Bool
        var uppercaseOnly: Bool
    }

    /// The length of the alternative's text without its `*`/`!` mark (the key table lists
    /// alternatives so), and the marks.
    static func unmarked(_ alternative: UnsafeBufferPointer<UInt8>) -> (length: Int, prefix: Bool, uppercaseOnly: Bool) {
        var n = alternative.count
        var prefix = false, uppercaseOnly = false
        if n > 0, alternative[n - 1] == UInt8(ascii: "*") { prefix = true; n -= 1 }
        if n > 1, alternative[n - 1] == UInt8(ascii: "!") { uppercaseOnly = true; n -= 1 }
        return (n, prefix, uppercaseOnly)
    }

    /// Plain lowercase ASCII words joined by `_` (most of the lexicon's ~3,900 alternatives) are
    /// their own keys.
    static func isPlain(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        text.contains { $0 != UInt8(ascii: "_") } && text.allSatisfy { ASCII.isLower($0) || $0 == UInt8(ascii: "_") }
    }

    /// What `TextUnits` reads in the text, `_` read as a space.
    static func readAsText<C: Collection>(_ text: C) -> [[UInt8]] where C.Element == UInt8 {
        let spaced = String(decoding: text.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        return TextUnits.keys(spaced).filter { $0 != TextUnit.sentenceStart }.map { Array($0.utf8) }
    }

    /// The ranges of `text` between `separator`s, empty ones left out.
    static func split(_ text: UnsafeBufferPointer<UInt8>, on separator: UInt8, into ranges: inout [Range<Int>]) {
        ranges.removeAll(keepingCapacity: true)
        var start = 0
        for i in 0...text.count where i == text.count || text[i] == separator {
            if i > start { ranges.append(start..<i) }
            start = i + 1
        }
    }

    /// Calls `body` with the alternative's words (as ranges of one buffer) and its marks. Other
    /// than plain words, the keys come from the generated table (`InjectionLexiconKeys`), which
    /// a test keeps equal to reading them as text: reading the ~700 other alternatives through
    /// Unicode properties cost several milliseconds per process.
    static func read(_ alternative: UnsafeBufferPointer<UInt8>, keys: NormalisedKeys, ranges: inout [Range<Int>],
                     _ body: (_ words: UnsafeBufferPointer<UInt8>, _ ranges: [Range<Int>], _ prefix: Bool, _ uppercaseOnly: Bool) -> Void) {
        if alternative.elementsEqual(TextUnit.sentenceStart.utf8) {
            ranges.removeAll(keepingCapacity: true)
            ranges.append(0..<alternative.count)
            body(alternative, ranges, false, false)
            return
        }
        let (length, prefix, uppercaseOnly) = unmarked(alternative)
        let text = UnsafeBufferPointer(rebasing: alternative[0..<length])
        if isPlain(text) {
            split(text, on: UInt8(ascii: "_"), into: &ranges)
            body(text, ranges, prefix, uppercaseOnly)
            return
        }
        let found = keys.withKeys(of: text) { value in
            split(value, on: UInt8(ascii: " "), into: &ranges)
            body(value, ranges, prefix, uppercaseOnly)
        }
        guard found == nil else { return }
        // Not in the table (the lexicon changed and the table was not regenerated): read it as
        // text, slower but the same.
        var joined: [UInt8] = []
        ranges.removeAll(keepingCapacity: true)
        for word in readAsText(text) {
            ranges.append(joined.count..<(joined.count + word.count))
            joined += word
        }
        let wordRanges = ranges
        joined.withUnsafeBufferPointer { body($0, wordRanges, prefix, uppercaseOnly) }
    }

    /// The reading as arrays, for tests.
    static func read(_ alternative: String, keys: NormalisedKeys) -> Reading {
        var ranges: [Range<Int>] = []
        var reading = Reading(words: [], prefix: false, uppercaseOnly: false)
        Array(alternative.utf8).withUnsafeBufferPointer { alternative in
            read(alternative, keys: keys, ranges: &ranges) { words, ranges, prefix, uppercaseOnly in
                reading = Reading(words: ranges.map { Array(words[$0]) }, prefix: prefix, uppercaseOnly: uppercaseOnly)
            }
        }
        return reading
    }
}

/// The generated table of normalised keys, read into a byte table once per process.
struct NormalisedKeys: Sendable {
    private let text: [UInt8]
    private let alternatives: ByteStringTable
    /// Per alternative id, its keys (separated by spaces) in `text`.
    private let values: [Range<Int>]

    /// `table` holds one line per alternative: its text, a tab, its keys separated by spaces.
    init(_ table: String) {
        let text = Array(table.utf8)
        var alternatives = ByteStringTable(expectedCount: 1024)
        var values: [Range<Int>] = []
        text.withUnsafeBufferPointer { all in
            var lineStart = 0
            for i in 0...all.count where i == all.count || all[i] == UInt8(ascii: "\n") {
                defer { lineStart = i + 1 }
                guard let tab = all[lineStart..<i].firstIndex(of: UInt8(ascii: "\t")) else { continue }
                if alternatives.insert(UnsafeBufferPointer(rebasing: all[lineStart..<tab])) == Int32(values.count) {
                    values.append((tab + 1)..<i)
                }
            }
        }
        self.text = text
        self.alternatives = alternatives
        self.values = values
    }

    /// Calls `body` with the keys of `alternative` (separated by spaces); nil when the table does
    /// not list it.
    func withKeys<R>(of alternative: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        let id = alternatives.find(alternative)
        guard id >= 0 else { return nil }
        return text.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[values[Int(id)]])) }
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
        // Murmur3's finaliser: FNV's low bits, which pick the slot, mix poorly on short keys.
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return Int(truncatingIfNeeded: h)
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

    /// The key's id, adding it when new.
    @discardableResult
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>) -> Int32 {
        let existing = find(key)
        if existing >= 0 { return existing }
        if (count + 1) * 2 > slots.count { grow() }
        let id = Int32(count)
        bytes.append(contentsOf: key)
        bounds.append(Int32(bytes.count))
        place(id, hash: Self.hash(key))
        return id
    }


    @discardableResult
    mutating func insert<C: Collection>(_ key: C) -> Int32 where C.Element == UInt8 {
        if let id = key.withContiguousStorageIfAvailable({ insert($0) }) { return id }
        return Array(key).withUnsafeBufferPointer { insert($0) }
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

    /// Whether `text` starts with key `id`.
    func isPrefix(_ id: Int32, of text: UnsafeBufferPointer<UInt8>) -> Bool {
        let lo = Int(bounds[Int(id)]), hi = Int(bounds[Int(id) + 1])
        guard hi - lo <= text.count else { return false }
        return bytes.withUnsafeBufferPointer { all in
            var k = 0
            while k < hi - lo, all[lo + k] == text[k] { k += 1 }
            return k == hi - lo
        }
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

    /// A unit read for matching: the lexicon word it is or spells (or `absent`), whether it was
    /// spelled through its skeleton or scrambled letters (its key is then the lexicon word's,
    /// not its own), and the techniques reading it took.
    struct Resolved {
        var word: Int32
        var spelled: Bool
        var techniques: Techniques
        /// A word not in the lexicon that starts with one of its prefix atoms (a lexicon word's
        /// prefix atoms are in `prefixesOfWord`).
        var ownKeyHasPrefix = false
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
    private let prefixesByHead: [Int32]
    /// `prefixesByHead[prefixHeadBounds[b]..<prefixHeadBounds[b + 1]]` start with byte `b`.
    private let prefixHeadBounds: [Int32]
    /// The prefix atoms each lexicon word starts with, in `prefixesByHead` order:
    /// `prefixesOfWord[prefixesOfWordBounds[id]..<prefixesOfWordBounds[id + 1]]`. Most text is
    /// lexicon words, and their prefixes need no comparing per unit.
    private let prefixesOfWord: [Int32]
    private let prefixesOfWordBounds: [Int32]
    /// Skeletons (and scramble keys) of the ASCII vocabulary, to the word they spell.
    private let skeletons: ByteStringTable
    private let skeletonWord: [Int32]
    private let scrambles: ByteStringTable
    private let scrambleWord: [Int32]
    /// Per (first letter, last letter), a bit per length of the scrambled words, so that a word
    /// whose ends and length match none skips building its scramble key (most words of most text).
    private let scrambleShapes: [UInt32]
    /// Each pattern's two anchors are the slots least likely in ordinary text (see
    /// `commonness`). Every match fills every slot of its pattern, so a value in which no
    /// pattern has both anchors filled has no match and skips the chain walk: most values.
    /// Per word, `anchorRow[id]` (or -1) indexes `anchorMasks`, which holds per row a pattern
    /// bitmask of the first anchors the word can fill, then one of the second anchors.
    private let anchorRow: [Int32]
    private let anchorMasks: [UInt64]
    /// `UInt64`s per pattern bitmask.
    private let anchorMaskWords: Int
    /// Index of each pattern's first slot in the flat chain array.
    private let slotBase: [Int]
    /// Per flat slot: how many units may lie between the previous slot's end and it (0 for a
    /// pattern's first slot).
    private let slotGap: [Int]
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
        atoms.reserveCapacity(4096)
        // Entries with their first atom, in hit order: patterns in order, each pattern's slots
        // last first, alternatives in the order written.
        var ordered: [(first: Atom, entry: Entry)] = []
        ordered.reserveCapacity(6000)
        var patternEntries: [(first: Atom, entry: Entry)] = []
        var ranges: [Range<Int>] = []
        var slotBase: [Int] = []
        var count = 0
        for (p, source) in sources.enumerated() {
            var gaps: [Int] = []
            var s: Int32 = 0
            patternEntries.removeAll(keepingCapacity: true)
            source.forEachSlot { gapBefore, token in
                if s > 0 { gaps.append(gapBefore) }
                defer { s += 1 }
                PhrasePattern.forEachAlternative(token) { alternative in
                    let id = alternatives.insert(alternative)
                    var range: (start: Int32, count: Int32)
                    if Int(id) < alternativeAtoms.count {
                        range = alternativeAtoms[Int(id)]
                    } else {
                        let start = Int32(atoms.count)
                        AlternativeReader.read(alternative, keys: keys, ranges: &ranges) { text, wordRanges, prefix, uppercaseOnly in
                            for (i, r) in wordRanges.enumerated() {
                                let last = i == wordRanges.count - 1
                                let kind: AtomKind = last && prefix ? .prefix : (last && uppercaseOnly ? .uppercase : .word)
                                let id = words.insert(UnsafeBufferPointer(rebasing: text[r]))
                                if Int(id) == isVocabulary.count { isVocabulary.append(false) }
                                if kind != .prefix { isVocabulary[Int(id)] = true }
                                atoms.append(Atom(word: id, kind: kind))
                            }
                        }
                        range = (start, Int32(atoms.count) - start)
                        alternativeAtoms.append(range)
                    }
                    guard range.count > 0 else { return }
                    patternEntries.append((atoms[Int(range.start)], Entry(pattern: Int32(p), slot: s, atomStart: range.start, atomCount: range.count)))
                }
            }
            // Later slots first; a stable order within a slot.
            var end = patternEntries.endIndex
            while end > 0 {
                let slot = patternEntries[end - 1].entry.slot
                var begin = end - 1
                while begin > 0, patternEntries[begin - 1].entry.slot == slot { begin -= 1 }
                ordered += patternEntries[begin..<end]
                end = begin
            }
            patterns.append(Pattern(family: source.family, slotCount: Int(s), gaps: gaps))
            slotBase.append(count)
            count += Int(s)
        }
        // Compressed rows by first word: a stable counting sort keeps hit order in each row.
        func rows(prefixes: Bool) -> (entries: [Entry], offsets: [Int32]) {
            var offsets = [Int32](repeating: 0, count: words.count + 1)
            for item in ordered where (item.first.kind == .prefix) == prefixes { offsets[Int(item.first.word) + 1] += 1 }
            for i in 0..<words.count { offsets[i + 1] += offsets[i] }
            var next = offsets
            let placeholder = Entry(pattern: 0, slot: 0, atomStart: 0, atomCount: 0)
            var entries = [Entry](repeating: placeholder, count: Int(offsets[words.count]))
            for item in ordered where (item.first.kind == .prefix) == prefixes {
                entries[Int(next[Int(item.first.word)])] = item.entry
                next[Int(item.first.word)] += 1
            }
            return (entries, offsets)
        }
        (self.entries, self.byWord) = rows(prefixes: false)
        (self.prefixEntries, self.byPrefix) = rows(prefixes: true)
        var heads = [[Int32]](repeating: [], count: 256)
        for id in Set(ordered.lazy.filter { $0.first.kind == .prefix }.map(\.first.word)).sorted() {
            if let h = words.key(id).first { heads[Int(h)].append(id) }
        }
        // Prefix atoms in later positions are matched in place; their heads need no index.
        // Flat, so that looking at a word's head touches no nested array.
        self.prefixesByHead = heads.flatMap { $0 }
        self.prefixHeadBounds = heads.reduce(into: [0]) { $0.append($0[$0.count - 1] + Int32($1.count)) }
        var prefixesOfWord: [Int32] = []
        var prefixesOfWordBounds: [Int32] = [0]
        prefixesOfWordBounds.reserveCapacity(words.count + 1)
        for id in 0..<Int32(words.count) {
            let key = words.key(id)
            if let h = key.first {
                for prefix in heads[Int(h)] where key.withUnsafeBufferPointer({ words.isPrefix(prefix, of: $0) }) {
                    prefixesOfWord.append(prefix)
                }
            }
            prefixesOfWordBounds.append(Int32(prefixesOfWord.count))
        }
        self.prefixesOfWord = prefixesOfWord
        self.prefixesOfWordBounds = prefixesOfWordBounds

        // Each pattern's anchors: the two slots whose alternatives are least common in ordinary
        // text (a one-slot pattern's only slot is both). An alternative counts as its rarest atom
        // that names a word, or its first atom (the only prefix atoms listed per word): filling
        // the alternative needs that word in the value.
        // (Built once per process, before the first scan: flat arrays keep it to a fraction of
        // the lexicon's build time.)
        var weight = (0..<Int32(words.count)).map { Self.commonness(length: words.key($0).count) }
        for (list, w) in [(Self.frequentWords, 10), (Self.functionWords, 100)] {
            for word in list {
                let id = Array(word.utf8).withUnsafeBufferPointer { words.find($0) }
                if id >= 0 { weight[Int(id)] = max(weight[Int(id)], w) }
            }
        }
        // The rarest atom of each entry (in `ordered`'s order) and the weight of each flat slot.
        var rarest: [Atom] = []
        rarest.reserveCapacity(ordered.count)
        var slotWeight = [Int](repeating: 0, count: count)
        for item in ordered {
            let entry = item.entry
            var atom = atoms[Int(entry.atomStart)]
            for a in Int(entry.atomStart) + 1..<Int(entry.atomStart + entry.atomCount) where atoms[a].kind != .prefix {
                if weight[Int(atoms[a].word)] < weight[Int(atom.word)] { atom = atoms[a] }
            }
            rarest.append(atom)
            slotWeight[slotBase[Int(entry.pattern)] + Int(entry.slot)] += weight[Int(atom.word)]
        }
        // Per flat slot: bit 1 if it is its pattern's first anchor (the lightest slot, the
        // earlier on a tie), bit 2 if its second (the next; the only slot of a one-slot pattern).
        var anchorOf = [UInt8](repeating: 0, count: count)
        for (p, pattern) in patterns.enumerated() {
            let base = slotBase[p]
            var first = -1, second = -1
            for slot in 0..<pattern.slotCount {
                let w = slotWeight[base + slot]
                if first < 0 || w < slotWeight[base + first] {
                    second = first
                    first = slot
                } else if second < 0 || w < slotWeight[base + second] {
                    second = slot
                }
            }
            guard first >= 0 else { continue }
            anchorOf[base + first] |= 1
            anchorOf[base + (second >= 0 ? second : first)] |= 2
        }
        var wordsWithPrefix = [[Int32]](repeating: [], count: words.count)
        for id in 0..<Int32(words.count) {
            for m in Int(prefixesOfWordBounds[Int(id)])..<Int(prefixesOfWordBounds[Int(id) + 1]) { wordsWithPrefix[Int(prefixesOfWord[m])].append(id) }
        }
        let maskWords = (patterns.count + 63) / 64
        var anchorRow = [Int32](repeating: -1, count: words.count)
        var anchorMasks: [UInt64] = []
        anchorMasks.reserveCapacity(2048 * 2 * maskWords)
        /// Marks word `id` as filling the anchors `anchors` (bits as in `anchorOf`) of pattern `p`.
        func mark(_ id: Int32, pattern p: Int, anchors: UInt8) {
            if anchorRow[Int(id)] < 0 {
                anchorRow[Int(id)] = Int32(anchorMasks.count / (2 * maskWords))
                anchorMasks.append(contentsOf: repeatElement(0, count: 2 * maskWords))
            }
            let row = Int(anchorRow[Int(id)]) * 2 * maskWords + p / 64
            if anchors & 1 != 0 { anchorMasks[row] |= 1 << UInt64(p % 64) }
            if anchors & 2 != 0 { anchorMasks[row + maskWords] |= 1 << UInt64(p % 64) }
        }
        for (k, item) in ordered.enumerated() {
            let p = Int(item.entry.pattern)
            let anchors = anchorOf[slotBase[p] + Int(item.entry.slot)]
            guard anchors != 0 else { continue }
            let atom = rarest[k]
            // A prefix atom is filled by every lexicon word starting with it.
            if atom.kind == .prefix {
                for id in wordsWithPrefix[Int(atom.word)] { mark(id, pattern: p, anchors: anchors) }
            } else {
                mark(atom.word, pattern: p, anchors: anchors)
            }
        }
        self.anchorRow = anchorRow
        self.anchorMasks = anchorMasks
        self.anchorMaskWords = maskWords

        // Skeletons and scramble keys of the ASCII vocabulary; on a clash the word the lexicon
        // names first wins, so results never depend on a hash seed.
        var skeletons = ByteStringTable(expectedCount: 2048)
        var skeletonWord: [Int32] = []
        var scrambles = ByteStringTable(expectedCount: 2048)
        var scrambleWord: [Int32] = []
        var shapes = [UInt32](repeating: 0, count: 26 * 26)
        var scratch: [UInt8] = []
        var skeleton: [UInt8] = []
        for id in 0..<Int32(words.count) where isVocabulary[Int(id)] {
            let w = words.key(id)
            guard w.count >= 2, w.allSatisfy({ $0 < 0x80 }) else { continue }
            skeleton.removeAll(keepingCapacity: true)
            for c in w { skeleton.append(WordBuilder.skeletonByte(c)) }
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
        var slotGap = [Int](repeating: 0, count: count)
        for (p, pattern) in patterns.enumerated() {
            for slot in pattern.gaps.indices { slotGap[slotBase[p] + slot + 1] = pattern.gaps[slot] }
        }
        self.slotGap = slotGap
    }

    /// Function words: in nearly every sentence. (Lists, not sets: they are only walked, once,
    /// when the lexicon is built.)
    static let functionWords: [String] = [
        "<s>", "the", "your", "you", "yourself", "this", "that", "these", "those", "with", "from", "have", "has", "had", "will",
        "what", "which", "when", "then", "now", "just", "please", "only", "all", "any", "every", "and", "but", "not", "are", "was",
        "were", "been", "being", "there", "their", "they", "them", "can", "should", "must", "would", "could", "does", "did", "don",
        "dont", "about", "into", "over", "also", "more", "like", "some", "such", "than", "very", "here", "where", "who", "how",
    ]
    /// Words frequent in ordinary prompts, tickets and documents.
    static let frequentWords: [String] = [
        "tell", "show", "give", "write", "list", "make", "answer", "reply", "respond", "print", "text", "message", "messages",
        "help", "use", "say", "get", "see", "first", "above", "below", "before", "after", "instead", "current", "given", "full",
        "return", "read", "send", "provide", "include", "explain", "format", "describe", "state", "detail", "summarize",
        "translate", "type", "log", "put", "copy", "share", "display", "output", "system", "settings", "setting", "context",
        "task", "tasks", "new", "old", "original", "previous", "following", "next", "last", "back", "set", "take", "let", "play",
        "start", "end", "stop", "open", "close", "change", "update", "updated", "changed", "time", "work", "order", "orders",
        "user", "users", "data", "content", "file", "note", "example", "test", "mode", "role", "rules", "rule", "policy",
    ]

    /// How often a word of `length` bytes is expected in ordinary text, as a weight, before the
    /// two lists above raise it: a slot's weight is the sum over its alternatives, and each
    /// pattern's two lightest slots are its anchors. Which slots are chosen changes only how
    /// many values skip the chain walk, never what is found.
    static func commonness(length: Int) -> Int {
        length <= 2 ? 100 : (length == 3 ? 10 : 1)
    }

    /// (first letter, last letter) of a lowercase word, as an index into `scrambleShapes`.
    static func shapeIndex<C: BidirectionalCollection>(_ w: C) -> Int? where C.Element == UInt8 {
        guard let first = w.first, let last = w.last, ASCII.isLower(first), ASCII.isLower(last) else { return nil }
        return Int(first - 0x61) * 26 + Int(last - 0x61)
    }

    /// First letter, last letter, `:` and the sorted middle: typoglycemia keeps the ends and
    /// shuffles the rest ("ignroe", "isntructions"). False when the word is not five or more
    /// ASCII letters. Sorted by insertion: words are short, and this runs for every word whose
    /// ends and length match a lexicon word's.
    static func scrambleKey<C: BidirectionalCollection>(_ w: C, into key: inout [UInt8]) -> Bool where C.Element == UInt8 {
        guard w.count >= 5, w.allSatisfy(ASCII.isLetter), let first = w.first, let last = w.last else { return false }
        key.removeAll(keepingCapacity: true)
        key.append(first)
        key.append(last)
        key.append(UInt8(ascii: ":"))
        key.append(contentsOf: w.dropFirst().dropLast())
        key.withUnsafeMutableBufferPointer { k in
            guard k.count > 4 else { return }
            for i in 4..<k.count {
                let c = k[i]
                var j = i
                while j > 3, k[j - 1] > c { k[j] = k[j - 1]; j -= 1 }
                k[j] = c
            }
        }
        return true
    }

    var wordCount: Int { words.count }

    /// Where in `prefixesByHead` the prefix atoms starting with `head` are.
    private func prefixCandidates(head: UInt8) -> Range<Int> {
        Int(prefixHeadBounds[Int(head)])..<Int(prefixHeadBounds[Int(head) + 1])
    }

    /// Whether `key` starts with one of the lexicon's prefix atoms.
    private func hasPrefix(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let h = key.first else { return false }
        for k in prefixCandidates(head: h) where words.isPrefix(prefixesByHead[k], of: key) {
            return true
        }
        return false
    }

    /// Resolves each unit to the lexicon word it is or spells, with the techniques that took.
    /// Reads keys in place in the stream's arena: this runs for every unit of every value.
    func resolve(_ stream: UnitStream) -> [Resolved] {
        var out: [Resolved] = []
        out.reserveCapacity(stream.units.count)
        var scratch: [UInt8] = []
        stream.bytes.withUnsafeBufferPointer { arena in
            for u in stream.units {
                let key = UnsafeBufferPointer(rebasing: arena[Int(u.keyStart)..<Int(u.keyEnd)])
                let id = words.find(key)
                guard u.isWord else {
                    out.append(Resolved(word: id, spelled: false, techniques: []))
                    continue
                }
                if id >= 0 {
                    out.append(Resolved(word: id, spelled: false, techniques: u.techniques))
                    continue
                }
                if hasPrefix(key) {
                    out.append(Resolved(word: id, spelled: false, techniques: u.techniques, ownKeyHasPrefix: true))
                    continue
                }
                if u.hasSkeleton {
                    let sid = skeletons.find(UnsafeBufferPointer(rebasing: arena[Int(u.skeletonStart)..<Int(u.skeletonEnd)]))
                    if sid >= 0 {
                        var t = u.techniques
                        t.insert(key.contains { $0 >= 0x80 } ? .homoglyphs : .leetspeak)
                        if key.contains(where: ASCII.isDigit) { t.insert(.leetspeak) }
                        out.append(Resolved(word: skeletonWord[Int(sid)], spelled: true, techniques: t))
                        continue
                    }
                }
                if key.count >= 5, key.count <= 24, let shape = Self.shapeIndex(key), scrambleShapes[shape] & (1 << UInt32(key.count)) != 0,
                   Self.scrambleKey(key, into: &scratch) {
                    let sid = scratch.withUnsafeBufferPointer { scrambles.find($0) }
                    if sid >= 0 {
                        out.append(Resolved(word: scrambleWord[Int(sid)], spelled: true, techniques: u.techniques.union(.typoglycemia)))
                        continue
                    }
                }
                out.append(Resolved(word: ByteStringTable.absent, spelled: false, techniques: u.techniques))
            }
        }
        return out
    }

    /// False when no pattern has both anchors filled by some unit: then nothing can match.
    /// Units outside the lexicon that start with a prefix atom are compared with the prefixes
    /// only in the chain walk, so they let the value through.
    func mayMatch(_ resolved: [Resolved]) -> Bool {
        let maskWords = anchorMaskWords
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * maskWords) { filled in
            filled.initialize(repeating: 0)
            return anchorMasks.withUnsafeBufferPointer { masks in
                anchorRow.withUnsafeBufferPointer { row in
                    for r in resolved {
                        if r.ownKeyHasPrefix { return true }
                        guard r.word >= 0 else { continue }
                        let at = Int(row[Int(r.word)])
                        guard at >= 0 else { continue }
                        for k in 0..<(2 * maskWords) { filled[k] |= masks[at * 2 * maskWords + k] }
                    }
                    for k in 0..<maskWords where filled[k] & filled[maskWords + k] != 0 { return true }
                    return false
                }
            }
        }
    }

    /// All matches, at most `limit` per family.
    ///
    /// Chain state lives in temporary scratch memory, one slot per pattern slot, and a bit
    /// per slot says which hold an open chain: every value opens a few (a sentence start is the
    /// first slot of several patterns), and clearing the bits costs a few words where clearing
    /// every slot cost most of a short value's scan.
    ///
    /// `checkAnchors: false` walks the chains of every value (for the test that the anchor check
    /// skips only values without matches).
    func matches(_ stream: UnitStream, limit: Int = 8, checkAnchors: Bool = true) -> [PhraseMatch] {
        let resolved = resolve(stream)
        // Most values have no pattern with both anchors: they are turned away before the chain
        // memory (one slot per pattern slot, too large for the stack) is allocated.
        guard !checkAnchors || mayMatch(resolved) else { return [] }
        return withUnsafeTemporaryAllocation(of: Chain.self, capacity: max(1, slotCount)) { chains in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: max(1, (slotCount + 63) / 64)) { open in
                open.initialize(repeating: 0)
                return matches(stream, resolved: resolved, limit: limit, chains: chains, open: open)
            }
        }
    }

    /// `chains[s]` is initialised exactly when bit `s` of `open` is set.
    ///
    /// This runs per unit of every untrusted value, so the lexicon's arrays are read into
    /// locals once (a class property read in the loop is a reload and often a retain) and the
    /// per-pattern facts the loop needs are flat arrays indexed by slot.
    private func matches(_ stream: UnitStream, resolved: [Resolved], limit: Int, chains: UnsafeMutableBufferPointer<Chain>,
                         open: UnsafeMutableBufferPointer<UInt64>) -> [PhraseMatch] {
        func isOpen(_ s: Int) -> Bool { open[s >> 6] & (1 << UInt64(s & 63)) != 0 }
        let units = stream.units, arena = stream.bytes
        let entries = self.entries, byWord = self.byWord, prefixEntries = self.prefixEntries, byPrefix = self.byPrefix
        let atoms = self.atoms, slotBase = self.slotBase, slotGap = self.slotGap, words = self.words
        let prefixesByHead = self.prefixesByHead, prefixesOfWord = self.prefixesOfWord, prefixesOfWordBounds = self.prefixesOfWordBounds
        /// The key a unit is matched by: the lexicon word it spells, else its own.
        func resolvedKey(_ q: Int) -> ArraySlice<UInt8> {
            resolved[q].spelled ? words.key(resolved[q].word) : stream.key(of: units[q])
        }
        /// The first byte of `resolvedKey(q)` (words have non-empty keys).
        func resolvedHead(_ q: Int) -> UInt8? {
            resolved[q].spelled ? words.key(resolved[q].word).first : (units[q].keyLength > 0 ? arena[Int(units[q].keyStart)] : nil)
        }
        func atomMatches(_ atom: Atom, _ q: Int) -> Bool {
            switch atom.kind {
            case .word: resolved[q].word == atom.word
            case .uppercase: resolved[q].word == atom.word && units[q].isUppercase
            case .prefix: resolvedKey(q).starts(with: words.key(atom.word))
            }
        }
        var lastBoundary = -1
        var found: [PhraseMatch] = []
        var perFamily: [PhraseFamily: Int] = [:]
        var familyEnd: [PhraseFamily: Int] = [:]
        var hits: [Hit] = []
        hits.reserveCapacity(32)

        for p in units.indices {
            // A sentence end may finish a phrase ("I am your developer.") but no chain continues
            // past it.
            defer { if units[p].isBoundary { lastBoundary = p } }
            // (`removeAll(keepingCapacity:)` is a generic range replacement, costly when run
            // per unit; most units have no hits to clear.)
            if !hits.isEmpty { hits.removeAll(keepingCapacity: true) }
            func consider(_ list: [Entry], _ lo: Int32, _ hi: Int32) {
                for e in Int(lo)..<Int(hi) {
                    let entry = list[e]
                    // A later slot only continues a chain: with none open in the slot before it,
                    // the word's atoms need no reading. Common words ("your", "the") sit in many
                    // patterns' later slots.
                    if entry.slot > 0 {
                        guard isOpen(slotBase[Int(entry.pattern)] + Int(entry.slot) - 1) else { continue }
                    }
                    // The first atom is the word (or prefix) the entry is listed under, which the
                    // unit already is; only a capitals-only first atom needs a look.
                    if atoms[Int(entry.atomStart)].kind == .uppercase, !units[p].isUppercase { continue }
                    var ok = true
                    var techniques = resolved[p].techniques
                    for i in 1..<max(1, Int(entry.atomCount)) {
                        let q = p + i
                        guard q < units.count, !units[q].isBoundary, atomMatches(atoms[Int(entry.atomStart) + i], q) else { ok = false; break }
                        techniques.formUnion(resolved[q].techniques)
                    }
                    if ok { hits.append(Hit(entry: entry, techniques: techniques)) }
                }
            }
            // Entries are stored in hit order (pattern, later slot first); prefix entries come
            // from another list, and only then do the hits need sorting.
            let word = resolved[p].word
            if word >= 0 { consider(entries, byWord[Int(word)], byWord[Int(word) + 1]) }
            var mixedSources = false
            if units[p].isWord, word >= 0 {
                // A lexicon word's prefix atoms are known from the lexicon alone.
                for m in Int(prefixesOfWordBounds[Int(word)])..<Int(prefixesOfWordBounds[Int(word) + 1]) {
                    let prefix = prefixesOfWord[m]
                    mixedSources = mixedSources || !hits.isEmpty
                    consider(prefixEntries, byPrefix[Int(prefix)], byPrefix[Int(prefix) + 1])
                }
            } else if units[p].isWord, resolved[p].ownKeyHasPrefix, let h = resolvedHead(p), case let candidates = prefixCandidates(head: h), !candidates.isEmpty {
                let key = resolvedKey(p)
                for k in candidates {
                    let prefix = prefixesByHead[k]
                    guard key.withUnsafeBufferPointer({ words.isPrefix(prefix, of: $0) }) else { continue }
                    mixedSources = mixedSources || !hits.isEmpty
                    consider(prefixEntries, byPrefix[Int(prefix)], byPrefix[Int(prefix) + 1])
                }
            }
            guard !hits.isEmpty else { continue }
            // Later slots first, so one word never fills two slots of the same chain.
            if mixedSources { hits.sort { Self.hitOrder($0.entry, $1.entry) } }
            for hit in hits {
                let patternIndex = Int(hit.entry.pattern), slot = Int(hit.entry.slot)
                let s = slotBase[patternIndex] + slot
                var start = p
                var techniques = hit.techniques
                if slot > 0 {
                    guard isOpen(s - 1) else { continue }
                    let prev = chains[s - 1]
                    let prevEnd = Int(prev.end)
                    guard prevEnd >= 0, prevEnd > lastBoundary, p >= prevEnd, p - prevEnd <= slotGap[s] else { continue }
                    start = Int(prev.start)
                    techniques.formUnion(prev.techniques)
                }
                let end = p + Int(hit.entry.atomCount)
                if slot == patterns[patternIndex].slotCount - 1 {
                    let family = patterns[patternIndex].family
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
                    chains.initializeElement(at: s, to: Chain(end: Int32(clamping: end), start: Int32(clamping: start), techniques: techniques))
                    open[s >> 6] |= 1 << UInt64(s & 63)
                }
            }
        }
        return found
    }
}
