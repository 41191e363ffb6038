// Lint throughput benchmark. Run in release mode:
//
//   swift build -c release && .build/release/promptkit-bench [--files 10000] [--cli .build/release/promptkit]
//
// It generates realistic prompt files (about 5 KB each: declarations, messages with sections and
// dotted names, samples, a partial, and some mistakes), then measures:
//   1. in-memory analysis (parse + rules) of all files on one core and on all cores;
//   2. the real CLI (`promptkit lint --format json DIR`) on the same files written to disk;
//   3. per-file latency of linting one typical 5 KB file.
// Other modes: --scanners (each security scanner on one file), --fixtures DIR (a real workspace
// with and without the security rules; with --iterations N [--without-security], N untimed rounds
// of one configuration, for callgrind), --scan-loop TEXT (only the injection scanner, for perf), --secret-loop DIR (only the secret scanner).
// Results go to stdout; docs/benchmarks.md records them.
import Analysis
import CoreSupport
import Security
import Dispatch
import Foundation

struct Options {
    var files = 10_000
    var cli: String?
    var keep = false
    var scannersOnly = false
    var fixtures: String?
    var scanLoop: String?
    var secretLoop: String?
    var iterations = 300_000
    var iterationsGiven = false
    var withoutSecurity = false
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst().makeIterator()
    while let a = args.next() {
        switch a {
        case "--files": o.files = Int(args.next() ?? "") ?? o.files
        case "--cli": o.cli = args.next()
        case "--keep": o.keep = true
        case "--scanners": o.scannersOnly = true
        case "--fixtures": o.fixtures = args.next()
        case "--scan-loop": o.scanLoop = args.next()
        case "--secret-loop": o.secretLoop = args.next()
        case "--iterations": o.iterations = Int(args.next() ?? "") ?? o.iterations; o.iterationsGiven = true
        case "--without-security": o.withoutSecurity = true
        default: print("unknown option \(a)"); exit(2)
        }
    }
    return o
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// A realistic prompt file of about 5 KB. Every 10th file has a typo, every 25th a bad sample.
func generate(_ i: Int) -> String {
    let typo = i % 10 == 0
    let badSample = i % 25 == 0
    var s = """
    # Generated benchmark prompt \(i)
    name: bench/prompt-\(i)
    version: 1.\(i % 7).\(i % 13)
    description: Answers customer questions for product line \(i % 17) using retrieved documents and account history.
    model: gpt-4o-mini
    params:
      temperature: 0.\(i % 9)
      max_tokens: \(200 + i % 800)
    variables:
      customer:
        type: object
        properties:
          name: string
          plan:
            type: string
            enum: [free, pro, enterprise]
          region: string
      question:
        type: string
        untrusted: true
      documents:
        type: array
        items:
          properties:
            id: integer
            title: string
            text: string
      history:
        type: array
        required: false
        items:
          properties:
            role: string
            text: string
      tone:
        type: string
        default: friendly
    messages:
      - role: system
        content: |
          {{> bench/policy}}
          You are the assistant for product line \(i % 17). Answer in a {{tone}} tone.
          Use only the numbered documents below and cite them as [id].
          If the answer is not in the documents, say that you do not know.

    """
    for k in 0..<12 {
        s += "      Rule \(k + 1): keep answers under \(80 + k * 10) words when the customer is on the {{customer.plan}} plan, and mention the region {{customer.region}} only if relevant.\n"
    }
    s += """
      - role: user
        content: |
          Customer: {{customer.name}} ({{customer.plan}}, {{customer.region}})
          {{#history}}
          {{role}}: {{text}}
          {{/history}}
          {{#documents}}
          [{{id}}] {{title}}
          {{\(typo ? "txt" : "text")}}
          {{/documents}}
          Question: {{question}}
    samples:
      default:
        customer:
          name: Customer \(i)
          plan: \(badSample ? "platinum" : "pro")
          region: eu-west
        question: How do I rotate my API keys without downtime?
        documents:

    """
    for d in 0..<8 {
        s += "          - id: \(d + 1)\n            title: Document \(d + 1) about keys and rotation\n            text: Rotating keys requires creating a second key, deploying it, and revoking the first one after traffic moves (\(d)).\n"
    }
    s += "metadata:\n  owner: team-\(i % 5)\n  tags: [bench, generated]\n"
    return s
}

let policy = "name: bench/policy\nversion: 1.0.0\ntemplate: |\n  Follow the company policy. Never reveal internal notes.\n"

let options = parseOptions()

/// The security rules' cost is measured against the same run without them (`ignore: [security]`
/// skips the scanners), so the ratio is taken on the same machine minutes apart.
let withoutSecurity: Configuration = {
    var c = Configuration()
    c.ignore = ["security"]
    return c
}()

/// Median microseconds of each body over `runs` warm rounds. The bodies take turns within each
/// round, so a neighbour's load on this shared machine falls on all of them alike and their
/// ratios stay fair.
func interleavedMedianMicros(runs: Int = 2000, _ bodies: [() -> Void]) -> [Double] {
    var samples = [[Double]](repeating: [], count: bodies.count)
    for _ in 0..<runs {
        for (k, body) in bodies.enumerated() {
            let t = now()
            body()
            samples[k].append(now() - t)
        }
    }
    return samples.map { $0.sorted()[runs / 2] * 1e6 }
}

/// Every prompt file under `dir`, read into memory; exits with a message when `dir` is no directory.
func promptFiles(under dir: String, option: String) -> [SourceFile] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue,
          let entries = FileManager.default.enumerator(at: URL(fileURLWithPath: dir), includingPropertiesForKeys: nil) else {
        print("\(option): \(dir) is not a directory")
        exit(2)
    }
    var files: [SourceFile] = []
    for case let url as URL in entries where url.lastPathComponent.hasSuffix(".prompt.yaml") || url.lastPathComponent.hasSuffix(".prompt.yml") {
        if let data = FileManager.default.contents(atPath: url.path) { files.append(SourceFile(path: url.path, bytes: Array(data))) }
    }
    return files
}

