#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Credentials written into prompt files: provider API keys, private-key blocks, passwords in
/// URLs, and high-entropy values assigned to key/secret/token/password names. One linear pass
/// over the bytes; every finding's evidence is masked (a few characters kept) so that lint
/// output, SARIF files and CI logs never carry the secret.
public enum SecretScanner {
    struct Provider {
        let prefix: String
        let name: String
        let minimumRest: Int
        let charset: Charset
        var exactLength: Int? = nil
        var prefixBytes: [UInt8] { Array(prefix.utf8) }
    }

    /// Providers by the first byte of their prefix, prefixes as bytes: checked for every token.
    static let providerPrefixes: [[UInt8]] = providers.map(\.prefixBytes)
    /// Indices into `providers` by the first byte of the prefix (256 slots, no hashing).
    static let providersByFirstByte: [[Int]] = {
        var out = [[Int]](repeating: [], count: 256)
        for (i, p) in providerPrefixes.enumerated() { out[Int(p[0])].append(i) }
        return out
    }()

    enum Charset { case alnum, alnumDash, alnumDashDot, alnumUnderscore, upperAlnum, hex, alpha }

    /// Prefixes as the providers document them (and as gitleaks' and GitHub secret scanning's
    /// rules know them). Longer prefixes first: `sk-ant-` before `sk-`.
    static let providers: [Provider] = [
        Provider(prefix: "sk-ant-", name: "Anthropic API key", minimumRest: 32, charset: .alnumDash),
        Provider(prefix: "sk-proj-", name: "OpenAI project API key", minimumRest: 32, charset: .alnumDash),
        Provider(prefix: "sk-svcacct-", name: "OpenAI service-account key", minimumRest: 32, charset: .alnumDash),
        Provider(prefix: "sk-admin-", name: "OpenAI admin key", minimumRest: 32, charset: .alnumDash),
        Provider(prefix: "sk-None-", name: "OpenAI API key", minimumRest: 32, charset: .alnumDash),
        Provider(prefix: "sk-or-v1-", name: "OpenRouter API key", minimumRest: 48, charset: .hex),
        Provider(prefix: "sk-", name: "OpenAI API key", minimumRest: 32, charset: .alnum),
        Provider(prefix: "sk_live_", name: "Stripe secret key", minimumRest: 16, charset: .alnum),
        Provider(prefix: "rk_live_", name: "Stripe restricted key", minimumRest: 16, charset: .alnum),
        Provider(prefix: "sk_test_", name: "Stripe test secret key", minimumRest: 16, charset: .alnum),
        Provider(prefix: "rk_test_", name: "Stripe test restricted key", minimumRest: 16, charset: .alnum),
        Provider(prefix: "whsec_", name: "Stripe webhook secret", minimumRest: 24, charset: .alnum),
        Provider(prefix: "github_pat_", name: "GitHub fine-grained token", minimumRest: 22, charset: .alnumUnderscore),
        Provider(prefix: "ghp_", name: "GitHub personal access token", minimumRest: 36, charset: .alnum),
        Provider(prefix: "gho_", name: "GitHub OAuth token", minimumRest: 36, charset: .alnum),
        Provider(prefix: "ghu_", name: "GitHub user-to-server token", minimumRest: 36, charset: .alnum),
        Provider(prefix: "ghs_", name: "GitHub server-to-server token", minimumRest: 36, charset: .alnum),
        Provider(prefix: "ghr_", name: "GitHub refresh token", minimumRest: 36, charset: .alnum),
        Provider(prefix: "glpat-", name: "GitLab personal access token", minimumRest: 20, charset: .alnumDash),
        Provider(prefix: "gldt-", name: "GitLab deploy token", minimumRest: 20, charset: .alnumDash),
        Provider(prefix: "AIza", name: "Google API key", minimumRest: 35, charset: .alnumDash, exactLength: 39),
        Provider(prefix: "ya29.", name: "Google OAuth access token", minimumRest: 30, charset: .alnumDash),
        Provider(prefix: "xoxb-", name: "Slack bot token", minimumRest: 20, charset: .alnumDash),
        Provider(prefix: "xoxp-", name: "Slack user token", minimumRest: 20, charset: .alnumDash),
        Provider(prefix: "xoxa-", name: "Slack app token", minimumRest: 20, charset: .alnumDash),
        Provider(prefix: "xoxr-", name: "Slack refresh token", minimumRest: 20, charset: .alnumDash),
        Provider(prefix: "xoxs-", name: "Slack session token", minimumRest: 20, charset: .alnumDash),
        Provider(prefix: "xoxe-", name: "Slack token", minimumRest: 20, charset: .alnumDash),
        Provider(prefix: "xoxe.xoxp-", name: "Slack token", minimumRest: 20, charset: .alnumDash),
        Provider(prefix: "xapp-", name: "Slack app-level token", minimumRest: 20, charset: .alnumDash),
        Provider(prefix: "hf_", name: "Hugging Face token", minimumRest: 30, charset: .alpha),
        Provider(prefix: "npm_", name: "npm access token", minimumRest: 36, charset: .alnum),
        Provider(prefix: "pypi-AgEIcHlwaS5vcmc", name: "PyPI API token", minimumRest: 50, charset: .alnumDash),
        Provider(prefix: "gsk_", name: "Groq API key", minimumRest: 40, charset: .alnum),
        Provider(prefix: "xai-", name: "xAI API key", minimumRest: 60, charset: .alnum),
        Provider(prefix: "pplx-", name: "Perplexity API key", minimumRest: 40, charset: .alnum),
        Provider(prefix: "r8_", name: "Replicate API token", minimumRest: 30, charset: .alnum),
        Provider(prefix: "nvapi-", name: "NVIDIA API key", minimumRest: 40, charset: .alnumDash),
        Provider(prefix: "dop_v1_", name: "DigitalOcean token", minimumRest: 64, charset: .hex),
        Provider(prefix: "shpat_", name: "Shopify access token", minimumRest: 32, charset: .hex),
        Provider(prefix: "shpss_", name: "Shopify shared secret", minimumRest: 32, charset: .hex),
        Provider(prefix: "lin_api_", name: "Linear API key", minimumRest: 32, charset: .alnum),
        Provider(prefix: "sbp_", name: "Supabase token", minimumRest: 40, charset: .hex),
        Provider(prefix: "tvly-", name: "Tavily API key", minimumRest: 24, charset: .alnumDash),
        Provider(prefix: "dapi", name: "Databricks token", minimumRest: 32, charset: .hex),
        Provider(prefix: "glc_", name: "Grafana Cloud token", minimumRest: 32, charset: .alnumDash),
        Provider(prefix: "sq0atp-", name: "Square access token", minimumRest: 22, charset: .alnumDash),
        Provider(prefix: "sq0csp-", name: "Square OAuth secret", minimumRest: 40, charset: .alnumDash),
        Provider(prefix: "SG.", name: "SendGrid API key", minimumRest: 60, charset: .alnumDashDot),
    ]
    static let awsKeyPrefixes: Set<String> = ["AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA"]

