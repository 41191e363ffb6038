/// Byte-pair merging of one piece, the same two algorithms as tiktoken 0.14's `byte_pair_encode`
/// (src/lib.rs), switched at the same 100-byte threshold: both repeatedly merge the adjacent pair
/// whose concatenation has the lowest rank, leftmost first. Keeping tiktoken's exact procedure
/// (rather than a different algorithm proven equivalent) makes identical ids a matter of
/// construction; the parity harness checks it.
extension Vocabulary {
    /// Calls `emit` with each token of the piece `p[0..<length]`, in order.
    @inline(__always)
    func encodePiece(_ p: UnsafePointer<UInt8>, _ length: Int, _ emit: (UInt32) -> Void) {
        if length == 1 { emit(byteRanks[Int(p[0])]); return }
        let whole = rank(p, length)
        if whole != .max { emit(whole); return }
        if length >= Self.chunkedThreshold {
            mergeChunked(p, length, emit)
        } else {
            merge(p, length, emit)
        }
    }

    /// The merge procedure alone, without the whole-piece lookup (tiktoken's `byte_pair_encode`
    /// minus its caller's shortcut).
    @inline(__always)
    private func merge(_ p: UnsafePointer<UInt8>, _ length: Int, _ emit: (UInt32) -> Void) {
        if length < 100 {
            mergeSmall(p, length, emit)
        } else {
            mergeLarge(p, length, emit)
        }
    }

    static let chunkedThreshold = 100
    static let chunkLength = 128

    /// Long pieces (a megabyte of one letter, of spaces, base64 without line breaks) in linear
    /// time. A heap over the whole piece is O(n log n) with a cache miss per level; instead the
    /// piece is merged in 256-byte chunks, each chunk joined to what came before where that
    /// provably changes nothing.
    ///
    /// Why joining is exact: call tokens t1, t2 *compatible* when merging the bytes of t1 + t2
    /// yields exactly [t1, t2]. For vocabularies built by BPE training (cl100k_base and o200k_base
    /// are), a token sequence in which every adjacent pair is compatible is the BPE encoding of
    /// its bytes (GitHub's `bpe` crate, "Corollary IIa/IIb" in its README, which also checks it
    /// against tiktoken on both vocabularies). Pairs inside one merge's output are compatible, so
    /// each new chunk is merged together with the last token before it (the window), and the
    /// window's first token is checked against the token before the window. When the check fails
    /// the window reaches back one more token. The parity harness covers pieces up to 64 KB.
    private func mergeChunked(_ p: UnsafePointer<UInt8>, _ n: Int, _ emit: (UInt32) -> Void) {
        var tokens: [UInt32] = []
        var starts: [Int] = []
        var window: [UInt32] = []
        // A run of one repeated character (spaces, "=====", newlines) produces the same window
        // bytes over and over once the last token stops growing; reuse the previous merge then.
        var previousWindow: (start: Int, length: Int) = (0, 0)
        var previousCheck: (a: UInt32, b: UInt32, result: Bool) = (.max, .max, false)
        func isCompatible(_ a: UInt32, _ b: UInt32) -> Bool {
            if previousCheck.a != a || previousCheck.b != b { previousCheck = (a, b, compatible(a, b)) }
            return previousCheck.result
        }
        tokens.reserveCapacity(n / 3)
        starts.reserveCapacity(n / 3)
        var end = 0
        while end < n {
            let chunkEnd = min(end + Self.chunkLength, n)
            var k = tokens.count - 1  // the window starts at token k (the whole text when k < 0)
            while true {
                let windowStart = k >= 0 ? starts[k] : 0
                let windowLength = chunkEnd - windowStart
                if windowLength != previousWindow.length || previousWindow.start == windowStart
                    || !Self.equal(p + windowStart, p + previousWindow.start, windowLength) {
                    window.removeAll(keepingCapacity: true)
                    merge(p + windowStart, windowLength) { window.append($0) }
                    previousWindow = (windowStart, windowLength)
                }
                if k <= 0 || window.isEmpty || isCompatible(tokens[k - 1], window[0]) {
                    let keep = max(k, 0)
                    tokens.removeSubrange(keep...)
                    starts.removeSubrange(keep...)
                    var offset = windowStart
                    for id in window {
                        tokens.append(id)
                        starts.append(offset)
                        offset += tokenBytes(Int(id)).count
                    }
                    break
                }
                k -= 1
            }
            end = chunkEnd
        }
        for id in tokens { emit(id) }
    }