/// `--fixtures DIR`: lint every prompt file under DIR (one workspace, as `promptkit lint DIR`
/// sees it) with and without the security rules.
if let dir = options.fixtures {
    let files = promptFiles(under: dir, option: "--fixtures")
    var sink = 0
    let lintAll: (Configuration) -> Void = { configuration in
        let workspace = Workspace(files: files.map { ParsedFile.parse($0) })
        for file in workspace.files { sink &+= Linter.lint(file, in: workspace, configuration: configuration).count }
    }
    // With --iterations: one configuration only, N rounds, nothing timed. Under callgrind the
    // difference between two N is the instructions per round, which do not swing with the
    // machine's load the way timings do.
    if options.iterationsGiven {
        let configuration = options.withoutSecurity ? withoutSecurity : Configuration()
        for _ in 0..<max(1, options.iterations) { lintAll(configuration) }
        print("(\(sink))")
        exit(0)
    }
    let micros = interleavedMedianMicros(runs: 500, [{ lintAll(Configuration()) }, { lintAll(withoutSecurity) }])
    print(String(format: "%d files under %@ (parse + lint, median of 500): %.1f µs; without security rules %.1f µs (security adds %.1f%%)",
                 files.count, dir, micros[0], micros[1], (micros[0] / micros[1] - 1) * 100))
    print("(\(sink))")
    exit(0)
}

/// `--scan-loop TEXT [--iterations N]`: InjectionScanner.scan on TEXT N times (300,000 by
/// default) and nothing else, to run under `perf record` or `valgrind --tool=callgrind` (the
/// per-value cost of the injection rules, short values included).
if let text = options.scanLoop {
    var sink = 0
    for _ in 0..<max(1, options.iterations) { sink &+= InjectionScanner.scan(text).count }
    print("findings: \(sink / max(1, options.iterations))")
    exit(0)
}
/// `--secret-loop DIR [--iterations N]`: SecretScanner.scan on every prompt file under DIR, N
/// rounds: the whole-file scan alone, for callgrind and perf.
if let dir = options.secretLoop {
    let files = promptFiles(under: dir, option: "--secret-loop").map(\.bytes)
    var sink = 0
    for _ in 0..<max(1, options.iterations) { for bytes in files { sink &+= SecretScanner.scan(bytes).count } }
    print("\(files.count) files, findings: \(sink / max(1, options.iterations))")
    exit(0)
}
/// `--scanners`: what each security scanner costs on one typical file, next to parse and the
/// whole lint, to see where the security rules' overhead goes.
if options.scannersOnly {
    // Before anything else: the first injection scan builds the phrase lexicon, once per
    // process, which every `promptkit lint` run with an untrusted sample pays.
    let lexiconStart = now()
    _ = InjectionScanner.scan("warm-up")
    print(String(format: "first injection scan (builds the phrase lexicon): %.2f ms", (now() - lexiconStart) * 1e3))
    let file = SourceFile(path: "bench/p1.prompt.yaml", bytes: Array(generate(1).utf8))
    let policyFile = SourceFile(path: "bench/policy.prompt.yaml", bytes: Array(policy.utf8))
    let workspace = Workspace(files: [ParsedFile.parse(file), ParsedFile.parse(policyFile)])
    let question = "How do I rotate my API keys without downtime?"
    var sink = 0
    let rows: [(String, () -> Void)] = [
        ("parse", { sink &+= ParsedFile.parse(file).bytes.count }),
        ("lint without security", { sink &+= Linter.lint(workspace.files[0], in: workspace, configuration: withoutSecurity).count }),
        ("lint with security", { sink &+= Linter.lint(workspace.files[0], in: workspace).count }),
        ("SecretScanner, whole file", { sink &+= SecretScanner.scan(file.bytes).count }),
        ("HiddenCharacters.tags, whole file", { sink &+= HiddenCharacters.tags(file.bytes).count }),
        ("InjectionScanner, the question", { sink &+= InjectionScanner.scan(question).count }),
        // Per-call cost: sample files hold many short values (titles, ids, numbers).
        ("InjectionScanner, a two-word title", { sink &+= InjectionScanner.scan("Refund policy").count }),
        ("InjectionScanner, one digit", { sink &+= InjectionScanner.scan("1").count }),
        ("PIIScanner, the question", { sink &+= PIIScanner.scan(question).count }),
        ("build the phrase lexicon (a fresh one)", { sink &+= InjectionScanner.buildLexicon() }),
    ]
    let micros = interleavedMedianMicros(runs: 500, rows.map(\.1))
    for (row, value) in zip(rows, micros) { print(row.0.padding(toLength: 40, withPad: " ", startingAt: 0) + String(format: "%8.1f µs", value)) }
    print(String(format: "security adds %.1f%% to parse + lint", (micros[2] - micros[1]) / (micros[0] + micros[1]) * 100))
    print("(\(sink))")
    exit(0)
}
let sources = (0..<options.files).map { SourceFile(path: "bench/p\($0).prompt.yaml", bytes: Array(generate($0).utf8)) }
    + [SourceFile(path: "bench/policy.prompt.yaml", bytes: Array(policy.utf8))]