    public static func scan(_ text: String) -> [SecurityFinding] { scan(Array(text.utf8)) }

    /// Shortest provider key: an AWS key id (20 characters) or a prefix plus its shortest rest;
    /// JWTs are longer still (36). Shorter words, nearly every word of prose, skip the table.
    static let shortestProviderKey = providers.map { $0.prefix.utf8.count + $0.minimumRest }.reduce(20, min)
    /// Shortest value `assignedSecret` looks at.
    static let shortestAssignedValue = 8
    /// Shortest value other than a password that `assignedSecret` reports (hex values need 32).
    static let shortestAssignedNonPassword = 20

    public static func scan(_ b: [UInt8]) -> [SecurityFinding] { scan(b, blockwise: true) }

    /// `blockwise: false` reads every byte one at a time, and `checkEveryRun: true` runs the
    /// checks per token on every run of `shortestRun` bytes: the plain scan, which the test
    /// `secretScanShortcutsFindTheSame` compares with the default one.
    static func scan(_ b: [UInt8], blockwise: Bool, checkEveryRun: Bool = false) -> [SecurityFinding] {
        // The scan visits every byte of every prompt file on each lint. Every finding but a
        // URL's password starts inside a run of at least `shortestRun` token and dot bytes
        // (keys, JWTs, assigned values, "-----BEGIN"), and most runs in prose are shorter
        // words. So eight bytes at a time it only looks for the spaces between stretches; the
        // few stretches long enough to hold a finding are read byte by byte (below), and the
        // checks per token run only on their long runs that may hold one and at `://`. Within
        // a long run they visit the same positions the byte-by-byte scan did, so findings are
        // the same.
        // Globals are read once: each read of a static goes through its lazy initialiser's check.
        let shortestProviderKey = Self.shortestProviderKey, shortestAssignedValue = Self.shortestAssignedValue
        let shortestRun = Self.shortestRun, shortestKeyRun = Self.shortestKeyRun
        return byteClass.withUnsafeBufferPointer { byteClass in
            runMaskTable.withUnsafeBufferPointer { runMask in
                b.withUnsafeBufferPointer { u in
                    var out: [SecurityFinding] = []
                    var covered = 0  // findings never overlap: scanning resumes after each
                    let n = u.count

                    /// The checks per token at `i..<runEnd`, a run of token and dot bytes; returns where
                    /// scanning resumes (past the run, or past a finding that reaches beyond it).
                    func scanRun(from start: Int, to runEnd: Int) -> Int {
                        var i = start
                        while i < runEnd {
                            let c = u[i]
                            guard byteClass[Int(c)] & starter != 0 else { i += 1; continue }
                            if c == UInt8(ascii: "-"), let f = privateKey(b, i) {
                                out.append(f); i = f.end; covered = f.end; continue
                            }
                            guard i == 0 || byteClass[Int(u[i - 1])] & word == 0 else { i += 1; continue }
                            // Provider keys and JWTs: letters, digits, `_`, `-` (and the dots of a JWT).
                            var w = i
                            while w < n, byteClass[Int(u[w])] & word != 0 { w += 1 }
                            var j = w
                            while j < n, byteClass[Int(u[j])] & (word | dot) != 0 { j += 1 }
                            while j > i, u[j - 1] == UInt8(ascii: ".") { j -= 1 }
                            if j - i >= shortestProviderKey, let f = providerKey(b, i, j) ?? jwt(b, i, j) {
                                out.append(f); i = f.end; covered = f.end; continue
                            }
                            // Generic secrets may use the whole base64 alphabet.
                            // Capped so that "token=token=token=…" stays linear: no generic secret is
                            // longer, and private keys and JWTs are read by their own scanners.
                            var k = min(w, i + 256)  // word bytes are token bytes: no need to read them again
                            while k < n, k - i < 256, byteClass[Int(u[k])] & token != 0 { k += 1 }
                            if k - i >= shortestAssignedValue {
                                if k - i == awsSecretLength, let f = awsSecret(b, i, k) {
                                    out.append(f); i = f.end; covered = f.end; continue
                                }
                                if let f = assignedSecret(b, i, k) {
                                    out.append(f); i = f.end; covered = f.end; continue
                                }
                            }
                            i = max(w, i + 1)
                        }
                        return i
                    }

                    var p = 0
                    var run = 0  // token and dot bytes ending before `p`

                    /// The run reached `shortestRun` at `r`: the checks per token over the whole run.
                    func longRun(reachedAt r: Int) {
                        var runEnd = r + 1
                        while runEnd < n, byteClass[Int(u[runEnd])] & (token | dot) != 0 { runEnd += 1 }
                        let start = r + 1 - shortestRun
                        p = !checkEveryRun && runEnd - start < shortestKeyRun && !mayHoldPassword(u, start, runEnd) ? runEnd : scanRun(from: start, to: runEnd)
                        run = 0
                    }

                    /// One byte at a time from `p` until `limit` (or past it, after a finding), or
                    /// until a byte at or below a space when `toSpace` (a byte no run or URL holds).
                    func bytewise(until limit: Int, toSpace: Bool = false) {
                        while p < limit {
                            let c = u[p]
                            if toSpace, c <= 0x20 { return }
                            // Masked, not branched on (the compiler turns a conditional into a branch)
                            // and not multiplied: `run` carries from byte to byte, and an AND adds one
                            // cycle to that chain where a multiply adds three.
                            run = (run &+ 1) & Int(Int8(bitPattern: runMask[Int(c)]))
                            if run == shortestRun { longRun(reachedAt: p); continue }
                            if c == UInt8(ascii: ":"), p + 2 < n, u[p + 1] == UInt8(ascii: "/"), u[p + 2] == UInt8(ascii: "/"),
                               let f = urlCredentials(b, p, after: covered) {
                                out.append(f); p = f.end; covered = f.end; run = 0
                                continue
                            }
                            p += 1
                        }
                    }

                    // Eight bytes at a time, looking only for spaces, newlines and control bytes
                    // (four operations per word): every finding lies in a stretch without them.
                    // A run of `shortestRun` token bytes is such a stretch, and so is a URL with a
                    // password, `s://u:p@h` at least, which is longer than `shortestRun`. Only
                    // stretches that long are read byte by byte, from their first byte, where
                    // no run is open; most words of prose are shorter.
                    if blockwise, shortestRun <= 9, let base = u.baseAddress {
                        let raw = UnsafeRawPointer(base)
                        var stretch = 0  // bytes above 0x20 ending before `p`
                        while p + 8 <= n {
                            let word = Self.loadWord(raw, at: p)
                            let spaces = Self.spacesAndControls(word)
                            let firstSpace = spaces.trailingZeroBitCount / 8  // 8 when none
                            if stretch + firstSpace >= shortestRun {
                                let start = p - stretch
                                // Most such stretches are single words of prose, too short for a key:
                                // find where the stretch ends and pass over it whole when it cannot
                                // hold a password, a private-key header or a URL either.
                                if !checkEveryRun, let end = Self.endOfShortStretch(raw, from: p, firstSpace: firstSpace, start: start, count: n),
                                   !Self.shortStretchMayHoldFinding(u, raw, start, end) {
                                    p = end
                                    stretch = 0
                                    continue
                                }
                                p = start
                                run = 0
                                bytewise(until: n, toSpace: true)
                                stretch = 0
                                continue
                            }
                            stretch = spaces == 0 ? stretch + 8 : spaces.leadingZeroBitCount / 8
                            p += 8
                        }
                        p -= stretch
                        run = 0
                    }
                    bytewise(until: n)
                    return out
                }
            }
        }
    }

