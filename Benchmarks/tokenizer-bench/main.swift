// Tokenizer parity driver and benchmarks. Driven by scripts/tokenizer/parity.py and
// scripts/tokenizer/bench.py, which run tiktoken on the same inputs in the same run; see
// docs/benchmarks.md. Build in release mode: swift build -c release --product promptkit-tokenizer-bench
//
//   encode ENCODING CASES.jsonl        one {"b64": …} per line in; one JSON array of ids per line out
//   count ENCODING FILE [REPEAT]       counting throughput over FILE (best of REPEAT runs), in MB/s
//   load                               time to load each encoding, resident memory after
//   incremental ENCODING FILE EDITS    per-keystroke cost of IncrementalTokenCounter on FILE
import Dispatch
import Foundation
import Tokenizer

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

func encoding(_ name: String) -> Encoding {
    guard let n = Encoding.Name(rawValue: name) else { fail("unknown encoding \(name)") }
    return Encoding.named(n)
}

func residentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
    return kb / 1024
}

let args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else { fail("usage: see the header of Benchmarks/tokenizer-bench/main.swift") }

switch command {
case "encode":
    guard args.count == 3, let input = FileManager.default.contents(atPath: args[2]) else { fail("encode ENCODING CASES.jsonl") }
    let enc = encoding(args[1])
    var out = Data()
    for line in input.split(separator: UInt8(ascii: "\n")) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
              let b64 = object["b64"] as? String, let bytes = Data(base64Encoded: b64) else { fail("bad case line") }
        let ids = enc.encodeOrdinary(bytes: [UInt8](bytes))
        out.append(Data(("[" + ids.map(String.init).joined(separator: ",") + "]\n").utf8))
    }
    FileHandle.standardOutput.write(out)

case "count":
    guard args.count >= 3, let data = FileManager.default.contents(atPath: args[2]) else { fail("count ENCODING FILE [REPEAT]") }
    let enc = encoding(args[1])
    let text = String(decoding: data, as: UTF8.self)
    let repeats = args.count > 3 ? Int(args[3]) ?? 5 : 5
    var best = Double.infinity
    var tokens = 0
    for _ in 0..<repeats {
        let t0 = now()
        tokens = enc.count(text)
        best = min(best, now() - t0)
    }
    print("{\"tokens\": \(tokens), \"seconds\": \(best), \"mb_per_s\": \(Double(data.count) / 1e6 / best)}")

case "load":
    let before = residentMegabytes()
    var results: [String] = []
    for name in Encoding.Name.allCases {
        let t0 = now()
        let enc = Encoding.named(name)
        let seconds = now() - t0
        _ = enc.count("warm")
        results.append("\"\(name.rawValue)\": {\"load_ms\": \(seconds * 1000), \"rss_mb_after\": \(residentMegabytes())}")
    }
    print("{\"rss_mb_before\": \(before), " + results.joined(separator: ", ") + "}")

case "incremental":
    guard args.count == 4, let data = FileManager.default.contents(atPath: args[2]), let edits = Int(args[3]) else {
        fail("incremental ENCODING FILE EDITS")
    }
    let enc = encoding(args[1])
    let text = String(decoding: data, as: UTF8.self)
    let t0 = now()
    let counter = IncrementalTokenCounter(encoding: enc, text: text)
    let initial = now() - t0
    // Type a sentence into the middle of the document, one character per edit, then delete it.
    let typed = Array("Please answer briefly, citing the retrieved documents where possible. ".utf8)
    var offset = counter.utf8Count / 2
    while offset > 0, (counter.byte(at: offset) & 0xC0) == 0x80 { offset -= 1 }
    var times: [Double] = []
    for k in 0..<edits {
        let ch = typed[k % typed.count]
        let t = now()
        counter.replace(utf8Range: offset..<offset, with: String(UnicodeScalar(ch)))
        times.append(now() - t)
        offset += 1
    }
    let full = now()
    let expected = enc.count(counter.text)
    let fullSeconds = now() - full
    guard expected == counter.tokenCount else { fail("incremental count \(counter.tokenCount) != full count \(expected)") }
    times.sort()
    print("{\"initial_ms\": \(initial * 1000), \"full_recount_ms\": \(fullSeconds * 1000), \"edit_median_us\": \(times[times.count / 2] * 1e6), \"edit_p99_us\": \(times[times.count * 99 / 100] * 1e6), \"edits\": \(edits)}")

default:
    fail("unknown command \(command)")
}