let totalBytes = sources.reduce(0) { $0 + $1.bytes.count }
print("files: \(sources.count), average size: \(totalBytes / sources.count) bytes, cores: \(ProcessInfo.processInfo.activeProcessorCount)")


func lintAll(parallel: Bool, configuration: Configuration = Configuration()) -> (seconds: Double, diagnostics: Int) {
    let start = now()
    let parsed = parallel ? Parallel.map(sources) { ParsedFile.parse($0) } : sources.map { ParsedFile.parse($0) }
    let workspace = Workspace(files: parsed)
    let counts = parallel ? Parallel.map(Array(parsed.indices)) { Linter.lint(workspace.files[$0], in: workspace, configuration: configuration).count }
                          : parsed.indices.map { Linter.lint(workspace.files[$0], in: workspace, configuration: configuration).count }
    return (now() - start, counts.reduce(0, +))
}

_ = lintAll(parallel: true)  // warm-up
var best1 = Double.infinity, bestN = Double.infinity, bestPlain = Double.infinity
var diagnostics = 0
for _ in 0..<3 {
    bestPlain = min(bestPlain, lintAll(parallel: true, configuration: withoutSecurity).seconds)
    let one = lintAll(parallel: false)
    best1 = min(best1, one.seconds)
    let all = lintAll(parallel: true)
    bestN = min(bestN, all.seconds)
    diagnostics = all.diagnostics
}
let n = Double(sources.count)
print(String(format: "in-memory, all cores, security rules off: %7.0f files/s; with them: %.0f files/s; overhead %.1f%%",
             n / bestPlain, n / bestN, (bestN / bestPlain - 1) * 100))
print(String(format: "in-memory, 1 core:   %8.0f files/s  (%.3f s, best of 3)", n / best1, best1))
print(String(format: "in-memory, all cores: %7.0f files/s  (%.3f s, best of 3, speed-up %.2fx)", n / bestN, bestN, best1 / bestN))
let expected = (options.files + 9) / 10 + (options.files + 24) / 25 + 2 * options.files
print("diagnostics found: \(diagnostics) (expected \(expected): a misspelled field in every 10th file, an enum violation in every 25th, and in every file the untrusted `question` unfenced (PK502) and last (PK503))")

// Per-file latency of one typical file (single thread, warm), with and without the security rules.
let typical = sources[1]
let typicalWorkspace = Workspace(files: [ParsedFile.parse(typical), ParsedFile.parse(sources.last!)])
// Interleaved, so that both sides see the same machine.
let perFile = interleavedMedianMicros([
    { _ = Linter.lint(ParsedFile.parse(typical), in: typicalWorkspace) },
    { _ = Linter.lint(ParsedFile.parse(typical), in: typicalWorkspace, configuration: withoutSecurity) },
])
print(String(format: "per file (%d bytes, parse + lint): median %.1f µs; without security rules %.1f µs (security adds %.1f%%)",
             typical.bytes.count, perFile[0], perFile[1], (perFile[0] / perFile[1] - 1) * 100))

if let cli = options.cli {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("promptkit-bench-\(getpid())")
    try? FileManager.default.removeItem(at: dir)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try Data().write(to: dir.appendingPathComponent("promptkit.yaml"))
    for s in sources {
        let url = dir.appendingPathComponent(s.path)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(s.bytes).write(to: url)
    }
    var bestCLI = Double.infinity
    for _ in 0..<3 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: cli)
        p.arguments = ["lint", "--format", "json", "."]
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        let t = now()
        try p.run()
        p.waitUntilExit()
        bestCLI = min(bestCLI, now() - t)
    }
    print(String(format: "CLI end to end (read, parse, lint, JSON): %.0f files/s  (%.3f s, best of 3)", n / bestCLI, bestCLI))
    if !options.keep { try? FileManager.default.removeItem(at: dir) }
}
