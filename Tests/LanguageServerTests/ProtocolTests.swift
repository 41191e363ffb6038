import CoreSupport
import Foundation
import Testing
@testable import LanguageServer
import LanguageServerProtocol

@Suite struct FramingTests {
    /// Writes `bytes` into a pipe (then closes it) and reads every frame back.
    func frames(_ bytes: [UInt8]) -> [FrameReader.Frame] {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let writer = Thread { [fds] in
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(fds[1], raw.baseAddress! + offset, min(7, raw.count - offset))  // tiny writes: frames split anywhere
                    if n <= 0 { break }
                    offset += n
                }
            }
            close(fds[1])
        }
        writer.start()
        let reader = FrameReader(fd: fds[0])
        var out: [FrameReader.Frame] = []
        while true {
            let f = reader.next()
            out.append(f)
            if case .end = f { break }
        }
        close(fds[0])
        return out
    }

    func describe(_ f: FrameReader.Frame) -> String {
        switch f {
        case .message(let b): "message:" + String(decoding: b, as: UTF8.self)
        case .malformed: "malformed"
        case .end(let mid): mid ? "end-mid" : "end"
        }
    }

    @Test func framesSplitAcrossReadsAndBadHeadersRecover() {
        let input = "Content-Length: 2\r\n\r\n{}" + "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 4\r\n\r\n[1,2]"
            + "\r\nbogus header\r\n\r\n" + "content-length: 3\r\n\r\nnul" + "Content-Length: 10\r\n\r\nshort"
        #expect(frames(Array(input.utf8)).map(describe) == ["message:{}", "message:[1,2", "malformed", "message:nul", "end-mid"])
    }

    @Test func anOversizedLengthIsSkippedNotAllocated() {
        let input = "Content-Length: 999999999999\r\n\r\nxyz"
        #expect(frames(Array(input.utf8)).map(describe) == ["end-mid"])
        #expect(frames(Array("".utf8)).map(describe) == ["end"])
    }

    @Test func messagesDecode() throws {
        func decode(_ s: String) -> String {
            switch Message.decode(Array(s.utf8)) {
            case .success(.request(let id, let m, _)): "request \(id) \(m)"
            case .success(.notification(let m, _)): "notification \(m)"
            case .success(.response(let id, _, _)): "response \(id.map(\.description) ?? "nil")"
            case .failure(let e): "error \(e.error.code.rawValue)"
            }
        }
        #expect(decode(#"{"jsonrpc":"2.0","id":3,"method":"shutdown"}"#) == "request 3 shutdown")
        #expect(decode(#"{"jsonrpc":"2.0","id":"a","method":"x","params":{}}"#) == #"request "a" x"#)
        #expect(decode(#"{"jsonrpc":"2.0","method":"exit"}"#) == "notification exit")
        #expect(decode(#"{"jsonrpc":"2.0","id":1,"result":null}"#) == "response 1")
        #expect(decode(#"{"jsonrpc":"2.0","id":1,"method":"x","params":3}"#) == "error -32600")
        #expect(decode(#"{"id":1,"method":"x"}"#) == "error -32600")
        #expect(decode(#"{"jsonrpc":"2.0","id":1,"method":"#) == "error -32700")
    }
}

@Suite struct PositionTests {
    @Test func utf16AndUTF8ColumnsRoundTrip() {
        let text = "a: é😀x\r\nb\n😀"
        let bytes = Array(text.utf8)
        let index = LineIndex(bytes)
        for utf8 in [false, true] {
            let converter = PositionConverter(utf8: utf8)
            for offset in 0...bytes.count where offset == bytes.count || bytes[offset] & 0xC0 != 0x80 {
                let p = converter.position(offset, index)
                let back = converter.offset(p, index)
                // The CR of a CRLF is not a position of its own: it maps to the end of its line.
                if offset < bytes.count, bytes[offset] == UInt8(ascii: "\n"), offset > 0, bytes[offset - 1] == UInt8(ascii: "\r") { continue }
                #expect(back == offset, "offset \(offset) utf8=\(utf8) → \(p)")
            }
        }
        // 😀 is two UTF-16 units and four bytes; a column inside it moves past it.
        #expect(index.offset(line: 0, character: 5, utf16: true) == Array("a: é😀".utf8).count)
        #expect(index.offset(line: 0, character: 4, utf16: true) == Array("a: é".utf8).count)
        #expect(index.offset(line: 0, character: 99, utf16: true) == Array("a: é😀x".utf8).count)
        #expect(index.offset(line: 9, character: 0, utf16: true) == bytes.count)
    }

    @Test func fileURIsRoundTrip() {
        for path in ["/tmp/a b/ü.prompt.yaml", "/x/%41#?.yaml", "/plain/path.prompt.yaml"] {
            let uri = DocumentURI.uri(forPath: path)
            #expect(uri.hasPrefix("file:///"))
            #expect(!uri.contains(" ") && !uri.contains("#"))
            #expect(DocumentURI.path(of: uri) == path)
        }
        #expect(DocumentURI.path(of: "file://localhost/etc/x") == "/etc/x")
        #expect(DocumentURI.path(of: "untitled:Untitled-1") == nil)
    }

    @Test func incrementalChangesApplyInOrder() throws {
        var doc = OpenDocument(uri: "file:///t.prompt.yaml", version: 1, bytes: Array("name: a\ntemplate: hi\n".utf8), analysisLimit: 1 << 20)
        let change = { (l1: Int, c1: Int, l2: Int, c2: Int, text: String) -> Value in
            .object(OrderedObject([
                ("range", .object(OrderedObject([
                    ("start", .object(OrderedObject([("line", .int(l1)), ("character", .int(c1))]))),
                    ("end", .object(OrderedObject([("line", .int(l2)), ("character", .int(c2))]))),
                ]))),
                ("text", .string(text)),
            ]))
        }
        try doc.apply([change(1, 10, 1, 12, "hello {{x}}"), change(0, 6, 0, 7, "b😀")], version: 2, converter: PositionConverter(utf8: false))
        #expect(String(decoding: doc.bytes, as: UTF8.self) == "name: b😀\ntemplate: hello {{x}}\n")
        #expect(doc.parsed.name == "b😀" && doc.version == 2)
    }
}
