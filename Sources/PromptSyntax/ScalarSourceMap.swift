import CoreSupport
import Synchronization

/// Maps byte offsets in a scalar's decoded value back to byte offsets in the file.
///
/// The map is rebuilt from the source text for each style (plain and quoted folding, escapes in
/// double quotes, block indentation, folding and chomping) and then checked against the value
/// libyaml decoded. If the rebuilt text differs (an edge case the rebuild does not model), the map
/// degrades to pointing every offset at the scalar's start: positions may be coarse, never wrong.
public final class ScalarSourceMap: Sendable {
    public let scalarRange: TextRange
    private let node: YAMLNode
    private let bytes: [UInt8]
    /// Built on first use: most templates never need a position (only diagnostics do).
    private let built = Mutex<Mapping?>(nil)

    /// Where each value byte comes from, as segments: a run of bytes copied from the source is
    /// one segment however long it is, so a template's map is a segment per line rather than two
    /// offsets per byte (building the per-byte arrays cost more than the diagnostics needing them).
    struct Mapping: Sendable {
        let segments: [Segment]
        /// Value bytes mapped (the value's length when exact).
        let count: Int
        let isExact: Bool

        static let coarse = Mapping(segments: [], count: 0, isExact: false)

        /// The segment holding value byte `i` (`0 <= i < count`).
        private func segment(holding i: Int) -> Segment {
            var lo = 0, hi = segments.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if Int(segments[mid].valueStart) <= i { lo = mid } else { hi = mid - 1 }
            }
            return segments[lo]
        }

        /// File offset where the construct producing value byte `i` starts.
        func start(of i: Int) -> Int {
            let s = segment(holding: i)
            return s.copied ? Int(s.fileStart) + i - Int(s.valueStart) : Int(s.fileStart)
        }

