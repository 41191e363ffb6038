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
///
/// The text is read by `compiled(cache:)`, which `PhraseMatcher` calls for the whole lexicon at
/// once so that the alternatives the patterns share (the vocabularies repeat) are read once.
struct PhrasePattern: Sendable {
    let family: PhraseFamily
    let source: String

    enum Atom: Hashable, Sendable {
        case word(String)
        case prefix(String)
        case uppercase(String)
    }

    init(_ family: PhraseFamily, _ source: String) {
        self.family = family
        self.source = source
    }

    /// The pattern with its slots read from the text. Split on bytes: the text is ASCII
    /// syntax around words, and `String.split` would find grapheme boundaries in ~100 KB.
    func compiled(cache: inout [Substring: [Atom]]) -> CompiledPhrasePattern {
        var slots: [[[Atom]]] = []
        var gaps: [Int] = []
        var pendingGap = 0
        for tokenBytes in source.utf8.split(separator: UInt8(ascii: " ")) {
            let token = Substring(tokenBytes)
            if tokenBytes.first == UInt8(ascii: "~"), let n = Int(token.dropFirst()) {
                pendingGap = n
                continue
            }
            if !slots.isEmpty { gaps.append(pendingGap) }
            pendingGap = 0
            var slot: [[Atom]] = []
            for alternativeBytes in tokenBytes.split(separator: UInt8(ascii: "|")) {
                let alternative = Substring(alternativeBytes)
                let atoms: [Atom]
                if let known = cache[alternative] {
                    atoms = known
                } else {
                    atoms = Self.atoms(String(alternative))
                    cache[alternative] = atoms
                }
                if !atoms.isEmpty { slot.append(atoms) }
            }
            slots.append(slot)
        }
        return CompiledPhrasePattern(family: family, slots: slots, gaps: gaps)
    }

    static func atoms(_ alternative: String) -> [Atom] {
        if alternative == TextUnit.sentenceStart { return [.word(TextUnit.sentenceStart)] }
        var text = alternative
        var prefix = false
        var uppercaseOnly = false
        if text.hasSuffix("*") { prefix = true; text.removeLast() }
        if text.count > 1, text.hasSuffix("!") { uppercaseOnly = true; text.removeLast() }
        var atoms: [Atom]
        let words = text.utf8.split(separator: UInt8(ascii: "_"))
        if !words.isEmpty, words.allSatisfy({ $0.allSatisfy(ASCII.isLower) }) {
            // Plain lowercase ASCII words (most of the lexicon's ~3,900 alternatives) are their
            // own keys: reading them as text would give the same, at a cost every lint run pays.
            atoms = words.map { .word(String(decoding: $0, as: UTF8.self)) }
        } else {
            let units = TextUnits.units(text.replacingUnderscores()).filter { $0.key != TextUnit.sentenceStart }
            atoms = units.map { .word($0.key) }
        }
        if prefix, case .word(let last)? = atoms.last { atoms[atoms.count - 1] = .prefix(last) }
        if uppercaseOnly, case .word(let last)? = atoms.last { atoms[atoms.count - 1] = .uppercase(last) }
        return atoms
    }
}

/// A pattern read from its text: per slot, the alternatives as sequences of atoms.
struct CompiledPhrasePattern: Sendable {
    let family: PhraseFamily
    let slots: [[[PhrasePattern.Atom]]]
    let gaps: [Int]
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(map { $0 == "_" ? " " : $0 })
    }
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

/// Finds every pattern in a unit stream in one pass.
///
/// Each unit is resolved once: its key, else (for words that are not phrase words as written)
/// the phrase word its look-alike/leetspeak skeleton or scrambled middle letters spell. Each
/// pattern keeps, per slot, only the latest chain that reached it: a later chain end is never
/// worse for the next slot's gap, so one integer per slot suffices and the scan stays linear in
/// the number of units times the few hits a unit has.
final class PhraseMatcher: Sendable {
    let patterns: [CompiledPhrasePattern]

    /// The latest chain that reached a slot: where it ended and began (unit indices) and the
    /// techniques its words needed. 32-bit indices keep the array every call initialises small (unit counts are capped far
    /// below 2^31 by the scanned value's size limit).
    struct Chain {
        var end: Int32
        var start: Int32
        var techniques: Techniques
    }

    /// Later slots of a pattern first, so one word never fills two slots of the same chain.
    static func hitOrder(_ a: Entry, _ b: Entry) -> Bool {
        (a.pattern, -a.slot) < (b.pattern, -b.slot)
    }

