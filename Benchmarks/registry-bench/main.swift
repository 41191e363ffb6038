// Registry benchmark (issue 6). Run in release mode:
//
//   swift build -c release --product promptkit-registry-bench && .build/release/promptkit-registry-bench [--versions 10000] [--resolves 100000]
//
// In one process, on a fresh SQLite file in a temporary folder:
//   1. publishes N versions of one prompt through `Registry.publish` (one transaction each:
//      existence check, insert, audit event), and promotes a few to production;
//   2. resolves the name 100,000 times for production (label), development (highest semver
//      precedence among N versions) and staging (latest version with a passing test record);
//   3. the reference: the same number of bare GRDB point reads (`SELECT version FROM
//      prompt_version WHERE id = ?`) on the same database and pool, so the ratio shows what the
//      registry's rules cost above SQLite itself.
// Results go to stdout; docs/benchmarks.md records them.
import Analysis
import CoreSupport
import Foundation
import GRDB
import Registry

func option(_ name: String, default value: Int) -> Int {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let n = Int(args[i + 1]), n > 0 else { return value }
    return n
}
let versions = option("--versions", default: 10_000)
let resolves = option("--resolves", default: 100_000)

func nanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func percentiles(_ samples: [UInt64]) -> String {
    let s = samples.sorted()
    func p(_ q: Double) -> Double { Double(s[min(s.count - 1, Int(Double(s.count) * q))]) / 1000 }
    let mean = Double(s.reduce(0, +)) / Double(s.count) / 1000
    return String(format: "mean %.1f µs  p50 %.1f µs  p99 %.1f µs  p99.9 %.1f µs  max %.1f µs", mean, p(0.5), p(0.99), p(0.999), Double(s.last ?? 0) / 1000)
}

let folder = NSTemporaryDirectory() + "promptkit-registry-bench-" + UUID().uuidString
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }
let path = folder + "/registry.sqlite"
let registry = Registry(store: try SQLiteRegistryStore(path: path))

// 1. Publish.
let body = String(repeating: "Classify the ticket by area and urgency, then draft a reply. ", count: 30)
var publishTimes: [UInt64] = []
publishTimes.reserveCapacity(versions)
let publishStart = nanos()
for i in 0..<versions {
    // Versions spread over majors, minors and pre-releases so precedence ordering is exercised.
    let version = "\(i / 1000).\(i % 1000 / 10).\(i % 10)" + (i % 7 == 0 ? "-rc.\(i % 3)" : "")
    let source = "name: support/triage\nversion: \(version)\nmodel: gpt-4o\ntemplate: \(body) \(i)\n"
    let bytes = Array(source.utf8)
    let v = PromptVersion(name: "support/triage", version: version, contentHash: SHA256.hex(bytes), content: bytes, model: "gpt-4o",
                          variables: .array([]), tokenCount: 400, tokenEncoding: "o200k_base",
                          rendered: .array([.object(OrderedObject([("role", .string("user")), ("content", .string(body))]))]),
                          sample: nil, author: "bench", publishedAt: registry.now())
    let t = nanos()
    _ = try registry.publish(v)
    publishTimes.append(nanos() - t)
    if i % 1000 == 500 {
        _ = try registry.promote(name: "support/triage", version: version, to: "production", actor: "bench", reason: nil)
        _ = try registry.recordTest(name: "support/triage", version: version, passed: 10, total: 10, source: "bench", actor: "bench")
    }
}
let publishSeconds = Double(nanos() - publishStart) / 1e9
print("publish: \(versions) versions in \(String(format: "%.2f", publishSeconds)) s (\(Int(Double(versions) / publishSeconds)) per second)")
print("  per publish: \(percentiles(publishTimes))")
let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
print("  database: \(size / 1024) KB (plus WAL)")

// 2. Resolve.
func measure(_ label: String, _ body: () throws -> Void) rethrows -> [UInt64] {
    let resolves = option("--resolves", default: 100_000)
    for _ in 0..<1000 { try body() }  // warm the statement cache and the page cache
    var samples: [UInt64] = []
    samples.reserveCapacity(resolves)
    for _ in 0..<resolves {
        let t = nanos()
        try body()
        samples.append(nanos() - t)
    }
    print("\(label): \(percentiles(samples))")
    return samples
}

var sink = 0
let production = try measure("resolve production (label)") {
    sink &+= try registry.resolve(name: "support/triage", environment: "production").version.content.count
}
let development = try measure("resolve development (latest of \(versions))") {
    sink &+= try registry.resolve(name: "support/triage", environment: "development").version.content.count
}
let staging = try measure("resolve staging (latest passing)") {
    sink &+= try registry.resolve(name: "support/triage", environment: "staging").version.content.count
}

// 3. Reference: bare point reads through GRDB on the same file.
let pool = try DatabasePool(path: path)
let reference = try measure("reference: GRDB point read") {
    let id = Int64.random(in: 1...Int64(versions))
    sink &+= try pool.read { db in try String.fetchOne(db.cachedStatement(sql: "SELECT version FROM prompt_version WHERE id = ?"), arguments: [id])?.count ?? 0 }
}
func p99(_ s: [UInt64]) -> Double { Double(s.sorted()[Int(Double(s.count) * 0.99)]) }
print(String(format: "p99 ratio to the reference: production %.2f×, development %.2f×, staging %.2f×",
             p99(production) / p99(reference), p99(development) / p99(reference), p99(staging) / p99(reference)))
print("target: resolve p99 < 1000 µs — \(max(p99(production), p99(development), p99(staging)) < 1_000_000 ? "met" : "NOT met")")
if sink == 42 { print("") }  // keep the work observable