    /// The high bit of each byte of an eight-byte word that is at most 0x20 (space, newline,
    /// tab, other controls). Adding 0x5F to a byte's low seven bits sets its high bit from 0x21
    /// up, and never carries into the next byte; bytes from 0x80 count as not spaces.
    @inline(__always)
    static func spacesAndControls(_ x: UInt64) -> UInt64 {
        let high: UInt64 = 0x8080_8080_8080_8080
        return ~(((x & ~high) &+ 0x5F5F_5F5F_5F5F_5F5F) | x) & high
    }

    /// Where the stretch from `start` ends (its first byte at or below a space), given that the
    /// word at `p` has its first such byte at `firstSpace` (8 when it has none). Nil, and the
    /// stretch is read byte by byte, when it is `shortestKeyRun` bytes or longer, runs past the
    /// next word or the text, or ends within the text's first nine bytes (the words that
    /// `shortStretchMayHoldFinding` reads start up to nine bytes before the end).
    @inline(__always)
    static func endOfShortStretch(_ raw: UnsafeRawPointer, from p: Int, firstSpace: Int, start: Int, count n: Int) -> Int? {
        var end = p + firstSpace
        if firstSpace == 8 {
            // The stretch goes on past this word: it is short only if the next word ends it.
            guard p + 16 <= n else { return nil }
            let next = spacesAndControls(loadWord(raw, at: p + 8))
            guard next != 0 else { return nil }
            end = p + 8 + next.trailingZeroBitCount / 8
        }
        return end - start < shortestKeyRun && end >= 9 ? end : nil
    }

