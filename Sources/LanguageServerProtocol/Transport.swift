#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Reads LSP base-protocol frames (`Content-Length: N\r\n\r\n` + N bytes) from a file descriptor.
///
/// Written on raw `read(2)` rather than FileHandle so that a partial frame, a closed pipe and an
/// interrupted read are each handled explicitly; nothing here can trap on what a client sends.
/// Unchecked Sendable: it is handed to the reader thread once and used only there.
public final class FrameReader: @unchecked Sendable {
    public enum Frame {
        case message([UInt8])
        /// A header block that cannot be understood; the reader has skipped to the next frame.
        case malformed(String)
        /// The stream ended. `midMessage` when it ended inside a frame (a client that vanished).
        case end(midMessage: Bool)
    }

    /// Larger frames are refused (and skipped) instead of allocated: a hostile length must not
    /// exhaust memory. A 20 MB document in a didOpen is well inside this.
    public static let maximumContentLength = 256 << 20
    static let maximumHeaderBytes = 8192

    private let fd: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private var eof = false

    public init(fd: Int32) { self.fd = fd }

    private func fill() -> Bool {
        if eof { return false }
        if position > 0 && position >= buffer.count / 2 {
            buffer.removeFirst(position)
            position = 0
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer.append(contentsOf: chunk[0..<n])
                return true
            }
            if n < 0 && errno == EINTR { continue }
            eof = true
            return false
        }
    }

    /// Reads one header line (without its CRLF); nil at end of input.
    private func headerLine() -> [UInt8]? {
        var scanned = position
        while true {
            while scanned < buffer.count {
                if buffer[scanned] == UInt8(ascii: "\n") {
                    var end = scanned
                    if end > position && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                    let line = Array(buffer[position..<end])
                    position = scanned + 1
                    return line
                }
                scanned += 1
                if scanned - position > Self.maximumHeaderBytes {
                    // Not a header at all: drop what was read so far and report it.
                    let line = Array(buffer[position..<scanned])
                    position = scanned
                    return line
                }
            }
            let offset = scanned - position
            guard fill() else { return nil }
            scanned = position + offset
        }
    }

    public func next() -> Frame {
        var contentLength: Int?
        var problem: String?
        var sawHeader = false
        while true {
            guard let line = headerLine() else { return .end(midMessage: sawHeader || position < buffer.count) }
            if line.isEmpty {
                // Blank lines before any header are tolerated (some clients send a stray CRLF).
                if !sawHeader { continue }
                break
            }
            sawHeader = true
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                problem = problem ?? "malformed header line `\(Self.printable(line))`"
                continue
            }
            let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces()
            if name == "content-length" {
                guard let n = Int(value), n >= 0 else {
                    problem = problem ?? "Content-Length `\(value)` is not a non-negative integer"
                    continue
                }
                contentLength = n
            }
        }
        if let problem { return .malformed(problem) }
        guard let length = contentLength else { return .malformed("a header block without Content-Length") }
        if length > Self.maximumContentLength {
            guard skip(length) else { return .end(midMessage: true) }
            return .malformed("a \(length)-byte message is over the \(Self.maximumContentLength)-byte limit")
        }
        while buffer.count - position < length {
            guard fill() else { return .end(midMessage: true) }
        }
        let body = Array(buffer[position..<position + length])
        position += length
        return .message(body)
    }

    private func skip(_ count: Int) -> Bool {
        var remaining = count
        while remaining > 0 {
            if position == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                position = 0
                guard fill() else { return false }
            }
            let step = min(remaining, buffer.count - position)
            position += step
            remaining -= step
        }
        return true
    }

    static func printable(_ bytes: [UInt8]) -> String {
        let s = String(decoding: bytes.prefix(60), as: UTF8.self)
        return String(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) }) + (bytes.count > 60 ? "…" : "")
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// Writes frames to a file descriptor; safe to call from any thread. A write to a closed pipe
/// (the client went away) is reported through `isClosed`, never as SIGPIPE: the caller ignores
/// that signal at startup.
public final class FrameWriter: Sendable {
    private let fd: Int32
    private let closed = Mutex(false)

    public init(fd: Int32) { self.fd = fd }

    public var isClosed: Bool { closed.withLock { $0 } }

    public func write(_ body: [UInt8]) {
        var frame = Array("Content-Length: \(body.count)\r\n\r\n".utf8)
        frame.append(contentsOf: body)
        closed.withLock { isClosed in
            guard !isClosed else { return }
            var offset = 0
            while offset < frame.count {
                let n = frame.withUnsafeBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return 0 }
                    return Glibc.write(fd, base + offset, raw.count - offset)
                }
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    isClosed = true
                    return
                }
            }
        }
    }
}