    /// A pattern slot the word at the current position fills.
    struct Hit {
        let entry: Entry
        let length: Int
        let techniques: Techniques
    }

    struct Entry: Sendable {
        let pattern: Int
        let slot: Int
        let atoms: [PhrasePattern.Atom]
    }

    private let byWord: [String: [Entry]]
    /// Prefix atoms by their first character, so a word is checked against the few prefixes
    /// that could match it rather than sliced at every prefix length.
    private let prefixesByHead: [UInt8: [(prefix: String, entries: [Entry])]]
    /// Every word any pattern uses (all atoms, not only first ones).
    private let vocabulary: Set<String>
    private let bySkeleton: [String: String]
    private let byScramble: [String: String]
    /// (first letter, last letter, length) of every scrambled word, so that a word whose ends
    /// and length match none skips building its scramble key (most words of most text).
    private let scrambleShapes: Set<Int>
    /// Index of each pattern's first slot in the flat state arrays.
    private let slotBase: [Int]
    private let slotCount: Int

    init(_ sources: [PhrasePattern]) {
        var cache: [Substring: [PhrasePattern.Atom]] = [:]
        let patterns = sources.map { $0.compiled(cache: &cache) }
        self.patterns = patterns
        var byWord: [String: [Entry]] = [:]
        var byPrefix: [String: [Entry]] = [:]
        var vocabulary: Set<String> = []
        var slotBase: [Int] = []
        var count = 0
        for (p, pattern) in patterns.enumerated() {
            slotBase.append(count)
            count += pattern.slots.count
            for (s, slot) in pattern.slots.enumerated() {
                for atoms in slot {
                    guard let first = atoms.first else { continue }
                    let entry = Entry(pattern: p, slot: s, atoms: atoms)
                    switch first {
                    case .word(let w), .uppercase(let w): byWord[w, default: []].append(entry)
                    case .prefix(let w): byPrefix[w, default: []].append(entry)
                    }
                    for atom in atoms {
                        switch atom {
                        case .word(let w), .uppercase(let w): vocabulary.insert(w)
                        case .prefix: break  // indexed by their head below
                        }
                    }
                }
            }
        }
        var bySkeleton: [String: String] = [:]
        var byScramble: [String: String] = [:]
        var scrambleShapes: Set<Int> = []
        for w in vocabulary where w.unicodeScalars.allSatisfy({ $0.isASCII }) && w.count >= 2 {
            bySkeleton[WordBuilder.skeleton(of: w)] = w
            if w.count >= 5, let key = Self.scrambleKey(w) {
                byScramble[key] = w
                if let shape = Self.scrambleShape(w) { scrambleShapes.insert(shape) }
            }
        }
        self.byWord = byWord.mapValues { $0.sorted(by: Self.hitOrder) }
        var heads: [UInt8: [(prefix: String, entries: [Entry])]] = [:]
        for (prefix, entries) in byPrefix {
            guard let h = prefix.utf8.first else { continue }
            heads[h, default: []].append((prefix, entries.sorted(by: Self.hitOrder)))
        }
        self.prefixesByHead = heads
        self.vocabulary = vocabulary
        self.bySkeleton = bySkeleton
        self.byScramble = byScramble
        self.scrambleShapes = scrambleShapes
        self.slotBase = slotBase
        self.slotCount = count
    }

    static func scrambleShape(_ w: String) -> Int? {
        guard let first = w.utf8.first, let last = w.utf8.last else { return nil }
        return Int(first) << 16 | Int(last) << 8 | min(w.utf8.count, 255)
    }