    /// Whether the stretch `start..<end` (bytes above a space, fewer than `shortestKeyRun`, so
    /// every run in it is short) may hold a finding. Its runs of token bytes are too short for
    /// a key, so only the checks that `mayHoldPassword` lets through can find anything: a
    /// password where `followsAssignment` holds, or a `-----BEGIN ` header ending at the
    /// stretch's end; and a URL's password needs `://`. Inside a stretch (no spaces) a run
    /// follows an assignment only right after `:`, `=`, `>` or a quote, so a stretch without
    /// those bytes before its last (after which no run of the stretch starts), whose first
    /// run follows no assignment and with no `-----BEGIN` end holds no finding. Three
    /// overlapping words cover the bytes from `start` (or the space before it) to `end - 1`.
    @inline(__always)
    static func shortStretchMayHoldFinding(_ u: UnsafeBufferPointer<UInt8>, _ raw: UnsafeRawPointer, _ start: Int, _ end: Int) -> Bool {
        let last = end - 9
        let marks = assignmentsAndQuotes(loadWord(raw, at: min(start, last))) | assignmentsAndQuotes(loadWord(raw, at: min(start + 8, last)))
            | assignmentsAndQuotes(loadWord(raw, at: last))
        if marks != 0 { return true }
        return mayEndWithBeginHeader(u, start, end) || followsAssignment(u, start)
    }

    /// The high bit of each byte of an eight-byte word in `"#$%&'`, `:;<=>` or a backquote:
    /// what may come before a value (`:`, `=`, `>`, quotes), with neighbours that are as rare
    /// in prose and cheaper to test as a range. Ranges are tested on the low seven bits, where
    /// adding never carries into the next byte; bytes from 0x80 are left out.
    @inline(__always)
    static func assignmentsAndQuotes(_ x: UInt64) -> UInt64 {
        let high: UInt64 = 0x8080_8080_8080_8080, low = ~high
        let y = x & low
        func atLeast(_ c: UInt64) -> UInt64 { (y &+ (0x80 - c) &* 0x0101_0101_0101_0101) }
        let quotes = atLeast(0x22) & ~atLeast(0x28)
        let colons = atLeast(0x3A) & ~atLeast(0x3F)
        let t = y ^ 0x6060_6060_6060_6060
        let backquotes = ~((t &+ low) | t)
        return (quotes | colons | backquotes) & ~x & high
    }

    /// Runs shorter than this hold no provider key, JWT, AWS secret or unnamed assigned
    /// secret: only a password (`shortestAssignedValue` and up) or a private-key header. Most
    /// words of eight letters or more are such runs.
    static let shortestKeyRun = min(shortestProviderKey, shortestAssignedNonPassword, awsSecretLength)

    /// Whether the run `start..<end`, shorter than `shortestKeyRun`, may hold a finding: a
    /// password starts where `followsAssignment` holds (at the run's start, or after a `=`
    /// inside it, as the bytes before any other position are run bytes), and a private-key
    /// header `-----BEGIN ` ends the run at its space. Anything else in it is passed over
    /// without the checks per token (which find nothing there), so findings stay the same.
    @inline(__always)
    static func mayHoldPassword(_ u: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        if followsAssignment(u, start) || mayEndWithBeginHeader(u, start, end) { return true }
        // `=` anywhere in the run, eight bytes at a time (the run holds at least eight).
        guard let base = u.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        var at = start
        while true {
            let word = Self.loadWord(raw, at: min(at, end - 8))
            if hasByte(word, 0x3D) { return true }
            at += 8
            if at >= end { return false }
        }
    }

    /// Whether `-----BEGIN` (`begin` without its space) may end `start..<end`, a run or a
    /// stretch with a space after it: its tenth-last byte is `-`. One shorter than the header
    /// has its first byte tested instead, which sends a few more to the checks per token and
    /// saves a branch on the length. (The length is a literal: statics cost a check per read.)
    @inline(__always)
    static func mayEndWithBeginHeader(_ u: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        u[max(end - 10, start)] == UInt8(ascii: "-")
    }