    /// Whether merging the bytes of `a` followed by `b` yields exactly [a, b].
    private func compatible(_ a: UInt32, _ b: UInt32) -> Bool {
        let first = tokenBytes(Int(a))
        let second = tokenBytes(Int(b))
        let total = first.count + second.count
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: total) { buffer in
            guard let base = buffer.baseAddress, let firstBase = first.baseAddress, let secondBase = second.baseAddress else {
                return false
            }
            base.initialize(from: firstBase, count: first.count)
            (base + first.count).initialize(from: secondBase, count: second.count)
            var index = 0
            var matches = true
            merge(UnsafePointer(base), total) { id in
                if index == 0 { matches = matches && id == a } else if index == 1 { matches = matches && id == b } else { matches = false }
                index += 1
            }
            return matches && index == 2
        }
    }

    private struct Part {
        var start: Int32
        /// Rank of this part merged with the next one, or max.
        var pairRank: UInt32
        /// Rank of this part itself.
        var tokenRank: UInt32
    }

    /// tiktoken's `_byte_pair_merge`: O(n·m) over a small array, which beats a heap for short pieces.
    private func mergeSmall(_ p: UnsafePointer<UInt8>, _ n: Int, _ emit: (UInt32) -> Void) {
        withUnsafeTemporaryAllocation(of: Part.self, capacity: n + 1) { parts in
            for i in 0..<n {
                let pair = i + 1 < n ? rank(p + i, 2) : .max
                parts[i] = Part(start: Int32(i), pairRank: pair, tokenRank: byteRanks[Int(p[i])])
            }
            parts[n] = Part(start: Int32(n), pairRank: .max, tokenRank: .max)
            var count = n + 1
            while true {
                var minRank = UInt32.max
                var minIndex = -1
                for i in 0..<(count - 1) where parts[i].pairRank < minRank {
                    minRank = parts[i].pairRank
                    minIndex = i
                }
                if minIndex < 0 { break }
                let i = minIndex
                parts[i].tokenRank = minRank
                // Drop parts[i + 1]: it is now inside parts[i].
                var k = i + 1
                while k + 1 < count {
                    parts[k] = parts[k + 1]
                    k += 1
                }
                count -= 1
                parts[i].pairRank = pairRank(p, parts, i, count)
                if i > 0 { parts[i - 1].pairRank = pairRank(p, parts, i - 1, count) }
            }
            for i in 0..<(count - 1) { emit(parts[i].tokenRank) }
        }
    }

    @inline(__always)
    private func pairRank(_ p: UnsafePointer<UInt8>, _ parts: UnsafeMutableBufferPointer<Part>, _ i: Int, _ count: Int) -> UInt32 {
        guard i + 2 < count else { return .max }
        let start = Int(parts[i].start)
        return rank(p + start, Int(parts[i + 2].start) - start)
    }

    private struct MergeState {
        var prev: Int32
        var end: Int32
        var nextEnd: Int32
        var nextRank: UInt32
        var currentRank: UInt32
    }

    /// tiktoken's `_byte_pair_merge_large`: a heap of candidate merges keyed by (rank, start),
    /// with stale entries skipped when popped. O(n log n).
    private func mergeLarge(_ p: UnsafePointer<UInt8>, _ n: Int, _ emit: (UInt32) -> Void) {
        let state = UnsafeMutablePointer<MergeState>.allocate(capacity: n)
        defer { state.deallocate() }
        var heap = MinHeap(capacity: n)
        defer { heap.deallocate() }
        state[0] = MergeState(prev: -1, end: 1, nextEnd: 2, nextRank: .max, currentRank: .max)
        for i in 0..<(n - 1) {
            let r = rank(p + i, 2)
            if r != .max {
                heap.push(UInt64(r) << 32 | UInt64(i))
                state[i].nextRank = r
            }
            state[i + 1] = MergeState(prev: Int32(i), end: Int32(i + 2), nextEnd: Int32(i + 3), nextRank: .max, currentRank: .max)
        }

        @inline(__always) func potentialMerge(_ start: Int, _ nextEnd: Int) {
            state[start].nextEnd = Int32(nextEnd)
            state[start].nextRank = .max
            if nextEnd <= n {
                let r = rank(p + start, nextEnd - start)
                if r != .max {
                    heap.push(UInt64(r) << 32 | UInt64(start))
                    state[start].nextRank = r
                }
            }
        }

        while let top = heap.pop() {
            let r = UInt32(truncatingIfNeeded: top >> 32)
            let leftStart = Int(truncatingIfNeeded: top & 0xFFFF_FFFF)
            if r != state[leftStart].nextRank { continue }  // invalidated since it was pushed
            let rightStart = Int(state[leftStart].end)
            let rightEnd = Int(state[leftStart].nextEnd)
            let rightNextEnd = Int(state[rightStart].nextEnd)
            state[leftStart].currentRank = r
            state[leftStart].end = Int32(rightEnd)
            potentialMerge(leftStart, rightNextEnd)
            if rightEnd < n { state[rightEnd].prev = Int32(leftStart) }
            if leftStart > 0 { potentialMerge(Int(state[leftStart].prev), rightEnd) }
            state[rightStart].nextRank = .max
        }

        var i = 0
        while i < n {
            let current = state[i].currentRank
            emit(current != .max ? current : byteRanks[Int(p[i])])
            i = Int(state[i].end)
        }
    }
}

/// A binary min-heap of UInt64 keys in manually managed storage (no copy-on-write checks in the
/// merge loop).
struct MinHeap {
    private var storage: UnsafeMutablePointer<UInt64>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 16)
        storage = .allocate(capacity: self.capacity)
    }

    func deallocate() { storage.deallocate() }

    @inline(__always)
    mutating func push(_ key: UInt64) {
        if count == capacity {
            let bigger = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: storage, count: count)
            storage.deallocate()
            storage = bigger
            capacity *= 2
        }
        var i = count
        count += 1
        while i > 0 {
            let parent = (i - 1) >> 1
            let parentKey = storage[parent]
            if parentKey <= key { break }
            storage[i] = parentKey
            i = parent
        }
        storage[i] = key
    }

    @inline(__always)
    mutating func pop() -> UInt64? {
        guard count > 0 else { return nil }
        let top = storage[0]
        count -= 1
        if count == 0 { return top }
        let key = storage[count]
        var i = 0
        while true {
            var child = 2 * i + 1
            if child >= count { break }
            if child + 1 < count && storage[child + 1] < storage[child] { child += 1 }
            if storage[child] >= key { break }
            storage[i] = storage[child]
            i = child
        }
        storage[i] = key
        return top
    }
}