    /// First letter, last letter and the sorted middle: typoglycemia keeps the ends and shuffles
    /// the rest ("ignroe", "isntructions").
    static func scrambleKey(_ w: String) -> String? {
        var bytes = Array(w.utf8)
        guard bytes.count >= 5, bytes.allSatisfy(ASCII.isLetter) else { return nil }
        bytes[1..<(bytes.count - 1)].sort()
        let last = bytes.removeLast()
        bytes.insert(contentsOf: [last, UInt8(ascii: ":")], at: 1)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Resolves each word to the phrase word it spells, with the techniques that took.
    func resolve(_ units: [TextUnit]) -> [(key: String, techniques: Techniques)] {
        var out: [(key: String, techniques: Techniques)] = []
        out.reserveCapacity(units.count)
        for u in units {
            guard u.isWord else { out.append((u.key, [])); continue }
            if vocabulary.contains(u.key) || hasPrefix(u.key) { out.append((u.key, u.techniques)); continue }
            if let skel = u.skeleton, let w = bySkeleton[skel] {
                var t = u.techniques
                let mixed = u.key.unicodeScalars.contains { !$0.isASCII }
                t.insert(mixed ? .homoglyphs : .leetspeak)
                if u.key.unicodeScalars.contains(where: { $0.value >= 0x30 && $0.value <= 0x39 }) { t.insert(.leetspeak) }
                out.append((w, t))
                continue
            }
            if let shape = Self.scrambleShape(u.key), scrambleShapes.contains(shape), u.key.count >= 5, u.key.count <= 24, let key = Self.scrambleKey(u.key), let w = byScramble[key], w != u.key {
                out.append((w, u.techniques.union(.typoglycemia)))
                continue
            }
            out.append((u.key, u.techniques))
        }
        return out
    }

    /// Prefix test on UTF-8 bytes: keys are normalised already, so the grapheme-aware
    /// `hasPrefix` would only cost more.
    static func startsWith(_ key: String, _ prefix: String) -> Bool {
        key.utf8.starts(with: prefix.utf8)
    }

    private func hasPrefix(_ key: String) -> Bool {
        guard let h = key.utf8.first, let candidates = prefixesByHead[h] else { return false }
        return candidates.contains { Self.startsWith(key, $0.prefix) }
    }

    private func atomMatches(_ atom: PhrasePattern.Atom, _ key: String, _ unit: TextUnit) -> Bool {
        switch atom {
        case .word(let w): key == w
        case .uppercase(let w): key == w && unit.isUppercase
        case .prefix(let w): Self.startsWith(key, w)
        }
    }

    /// All matches, at most `limit` per family.
    func matches(_ units: [TextUnit], limit: Int = 8) -> [PhraseMatch] {
        let resolved = resolve(units)
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
            let key = resolved[p].key
            func consider(_ entries: [Entry]) {
                for entry in entries {
                    // A later slot only continues a chain: with none open in the slot before it,
                    // the word's atoms need no reading. Common words ("your", "the") sit in many
                    // patterns' later slots.
                    if entry.slot > 0 {
                        guard !chains.isEmpty, chains[slotBase[entry.pattern] + entry.slot - 1].end >= 0 else { continue }
                    }
                    var ok = true
                    var techniques: Techniques = []
                    for (i, atom) in entry.atoms.enumerated() {
                        let q = p + i
                        guard q < units.count, !units[q].isBoundary || i == 0, atomMatches(atom, resolved[q].key, units[q]) else { ok = false; break }
                        techniques.formUnion(resolved[q].techniques)
                    }
                    if ok { hits.append(Hit(entry: entry, length: entry.atoms.count, techniques: techniques)) }
                }
            }
            // Entries are stored in hit order (pattern, later slot first); prefix entries come
            // from other lists, and only then do the hits need sorting.
            if let entries = byWord[key] { consider(entries) }
            var mixedSources = false
            if units[p].isWord, let h = key.utf8.first, let heads = prefixesByHead[h] {
                for (prefix, entries) in heads where Self.startsWith(key, prefix) {
                    mixedSources = mixedSources || !hits.isEmpty
                    consider(entries)
                }
            }
            guard !hits.isEmpty else { continue }
            // Later slots first, so one word never fills two slots of the same chain.
            if mixedSources { hits.sort { Self.hitOrder($0.entry, $1.entry) } }
            for hit in hits {
                let pattern = patterns[hit.entry.pattern]
                let s = slotBase[hit.entry.pattern] + hit.entry.slot
                var start = p
                var techniques = hit.techniques
                if hit.entry.slot > 0 {
                    guard !chains.isEmpty else { continue }
                    let prev = chains[s - 1]
                    let prevEnd = Int(prev.end)
                    guard prevEnd >= 0, prevEnd > lastBoundary, p >= prevEnd,
                          p - prevEnd <= pattern.gaps[hit.entry.slot - 1] else { continue }
                    start = Int(prev.start)
                    techniques.formUnion(prev.techniques)
                }
                let end = p + hit.length
                if hit.entry.slot == pattern.slots.count - 1 {
                    let family = pattern.family
                    guard (perFamily[family] ?? 0) < limit else { continue }
                    let startOffset = units[start].start
                    // Overlapping matches of one family are one finding.
                    if let e = familyEnd[family], startOffset < e { continue }
                    let endOffset = units[end - 1].end
                    let reading = resolved[start..<end].filter { $0.key != TextUnit.sentenceStart }.map(\.key).joined(separator: " ")
                    found.append(PhraseMatch(family: family, pattern: hit.entry.pattern, start: startOffset, end: endOffset,
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
