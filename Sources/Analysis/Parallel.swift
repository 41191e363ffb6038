import Dispatch

/// Maps over items on all cores, keeping order. Work is split into a few chunks per core, so
/// thousands of small files cost a handful of dispatches rather than one each.
public enum Parallel {
    public static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        let n = items.count
        guard n > 1 else { return items.map(transform) }
        let results = ResultSlots<R>(count: n)
        let chunks = min(n, ProcessInfoLite.activeProcessorCount * 4)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var i = chunk
            while i < n {
                results.set(i, transform(items[i]))
                i += chunks
            }
        }
        return results.values()
    }
}

/// Preallocated slots written at distinct indices from different threads, read after all writes.
private final class ResultSlots<R>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<R?>
    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }
    deinit {
        buffer.baseAddress?.deinitialize(count: buffer.count)
        buffer.deallocate()
    }
    func set(_ i: Int, _ value: R) { buffer[i] = value }
    func values() -> [R] { buffer.compactMap { $0 } }
}

enum ProcessInfoLite {
    static var activeProcessorCount: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 2
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