    /// Eight bytes at `offset`, the first in the lowest byte.
    @inline(__always)
    static func loadWord(_ raw: UnsafeRawPointer, at offset: Int) -> UInt64 {
        UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Whether any byte of an eight-byte word equals `byte`: a zero byte after XOR, found
    /// without carries between bytes.
    @inline(__always)
    static func hasByte(_ x: UInt64, _ byte: UInt8) -> Bool {
        let high: UInt64 = 0x8080_8080_8080_8080
        let t = x ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return ~(((t & ~high) &+ ~high) | t) & high != 0
    }

    /// The shortest run of token and dot bytes a finding other than a URL's password needs:
    /// an assigned value, a provider key, or `-----BEGIN`.
    static let shortestRun = min(shortestAssignedValue, shortestProviderKey, begin.count - 1)

    // Byte classes for the scan loop: `word` = letters, digits, `_`, `-`; `token` adds the
    // base64 alphabet's `+`, `/`, `=`; `starter` = what may begin a token (word, `+`, `/`).
    static let word: UInt8 = 1, token: UInt8 = 2, dot: UInt8 = 4, starter: UInt8 = 8
    /// All bits set for token and dot bytes, none for the rest: what a run is made of.
    static let runMaskTable: [UInt8] = byteClass.map { $0 & (token | dot) != 0 ? 0xFF : 0 }
    static let byteClass: [UInt8] = (0..<256).map { value in
        let c = UInt8(value)
        var cls: UInt8 = 0
        if ASCII.isWordByte(c) { cls |= word | starter }
        if isTokenByte(c) { cls |= token }
        if c == UInt8(ascii: "+") || c == UInt8(ascii: "/") { cls |= starter }
        if c == UInt8(ascii: ".") { cls |= dot }
        return cls
    }

    static func isTokenByte(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
            || c == UInt8(ascii: "+") || c == UInt8(ascii: "/") || c == UInt8(ascii: "=")
    }

    static func lineStart(_ b: [UInt8], _ i: Int) -> Int {
        var k = i
        while k > 0, b[k - 1] != 0x0A, i - k < 200 { k -= 1 }
        return k
    }

    static func inCharset(_ c: UInt8, _ set: Charset) -> Bool {
        let alnum = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
        switch set {
        case .alnum: return alnum
        case .alnumDash: return alnum || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
        case .alnumDashDot: return alnum || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
        case .alnumUnderscore: return alnum || c == UInt8(ascii: "_")
        case .upperAlnum: return (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39)
        case .hex: return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
        case .alpha: return (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
        }
    }

    static func providerKey(_ b: [UInt8], _ lo: Int, _ hi: Int) -> SecurityFinding? {
        // AWS access key ids: exactly 20 uppercase letters and digits.
        if hi - lo == 20, b[lo] == UInt8(ascii: "A"), awsKeyPrefixes.contains(String(decoding: b[lo..<(lo + 4)], as: UTF8.self)),
           b[lo..<hi].allSatisfy({ inCharset($0, .upperAlnum) }), !ByteSearch.hasPrefix(b, at: hi - 7, Self.example) {
            return SecurityFinding(kind: .apiKey, start: lo, end: hi, evidence: mask(b, lo, hi, keep: 4), detail: "AWS access key ID")
        }
        guard lo < hi else { return nil }
        for index in providersByFirstByte[Int(b[lo])] {
            let prefix = providerPrefixes[index]
            guard lo + prefix.count <= hi, b[lo..<(lo + prefix.count)].elementsEqual(prefix) else { continue }
            let p = providers[index]
            let restStart = lo + prefix.count
            var j = restStart
            while j < hi, inCharset(b[j], p.charset) { j += 1 }
            let rest = j - restStart
            guard rest >= p.minimumRest else { continue }
            if let exact = p.exactLength, j - lo != exact { continue }
            let body = Array(b[restStart..<j])
            // A real key is random: letters and digits mixed, no long runs. "sk-my-placeholder-key"
            // and "sk-xxxxxxxx…" are not keys.
            guard looksRandom(body, needsDigits: p.charset != .alpha) else { continue }
            return SecurityFinding(kind: .apiKey, start: lo, end: j, evidence: mask(b, lo, j, keep: p.prefix.utf8.count), detail: p.name)
        }
        return nil
    }

    /// Mixed letters and digits, several distinct characters, no character repeated 6 times in a row.
    static func looksRandom(_ body: [UInt8], needsDigits: Bool = true) -> Bool {
        var digits = 0, letters = 0, run = 1, maxRun = 1
        var seen = Set<UInt8>()
        for (k, c) in body.enumerated() {
            if c >= 0x30 && c <= 0x39 { digits += 1 } else if (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) { letters += 1 }
            seen.insert(c)
            if k > 0, body[k - 1] == c { run += 1; maxRun = max(maxRun, run) } else { run = 1 }
        }
        return (digits > 0 || !needsDigits) && letters > 0 && seen.count >= min(12, body.count / 2) && maxRun < 6
    }

    static func jwt(_ b: [UInt8], _ lo: Int, _ hi: Int) -> SecurityFinding? {
        guard hi - lo >= 36, b[lo] == UInt8(ascii: "e"), b[lo + 1] == UInt8(ascii: "y"), b[lo + 2] == UInt8(ascii: "J") else { return nil }
        var parts = 0, len = 0, minLen = Int.max
        for k in lo..<hi {
            if b[k] == UInt8(ascii: ".") { parts += 1; minLen = min(minLen, len); len = 0 } else { len += 1 }
        }
        minLen = min(minLen, len)
        guard parts == 2, minLen >= 10 else { return nil }
        return SecurityFinding(kind: .apiKey, start: lo, end: hi, evidence: mask(b, lo, hi, keep: 6), detail: "JSON Web Token")
    }

    static let awsSecretLength = 40
    /// 40 characters of base64 alphabet on a line that names AWS or a secret access key.
    static func awsSecret(_ b: [UInt8], _ lo: Int, _ hi: Int) -> SecurityFinding? {
        guard hi - lo == awsSecretLength, b[lo..<hi].allSatisfy({ inCharset($0, .alnum) || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "+") }) else { return nil }
        let line = String(decoding: b[lineStart(b, lo)..<lo], as: UTF8.self).lowercased()
        guard line.contains("aws") || line.contains("secret_access") || line.contains("secretaccess") || line.contains("secret access") else { return nil }
        guard entropy(b[lo..<hi]) >= 4.0, looksRandom(Array(b[lo..<hi])) else { return nil }
        return SecurityFinding(kind: .apiKey, start: lo, end: hi, evidence: mask(b, lo, hi, keep: 4), detail: "AWS secret access key")
    }

    // Checked at every `-` of the file: kept as bytes, not built per call.
    static let begin = Array("-----BEGIN ".utf8), dashes = Array("-----".utf8), example = Array("EXAMPLE".utf8)

    /// `-----BEGIN … PRIVATE KEY-----` through its END line (or the header alone when cut off).
    static func privateKey(_ b: [UInt8], _ i: Int) -> SecurityFinding? {
        guard ByteSearch.hasPrefix(b, at: i, Self.begin) else { return nil }
        var j = i + 11
        while j < b.count, j - i < 80, b[j] != 0x0A, !ByteSearch.hasPrefix(b, at: j, Self.dashes) { j += 1 }
        guard ByteSearch.hasPrefix(b, at: j, Self.dashes) else { return nil }
        let label = String(decoding: b[(i + 11)..<j], as: UTF8.self)
        guard label.hasSuffix("PRIVATE KEY") || label.hasSuffix("PRIVATE KEY BLOCK") else { return nil }
        let headerEnd = j + 5
        var end = headerEnd
        let endMarker = Array("-----END \(label)-----".utf8)
        if let at = ByteSearch.find(endMarker, in: b, from: headerEnd), at - headerEnd < 20_000 { end = at + endMarker.count }
        let body = b[headerEnd..<min(end, b.count)].filter { !($0 == 0x0A || $0 == 0x0D || $0 == 0x20) }.count
        return SecurityFinding(kind: .privateKey, start: i, end: end,
                               evidence: "-----BEGIN \(label)----- (\(max(0, body - (end > headerEnd ? endMarker.count : 0))) characters of key material)",
                               detail: label)
    }

    static let placeholderPasswords: Set<String> = ["password", "pass", "passwd", "pwd", "secret", "xxx", "xxxx", "xxxxxx", "changeme", "your_password",
                                                    "yourpassword", "mypassword", "my_password", "pw", "p", "passw0rd", "redacted", "hidden", "token", "example"]

    /// `scheme://user:password@host`.
    static func urlCredentials(_ b: [UInt8], _ colon: Int, after covered: Int) -> SecurityFinding? {
        var s = colon
        while s > max(covered, colon - 20), (b[s - 1] >= 0x61 && b[s - 1] <= 0x7A) || (b[s - 1] >= 0x41 && b[s - 1] <= 0x5A) || (b[s - 1] >= 0x30 && b[s - 1] <= 0x39) || b[s - 1] == UInt8(ascii: "+") || b[s - 1] == UInt8(ascii: ".") || b[s - 1] == UInt8(ascii: "-") { s -= 1 }
        guard s < colon else { return nil }
        let userStart = colon + 3
        var k = userStart
        var passColon = -1
        while k < b.count, k - userStart < 256 {
            let c = b[k]
            if c == UInt8(ascii: "@") { break }
            if c == UInt8(ascii: "/") || c == UInt8(ascii: "?") || c == UInt8(ascii: "#") || c <= 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") { return nil }
            if c == UInt8(ascii: ":"), passColon < 0 { passColon = k }
            k += 1
        }
        guard k < b.count, b[k] == UInt8(ascii: "@"), passColon > userStart, k > passColon + 1 else { return nil }
        let password = String(decoding: b[(passColon + 1)..<k], as: UTF8.self)
        if isPlaceholder(password) { return nil }
        // The host must follow.
        guard k + 1 < b.count, (b[k + 1] >= 0x61 && b[k + 1] <= 0x7A) || (b[k + 1] >= 0x41 && b[k + 1] <= 0x5A) || (b[k + 1] >= 0x30 && b[k + 1] <= 0x39) else { return nil }
        var hostEnd = k + 1
        while hostEnd < b.count, b[hostEnd] > 0x20, b[hostEnd] != UInt8(ascii: "/"), b[hostEnd] != UInt8(ascii: "\""), b[hostEnd] != UInt8(ascii: "'"), hostEnd - k < 256 { hostEnd += 1 }
        let user = String(decoding: b[userStart..<passColon], as: UTF8.self)
        let host = String(decoding: b[(k + 1)..<hostEnd], as: UTF8.self)
        let scheme = String(decoding: b[s..<colon], as: UTF8.self)
        return SecurityFinding(kind: .credentialsInURL, start: s, end: k, evidence: "\(scheme)://\(user):\(maskString(password))@\(host)",
                               detail: "a password in a \(scheme) URL")
    }

    static func isPlaceholder(_ value: String) -> Bool {
        let v = value.lowercased()
        if placeholderPasswords.contains(v) { return true }
        if v.contains("{{") || v.contains("${") || v.hasPrefix("$") || v.hasPrefix("<") || v.hasPrefix("%") || v.hasPrefix("[") || v.hasPrefix("{") { return true }
        if let first = v.first, v.allSatisfy({ $0 == first }) { return true }  // ****, xxxx
        if v.hasPrefix("your") || v.hasPrefix("my-") || v.hasPrefix("my_") || v.hasSuffix("_here") || v.hasSuffix("-here") || v.contains("placeholder") || v.contains("example") || v.contains("redacted") { return true }
        return false
    }

    /// Whether `name` holds the first three letters of some secret name: a name that holds a
    /// secret name holds its first three letters too, so a name without any holds none.
    static func mayNameSecret(_ name: ArraySlice<UInt8>) -> Bool {
        guard let table = secretNameTriples else { return true }
        guard name.count >= 3 else { return false }
        var at = name.startIndex
        while at + 2 < name.endIndex {
            if let t = letterTriple(name[at], name[at + 1], name[at + 2]), table[t >> 6] & (1 << UInt64(t & 63)) != 0 { return true }
            at += 1
        }
        return false
    }

    /// Three ASCII letters (either case) as a number below 26³; nil for anything else.
    static func letterTriple(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        let x = Int(ASCII.lowercased(a)) - 0x61, y = Int(ASCII.lowercased(b)) - 0x61, z = Int(ASCII.lowercased(c)) - 0x61
        guard (0..<26).contains(x), (0..<26).contains(y), (0..<26).contains(z) else { return nil }
        return (x * 26 + y) * 26 + z
    }

    /// Bit set over letter triples: the first three bytes of every secret name. Nil (no
    /// filtering) if a secret name ever starts with something other than three letters.
    static let secretNameTriples: [UInt64]? = {
        var bits = [UInt64](repeating: 0, count: (26 * 26 * 26 + 63) / 64)
        for kw in secretNameBytes {
            guard kw.count >= 3, let t = letterTriple(kw[0], kw[1], kw[2]) else { return nil }
            bits[t >> 6] |= 1 << UInt64(t & 63)
        }
        return bits
    }()

    static let secretNameBytes: [[UInt8]] = secretNames.map { Array($0.utf8) }
    /// `_api_key`, `_token`, …: a secret name inside a longer one (`github_token_value`).
    static let underscoredSecretNameBytes: [[UInt8]] = secretNames.map { Array("_\($0)".utf8) }
    static let secretNames = ["api_key", "apikey", "api-key", "access_key", "accesskey", "secret", "token", "password", "passwd", "pwd", "auth",
                              "credential", "private_key", "privatekey", "client_secret", "bearer", "key", "signing", "session", "cookie", "pass"]

    /// A value assigned to a name that says secret (`api_key: "…"`, `TOKEN=…`, `Bearer …`) that
    /// is random enough to be one.
    static func assignedSecret(_ b: [UInt8], _ lo: Int, _ hi: Int) -> SecurityFinding? {
        guard hi - lo >= shortestAssignedValue else { return nil }
        // Most words are neither assigned (`name: value`, `NAME=value`) nor after `Bearer`:
        // decide that from the bytes just before the value, without finding the line.
        guard b.withUnsafeBufferPointer({ followsAssignment($0, lo) }) else { return nil }
        let lineStart = lineStart(b, lo)
        // What precedes the value on its line: `name`, then `:`/`=`/`=>`/space, maybe a quote.
        var k = lo
        while k > lineStart, b[k - 1] == 0x20 || b[k - 1] == UInt8(ascii: "\"") || b[k - 1] == UInt8(ascii: "'") || b[k - 1] == UInt8(ascii: "`") { k -= 1 }
        var sawOperator = false
        while k > lineStart, b[k - 1] == UInt8(ascii: ":") || b[k - 1] == UInt8(ascii: "=") || b[k - 1] == UInt8(ascii: ">") {
            k -= 1
            sawOperator = true
        }
        // Most words are not assigned to anything: stop before any allocation.
        guard sawOperator || k < lo else { return nil }
        while k > lineStart, b[k - 1] == 0x20 || b[k - 1] == UInt8(ascii: "\"") || b[k - 1] == UInt8(ascii: "'") { k -= 1 }
        var nameStart = k
        while nameStart > lineStart, nameStart > k - 40, isNameByte(b[nameStart - 1]) { nameStart -= 1 }
        guard nameStart < k else { return nil }
        // The name is compared in place, ignoring ASCII case: this runs for every YAML
        // `key: value` whose value is a long word, and nearly all keys name no secret, which
        // one table test per letter triple shows before any keyword is compared.
        let name = b[nameStart..<k]
        guard mayNameSecret(name) else { return nil }
        func names(_ kw: [UInt8], underscored: [UInt8]) -> Bool {
            guard name.count >= kw.count else { return false }
            if ByteSearch.hasPrefixIgnoringCase(b, at: k - kw.count, kw) || ByteSearch.hasPrefixIgnoringCase(b, at: nameStart, kw) { return true }
            guard name.count >= underscored.count else { return false }
            for at in nameStart...(k - underscored.count) where ByteSearch.hasPrefixIgnoringCase(b, at: at, underscored) { return true }
            return false
        }
        let bearer = !sawOperator && name.count >= 6 && b.withUnsafeBufferPointer { ByteSearch.hasPrefixIgnoringCase($0, at: k - 6, "bearer") }
        guard sawOperator || bearer, let keywordIndex = secretNameBytes.indices.first(where: { index in
            names(secretNameBytes[index], underscored: underscoredSecretNameBytes[index])
        }) else { return nil }
        let keyword = secretNames[keywordIndex]
        let isPassword = ["password", "passwd", "pwd", "pass"].contains(keyword)
        var hi = hi
        if isPassword {
            // Passwords use punctuation too: the value runs to a space, quote or separator.
            while hi < b.count, b[hi] > 0x20, b[hi] != UInt8(ascii: "\""), b[hi] != UInt8(ascii: "'"), b[hi] != UInt8(ascii: ","), b[hi] != UInt8(ascii: ";"), hi - lo < 128 { hi += 1 }
        }
        let value = Array(b[lo..<hi])
        let text = String(decoding: value, as: UTF8.self)
        if isPlaceholder(text) || text.contains("://") { return nil }
        if isPassword {
            guard value.count >= 8, classes(value) >= 3, entropy(value[...]) >= 2.5 else { return nil }
        } else {
            let hexOnly = value.allSatisfy { inCharset($0, .hex) }
            if hexOnly {
                guard value.count >= 32, entropy(value[...]) >= 3.0 else { return nil }
            } else {
                guard value.count >= shortestAssignedNonPassword, classes(value) >= 2, entropy(value[...]) >= 3.7, looksRandom(value) else { return nil }
            }
        }
        return SecurityFinding(kind: .highEntropySecret, start: lo, end: hi, evidence: "\(String(decoding: b[nameStart..<k], as: UTF8.self)) = " + mask(b, lo, hi, keep: 0),
                               detail: "a random value assigned to `\(String(decoding: b[nameStart..<k], as: UTF8.self))`")
    }

    /// Whether the value at `lo` follows `:`, `=` or `>` (`name: value`, `NAME=value`,
    /// `key => value`), maybe after spaces and quotes, or follows `Bearer ` in any case.
    @inline(__always)
    static func followsAssignment(_ b: UnsafeBufferPointer<UInt8>, _ lo: Int) -> Bool {
        var p = lo
        while p > 0, lo - p < 200, b[p - 1] == 0x20 || b[p - 1] == UInt8(ascii: "\"") || b[p - 1] == UInt8(ascii: "'") || b[p - 1] == UInt8(ascii: "`") { p -= 1 }
        if p > 0, b[p - 1] == UInt8(ascii: ":") || b[p - 1] == UInt8(ascii: "=") || b[p - 1] == UInt8(ascii: ">") { return true }
        return p < lo && ByteSearch.hasPrefixIgnoringCase(b, at: p - 6, "bearer")
    }

    static func isNameByte(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
    }

    static func classes(_ v: [UInt8]) -> Int {
        var u = false, l = false, d = false, s = false
        for c in v {
            if c >= 0x41 && c <= 0x5A { u = true } else if c >= 0x61 && c <= 0x7A { l = true } else if c >= 0x30 && c <= 0x39 { d = true } else { s = true }
        }
        return [u, l, d, s].filter { $0 }.count
    }

    /// Shannon entropy in bits per character.
    static func entropy(_ v: ArraySlice<UInt8>) -> Double {
        guard !v.isEmpty else { return 0 }
        var counts = [Int](repeating: 0, count: 256)
        for c in v { counts[Int(c)] += 1 }
        let n = Double(v.count)
        var h = 0.0
        for c in counts where c > 0 {
            let p = Double(c) / n
            h -= p * log2(p)
        }
        return h
    }

    /// Keeps `keep` leading characters (the provider prefix) plus up to four more and the last
    /// two of a long secret; the rest becomes `…`. Short secrets keep two characters.
    static func mask(_ b: [UInt8], _ lo: Int, _ hi: Int, keep: Int) -> String {
        maskString(String(decoding: b[lo..<hi], as: UTF8.self), keep: keep)
    }

    static func maskString(_ s: String, keep: Int = 0) -> String {
        let chars = Array(s)
        if chars.count <= 8 { return String(chars.prefix(1)) + String(repeating: "*", count: max(0, chars.count - 1)) }
        let head = min(chars.count / 3, keep + 4)
        let tail = chars.count >= 24 ? 2 : 0
        return String(chars.prefix(head)) + "…" + String(chars.suffix(tail)) + " (\(chars.count) characters)"
    }
}