        /// File offset where the construct producing value byte `i` ends.
        func end(of i: Int) -> Int {
            let s = segment(holding: i)
            return s.copied ? Int(s.fileStart) + i - Int(s.valueStart) + 1 : Int(s.fileEnd)
        }
    }

    /// Value bytes from `valueStart` up to the next segment's. Copied: the bytes are the source's
    /// `fileStart..<fileEnd`, one for one. Otherwise each byte comes from the one construct
    /// `fileStart..<fileEnd` (an escape, a folded line break).
    struct Segment: Sendable {
        var valueStart: Int32
        var fileStart: Int32
        var fileEnd: Int32
        var copied: Bool
    }

    public init(node: YAMLNode, in bytes: [UInt8]) {
        scalarRange = node.range
        self.node = node
        self.bytes = bytes
    }

    /// False when the rebuild did not reproduce libyaml's value and positions are coarse.
    public var isExact: Bool { mapping().isExact }

    /// How many segments the map holds (for tests: a copied run must stay one segment).
    var segmentCount: Int { mapping().segments.count }

    private func mapping() -> Mapping {
        built.withLock { cached in
            if let cached { return cached }
            let m = Self.build(node: node, bytes: bytes)
            cached = m
            return m
        }
    }

    private static func build(node: YAMLNode, bytes: [UInt8]) -> Mapping {
        guard let scalar = node.scalar else { return .coarse }
        let value = scalar.value
        let count = value.utf8.count
        // A value is never longer than its source (escapes and folds only shorten it).
        var rebuilt = Rebuild(capacity: node.range.end - node.range.start)
        rebuild(scalar.style, range: node.range, bytes: bytes, into: &rebuilt)
        // Block scalars are rebuilt with "keep" chomping; clip and strip only drop trailing breaks,
        // so the value must be a prefix of the rebuild.
        if startsWith(rebuilt.out, value) {
            rebuilt.removeLast(rebuilt.out.count - count)
            return Mapping(segments: rebuilt.segments, count: count, isExact: true)
        }
        if scalar.style == .literal || scalar.style == .folded,
           var alt = rebuildWithExplicitIndent(scalar.style, range: node.range, bytes: bytes, value: value) {
            alt.removeLast(alt.out.count - count)
            return Mapping(segments: alt.segments, count: count, isExact: true)
        }
        return .coarse
    }

    /// Whether `out` starts with `value`'s UTF-8, compared in place: this runs once for every
    /// scalar a diagnostic points into, over the whole scalar.
    static func startsWith(_ out: [UInt8], _ value: String) -> Bool {
        var value = value
        return value.withUTF8 { v in
            out.withUnsafeBufferPointer { o in
                guard o.count >= v.count else { return false }
                var i = 0
                while i < v.count, o[i] == v[i] { i += 1 }
                return i == v.count
            }
        }
    }

    /// File range of a range of value bytes.
    public func fileRange(_ valueRange: TextRange) -> TextRange {
        let m = mapping()
        guard m.isExact, m.count > 0 else { return TextRange(start: scalarRange.start, end: scalarRange.start) }
        let lo = min(max(0, valueRange.start), m.count)
        let start = lo < m.count ? m.start(of: lo) : m.end(of: m.count - 1)
        guard valueRange.end > valueRange.start else { return .empty(at: start) }
        let hi = min(valueRange.end, m.count)
        let end = hi > 0 ? m.end(of: hi - 1) : start
        return TextRange(start: start, end: max(start, end))
    }

    /// The value offset whose source starts at or before `fileOffset` (the inverse of
    /// `fileRange`, for completion and hover); nil when positions are coarse or the offset lies
    /// outside the scalar.
    public func valueOffset(forFileOffset fileOffset: Int) -> Int? {
        let m = mapping()
        guard m.isExact, fileOffset >= scalarRange.start, fileOffset <= scalarRange.end else { return nil }
        if m.count == 0 { return 0 }
        if fileOffset >= m.end(of: m.count - 1) { return m.count }
        var lo = 0, hi = m.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if m.start(of: mid) <= fileOffset { lo = mid } else { hi = mid - 1 }
        }
        return m.start(of: lo) < fileOffset ? lo + 1 : lo
    }

    struct Rebuild {
        var out: [UInt8] = []
        var segments: [Segment] = []
        /// Output bytes at the end that are raw whitespace (candidates for trimming at a fold).
        var trailingRawWhitespace = 0

        init(capacity: Int = 0) {
            out.reserveCapacity(capacity)
        }

        /// Source bytes `from..<to` copied as they are, each its own construct.
        mutating func emitRun(_ bytes: [UInt8], _ from: Int, _ to: Int) {
            guard from < to else { return }
            appendCopied(from, to)
            out.append(contentsOf: bytes[from..<to])
            trailingRawWhitespace = 0
        }

        mutating func emit(_ b: UInt8, _ s: Int, _ e: Int, raw: Bool = false) {
            if e == s + 1 {
                appendCopied(s, e)
            } else if let last = segments.last, !last.copied, Int(last.fileStart) == s, Int(last.fileEnd) == e {
                // Another byte of the same construct (a multi-byte escape): the segment grows.
            } else {
                segments.append(Segment(valueStart: Int32(clamping: out.count), fileStart: Int32(clamping: s), fileEnd: Int32(clamping: e), copied: false))
            }
            out.append(b)
            trailingRawWhitespace = raw && (b == 0x20 || b == 0x09) ? trailingRawWhitespace + 1 : 0
        }

        /// Value bytes about to be appended that map one for one to the source's `from..<to`;
        /// called before `out` grows.
        private mutating func appendCopied(_ from: Int, _ to: Int) {
            if let last = segments.indices.last, segments[last].copied, Int(segments[last].fileEnd) == from {
                segments[last].fileEnd = Int32(clamping: to)
            } else {
                segments.append(Segment(valueStart: Int32(clamping: out.count), fileStart: Int32(clamping: from), fileEnd: Int32(clamping: to), copied: true))
            }
        }

        mutating func trimTrailingWhitespace() {
            removeLast(trailingRawWhitespace)
            trailingRawWhitespace = 0
        }

        /// Drops the last `n` value bytes and their sources.
        mutating func removeLast(_ n: Int) {
            guard n > 0 else { return }
            out.removeLast(n)
            while let last = segments.indices.last, Int(segments[last].valueStart) >= out.count { segments.removeLast() }
            if let last = segments.indices.last, segments[last].copied {
                segments[last].fileEnd = segments[last].fileStart + Int32(clamping: out.count) - segments[last].valueStart
            }
        }
    }

    static func isBreak(_ b: UInt8) -> Bool { b == 0x0A || b == 0x0D }
    static func breakLength(_ bytes: [UInt8], _ i: Int, _ end: Int) -> Int {
        guard i < end else { return 0 }
        if bytes[i] == 0x0A { return 1 }
        if bytes[i] == 0x0D { return i + 1 < end && bytes[i + 1] == 0x0A ? 2 : 1 }
        return 0
    }

    static func rebuild(_ style: ScalarStyle, range: TextRange, bytes: [UInt8], into r: inout Rebuild) {
        let end = min(range.end, bytes.count)
        switch style {
        case .plain:
            flow(bytes, from: range.start, to: end, escapes: .none, into: &r)
        case .singleQuoted:
            flow(bytes, from: range.start + 1, to: max(range.start + 1, end - 1), escapes: .single, into: &r)
        case .doubleQuoted:
            flow(bytes, from: range.start + 1, to: max(range.start + 1, end - 1), escapes: .double, into: &r)
        case .literal, .folded:
            block(bytes, range: TextRange(start: range.start, end: end), folded: style == .folded, indent: nil, into: &r)
        }
    }

    static func rebuildWithExplicitIndent(_ style: ScalarStyle, range: TextRange, bytes: [UInt8], value: String) -> Rebuild? {
        for indent in 0...16 {
            var r = Rebuild()
            block(bytes, range: TextRange(start: range.start, end: min(range.end, bytes.count)),
                  folded: style == .folded, indent: indent, into: &r)
            if startsWith(r.out, value) { return r }
        }
        return nil
    }

    enum Escapes { case none, single, double }

    /// Plain and quoted scalars: line folding, `''` in single quotes, escapes in double quotes.
    static func flow(_ bytes: [UInt8], from: Int, to end: Int, escapes: Escapes, into r: inout Rebuild) {
        var i = from
        while i < end {
            let c = bytes[i]
            if escapes == .double, c == UInt8(ascii: "\\"), i + 1 < end {
                let n = bytes[i + 1]
                if isBreak(n) {
                    // Escaped line break: joins lines without a space; the next line's indentation goes.
                    r.trailingRawWhitespace = 0
                    i += 1 + breakLength(bytes, i + 1, end)
                    while i < end, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
                    continue
                }
                let (decoded, length) = decodeEscape(bytes, at: i, end: end)
                for b in decoded { r.emit(b, i, i + length) }
                i += length
                continue
            }
            if escapes == .single, c == UInt8(ascii: "'"), i + 1 < end, bytes[i + 1] == UInt8(ascii: "'") {
                r.emit(c, i, i + 2)
                i += 2
                continue
            }
            if isBreak(c) {
                r.trimTrailingWhitespace()
                let breakStart = i
                i += breakLength(bytes, i, end)
                var blankBreaks: [Int] = []
                while true {
                    var j = i
                    while j < end, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
                    if j < end, isBreak(bytes[j]) {
                        blankBreaks.append(j)
                        i = j + breakLength(bytes, j, end)
                    } else {
                        i = j
                        break
                    }
                }
                if blankBreaks.isEmpty {
                    r.emit(0x20, breakStart, breakStart + 1)
                } else {
                    for b in blankBreaks { r.emit(0x0A, b, b + 1) }
                }
                continue
            }
            r.emit(c, i, i + 1, raw: true)
            i += 1
        }
    }

    static func decodeEscape(_ bytes: [UInt8], at i: Int, end: Int) -> ([UInt8], Int) {
        let n = bytes[i + 1]
        func hex(_ count: Int) -> ([UInt8], Int) {
            guard i + 2 + count <= end,
                  let v = UInt32(String(decoding: bytes[(i + 2)..<(i + 2 + count)], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(v) else { return ([n], 2) }
            return (Array(String(Character(scalar)).utf8), 2 + count)
        }
        switch n {
        case UInt8(ascii: "0"): return ([0], 2)
        case UInt8(ascii: "a"): return ([0x07], 2)
        case UInt8(ascii: "b"): return ([0x08], 2)
        case UInt8(ascii: "t"), 0x09: return ([0x09], 2)
        case UInt8(ascii: "n"): return ([0x0A], 2)
        case UInt8(ascii: "v"): return ([0x0B], 2)
        case UInt8(ascii: "f"): return ([0x0C], 2)
        case UInt8(ascii: "r"): return ([0x0D], 2)
        case UInt8(ascii: "e"): return ([0x1B], 2)
        case UInt8(ascii: " "): return ([0x20], 2)
        case UInt8(ascii: "\""): return ([0x22], 2)
        case UInt8(ascii: "/"): return ([0x2F], 2)
        case UInt8(ascii: "\\"): return ([0x5C], 2)
        case UInt8(ascii: "N"): return ([0xC2, 0x85], 2)
        case UInt8(ascii: "_"): return ([0xC2, 0xA0], 2)
        case UInt8(ascii: "L"): return ([0xE2, 0x80, 0xA8], 2)
        case UInt8(ascii: "P"): return ([0xE2, 0x80, 0xA9], 2)
        case UInt8(ascii: "x"): return hex(2)
        case UInt8(ascii: "u"): return hex(4)
        case UInt8(ascii: "U"): return hex(8)
        default: return ([n], 2)
        }
    }

    /// Literal and folded block scalars, rebuilt with "keep" chomping.
    static func block(_ bytes: [UInt8], range: TextRange, folded: Bool, indent explicit: Int?, into r: inout Rebuild) {
        let end = range.end
        // Skip the header line (`|-2 # comment`).
        var i = range.start
        while i < end, !isBreak(bytes[i]) { i += 1 }
        i += breakLength(bytes, i, end)
        struct Line { let start: Int; let contentStart: Int; let end: Int; let breakEnd: Int; let empty: Bool; let moreIndented: Bool }
        var raw: [(start: Int, end: Int, breakEnd: Int)] = []
        // Every byte of the scalar passes here, so the search for line ends reads without
        // bounds checks, and a byte above CR (nearly all) is one comparison.
        bytes.withUnsafeBufferPointer { u in
            while i < end {
                let s = i
                while i < end, u[i] > 0x0D || !isBreak(u[i]) { i += 1 }
                let e = i
                i += breakLength(bytes, i, end)
                raw.append((s, e, i))
            }
        }
        // Auto-detected indentation: leading spaces of the first non-blank line.
        var indent = explicit ?? 0
        if explicit == nil {
            for l in raw {
                var k = l.start
                while k < l.end, bytes[k] == 0x20 { k += 1 }
                if k < l.end { indent = k - l.start; break }
            }
        }
        var lines: [Line] = []
        lines.reserveCapacity(raw.count)
        for l in raw {
            var k = l.start
            while k < l.end, k - l.start < indent, bytes[k] == 0x20 { k += 1 }
            // Blank (spaces only, no deeper than the indentation) lines are empty; deeper ones are content.
            let isEmpty = (l.start..<l.end).allSatisfy { bytes[$0] == 0x20 } && l.end - l.start <= indent
            let more = !isEmpty && k < l.end && (bytes[k] == 0x20 || bytes[k] == 0x09)
            lines.append(Line(start: l.start, contentStart: k, end: l.end, breakEnd: l.breakEnd, empty: isEmpty, moreIndented: more))
        }
        func emitContent(_ l: Line) { r.emitRun(bytes, l.contentStart, l.end) }
        if !folded {
            for l in lines {
                if !l.empty { emitContent(l) }
                if l.breakEnd > l.end { r.emit(0x0A, l.end, l.breakEnd) }
            }
            return
        }
        var previous: Line?
        var pendingBreaks: [Line] = []  // lines whose break has not been emitted yet
        for l in lines {
            if l.empty {
                pendingBreaks.append(l)
                continue
            }
            if let p = previous {
                // pendingBreaks[0] is the previous content line's own break.
                let breaks = pendingBreaks[...]
                let foldable = !p.moreIndented && !l.moreIndented
                if foldable, breaks.count == 1 {
                    r.emit(0x20, breaks[0].end, breaks[0].breakEnd)
                } else {
                    for (n, b) in breaks.enumerated() where !(foldable && n == 0) {
                        r.emit(0x0A, b.end, b.breakEnd)
                    }
                }
            } else {
                for b in pendingBreaks { r.emit(0x0A, b.end, b.breakEnd) }
            }
            pendingBreaks.removeAll(keepingCapacity: true)
            emitContent(l)
            previous = l
            pendingBreaks.append(l)
        }
        for b in pendingBreaks where b.breakEnd > b.end { r.emit(0x0A, b.end, b.breakEnd) }
    }
}
