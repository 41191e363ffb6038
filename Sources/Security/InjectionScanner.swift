/// What a security scanner found in one text. Offsets are UTF-8 offsets into the scanned text;
/// the analysis layer maps them into the file.
public struct SecurityFinding: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case instructionOverride, roleReassignment, promptExtraction, fakeRoleTag, delimiterEscape
        case obfuscatedInjection, encodedPayload, invisibleCharacters, tagCharacters
        case apiKey, privateKey, credentialsInURL, highEntropySecret
        case email, phoneNumber, paymentCard, usSSN, iban
    }

    public let kind: Kind
    public let start: Int
    public let end: Int
    /// What was matched, quoted for the message; secrets and PII arrive already masked.
    public let evidence: String
    /// A short explanation: the technique, the provider, the encoding.
    public let detail: String

    public init(kind: Kind, start: Int, end: Int, evidence: String, detail: String = "") {
        self.kind = kind
        self.start = start
        self.end = end
        self.evidence = evidence
        self.detail = detail
    }
}

/// Injection attempts in untrusted text: phrases (override, role reassignment, prompt
/// extraction), fake chat-template tokens and role tags, attempts to close the author's fence,
/// and the same phrases hidden by obfuscation or encoding. Every step is linear in the text:
/// hand-written scanners, no backtracking regular expressions.
public enum InjectionScanner {
    /// The most findings of one kind reported per text: a pasted attack corpus is one problem.
    static let perKindLimit = 5
    /// Encoded payloads are decoded and scanned again up to this depth (base64 of base64).
    static let maximumDecodeDepth = 2

    /// Scans `text`, a value that stands for what end users or documents will send.
    /// `fenceClosers` are the delimiters the template puts after this variable (`</ticket>`,
    /// `"""`): the value containing one would close the author's fence early.
    public static func scan(_ text: String, fenceClosers: [String] = []) -> [SecurityFinding] {
        var scratch = Scratch()
        return scan(text, fenceClosers: fenceClosers, scratch: &scratch)
    }

    /// Memory that one caller's scans reuse from value to value (a file's samples and tests):
    /// the value's bytes and its units. A prompt file's values are short, and allocating these
    /// afresh for each cost about as much as reading them.
    public struct Scratch {
        // Room for a typical value from the start, so that a file's few values seldom grow it.
        var bytes: [UInt8] = []
        var stream = UnitStream(capacity: 1024)
        public init() { bytes.reserveCapacity(1024) }
    }

    /// `scan(_:fenceClosers:)` with `scratch`'s memory.
    public static func scan(_ text: String, fenceClosers: [String] = [], scratch: inout Scratch) -> [SecurityFinding] {
        var out = scan(text, fenceClosers: fenceClosers, depth: 0, scratch: &scratch)
        if out.count > 1 { out.sort { ($0.start, $0.kind.rawValue) < ($1.start, $1.kind.rawValue) } }
        return out
    }

    static func scan(_ text: String, fenceClosers: [String], depth: Int) -> [SecurityFinding] {
        var scratch = Scratch()
        return scan(text, fenceClosers: fenceClosers, depth: depth, scratch: &scratch)
    }

    static func scan(_ text: String, fenceClosers: [String], depth: Int, scratch: inout Scratch) -> [SecurityFinding] {
        // Nearly every value finds nothing: empty results are not appended or filtered, which
        // is most of what a short value's scan would otherwise spend.
        var out: [SecurityFinding] = []
        func add(_ found: [SecurityFinding]) { if !found.isEmpty { out += found } }
        if !scratch.bytes.isEmpty { scratch.bytes.removeAll(keepingCapacity: true) }
        scratch.bytes.append(contentsOf: text.utf8)
        let bytes = scratch.bytes
        // Which byte passes below can find anything at all: most values need none of them.
        let profile = ByteProfile(bytes)
        TextUnits.units(text, into: &scratch.stream)
        add(phrases(scratch.stream, bytes: bytes))
        if profile.mayHoldRoleToken { add(RoleTokens.scan(bytes)) }
        add(DelimiterEscapes.scan(bytes, closers: fenceClosers, profile: profile))
        if depth < maximumDecodeDepth {
            add(EncodedPayloads.scan(bytes, depth: depth, profile: profile))
        }
        return limited(out)
    }

    /// Builds a fresh copy of the phrase lexicon (what the first scan of a process pays) and
    /// returns its number of words. For benchmarks.
    public static func buildLexicon() -> Int {
        InjectionLexicon.makeMatcher().wordCount
    }

    static func phrases(_ units: UnitStream, bytes: [UInt8]) -> [SecurityFinding] {
        InjectionLexicon.matcher.matches(units).map { m in
            let quoted = snippet(bytes, m.start, m.end)
            if m.techniques.isEmpty {
                return SecurityFinding(kind: kind(m.family), start: m.start, end: m.end, evidence: quoted, detail: m.family.rawValue)
            }
            return SecurityFinding(kind: .obfuscatedInjection, start: m.start, end: m.end,
                                   evidence: "\(quoted)” reads “\(clip(m.reading))",
                                   detail: "\(m.family.rawValue) hidden by \(m.techniques.names.joined(separator: ", "))")
        }
    }

    static func kind(_ family: PhraseFamily) -> SecurityFinding.Kind {
        switch family {
        case .instructionOverride: .instructionOverride
        case .roleReassignment: .roleReassignment
        case .promptExtraction: .promptExtraction
        }
    }

    static func limited(_ findings: [SecurityFinding]) -> [SecurityFinding] {
        guard findings.count > perKindLimit else { return findings }  // no kind can be over
        var count: [SecurityFinding.Kind: Int] = [:]
        return findings.filter { f in
            count[f.kind, default: 0] += 1
            return count[f.kind, default: 0] <= perKindLimit
        }
    }

    /// The text between two offsets, shortened to 80 characters, control characters made visible.
    static func snippet(_ bytes: [UInt8], _ start: Int, _ end: Int) -> String {
        let lo = max(0, min(start, bytes.count)), hi = max(lo, min(end, bytes.count))
        return clip(String(decoding: bytes[lo..<hi], as: UTF8.self))
    }

    static func clip(_ s: String, _ limit: Int = 80) -> String {
        var out = ""
        var n = 0
        for c in s {
            if n == limit { out += "…"; break }
            if c == "\n" || c == "\r\n" { out += "⏎" } else if c == "\t" { out += " " } else { out.append(c) }
            n += 1
        }
        return out
    }
}

/// Chat-template special tokens and role markers written into data, so that a model reading
/// the rendered prompt sees a new system or assistant turn: `<|im_start|>system`, `[INST]`,
/// `<<SYS>>`, `<system>`, `### System:`, `<start_of_turn>`.
enum RoleTokens {
    static let roleWords: Set<String> = ["system", "assistant", "developer", "sys", "instruction", "instructions", "admin", "root", "model", "ai", "bot", "human", "user"]
    static let strongRoles: Set<String> = ["system", "assistant", "developer", "sys", "instruction", "instructions", "admin", "root"]

    static func scan(_ b: [UInt8]) -> [SecurityFinding] {
        var out: [SecurityFinding] = []
        var i = 0
        var lineStart = true
        while i < b.count {
            let c = b[i]
            if c == 0x0A { lineStart = true; i += 1; continue }
            if c == UInt8(ascii: "<") {
                if let end = specialToken(b, i) {
                    out.append(finding(b, i, end, "a chat-template special token"))
                    i = end
                    lineStart = false
                    continue
                }
                if let end = roleTag(b, i) {
                    out.append(finding(b, i, end, "a role tag"))
                    i = end
                    lineStart = false
                    continue
                }
            }
            if c == UInt8(ascii: "[") || c == UInt8(ascii: "<"), let end = bracketed(b, i) {
                out.append(finding(b, i, end, "a chat-template marker"))
                i = end
                lineStart = false
                continue
            }
            if lineStart, c == UInt8(ascii: "#"), let end = markdownRoleHeading(b, i) {
                out.append(finding(b, i, end, "a role heading"))
                i = end
                lineStart = false
                continue
            }
            if lineStart, c != 0x20, c != 0x09 { lineStart = false }
            i += 1
        }
        return out
    }

    static func finding(_ b: [UInt8], _ start: Int, _ end: Int, _ what: String) -> SecurityFinding {
        SecurityFinding(kind: .fakeRoleTag, start: start, end: end, evidence: InjectionScanner.snippet(b, start, end), detail: what)
    }

    /// `<|name|>` with a name of letters, digits and `_`: OpenAI/ChatML, Llama 3, Phi, Qwen tokens.
    /// Also `<｜…｜>` (DeepSeek's fullwidth bars).
    static func specialToken(_ b: [UInt8], _ i: Int) -> Int? {
        var j = i + 1
        let bar: [UInt8]
        if j < b.count, b[j] == UInt8(ascii: "|") { bar = [UInt8(ascii: "|")] } else if b.count > j + 2, b[j] == 0xEF, b[j + 1] == 0xBD, b[j + 2] == 0x9C { bar = [0xEF, 0xBD, 0x9C] } else { return nil }
        j += bar.count
        let nameStart = j
        while j < b.count, j - nameStart < 40, ASCII.isWordByte(b[j]) || b[j] >= 0x80 && b[j] != 0xEF { j += 1 }
        guard j > nameStart, j + bar.count < b.count, Array(b[j..<(j + bar.count)]) == bar, b[j + bar.count] == UInt8(ascii: ">") else { return nil }
        var end = j + bar.count + 1
        // `<|im_start|>system`: include the role that follows.
        var k = end
        while k < b.count, ASCII.isWordByte(b[k]), k - end < 12 { k += 1 }
        if k > end, roleWords.contains(String(decoding: b[end..<k].map(ASCII.lowercased), as: UTF8.self)) { end = k }
        return end
    }

    /// `<system>`, `</system>`, `<assistant>`, `<start_of_turn>`, `<end_of_turn>`, `<system_prompt>`.
    static func roleTag(_ b: [UInt8], _ i: Int) -> Int? {
        var j = i + 1
        if j < b.count, b[j] == UInt8(ascii: "/") { j += 1 }
        let nameStart = j
        while j < b.count, j - nameStart < 24, ASCII.isWordByte(b[j]) { j += 1 }
        guard j > nameStart, j < b.count, b[j] == UInt8(ascii: ">") else { return nil }
        let name = String(decoding: b[nameStart..<j].map(ASCII.lowercased), as: UTF8.self)
        let known: Set<String> = ["system", "assistant", "sys", "system_prompt", "system-prompt", "systemprompt", "start_of_turn", "end_of_turn",
                                  "developer", "system_message", "im_start", "im_end", "instructions", "admin", "bos", "eos", "eot"]
        return known.contains(name) ? j + 1 : nil
    }

    /// `[INST]`, `[/INST]`, `<<SYS>>`, `<</SYS>>`, `[SYSTEM]`, `[SYS]`, `[/SYS]`, `[ADMIN]`.
    static func bracketed(_ b: [UInt8], _ i: Int) -> Int? {
        let open = b[i]
        var j = i + 1
        if open == UInt8(ascii: "<") {
            guard j < b.count, b[j] == UInt8(ascii: "<") else { return nil }
            j += 1
        }
        if j < b.count, b[j] == UInt8(ascii: "/") { j += 1 }
        let nameStart = j
        while j < b.count, j - nameStart < 16, ASCII.isWordByte(b[j]) { j += 1 }
        guard j > nameStart else { return nil }
        let name = String(decoding: b[nameStart..<j].map(ASCII.lowercased), as: UTF8.self)
        if open == UInt8(ascii: "<") {
            guard name == "sys" || name == "system", j + 1 < b.count, b[j] == UInt8(ascii: ">"), b[j + 1] == UInt8(ascii: ">") else { return nil }
            return j + 2
        }
        guard j < b.count, b[j] == UInt8(ascii: "]"), ["inst", "sys", "system", "system_prompt", "admin", "developer", "assistant"].contains(name) else { return nil }
        return j + 1
    }

    /// `### System:`, `## Instruction`, `### Assistant:` at the start of a line.
    static func markdownRoleHeading(_ b: [UInt8], _ i: Int) -> Int? {
        var j = i
        var hashes = 0
        while j < b.count, b[j] == UInt8(ascii: "#") { j += 1; hashes += 1 }
        guard hashes >= 2, hashes <= 4 else { return nil }
        while j < b.count, b[j] == 0x20 { j += 1 }
        let nameStart = j
        while j < b.count, j - nameStart < 16, (b[j] >= 0x61 && b[j] <= 0x7A) || (b[j] >= 0x41 && b[j] <= 0x5A) { j += 1 }
        let name = String(decoding: b[nameStart..<j].map(ASCII.lowercased), as: UTF8.self)
        guard ["system", "instruction", "instructions", "assistant", "response", "system prompt", "developer"].contains(name) else { return nil }
        // A heading "## Instructions" in a pasted README is common; "### Instruction:" with a colon
        // (Alpaca's template) or a role word alone on the line is the injection shape.
        var k = j
        while k < b.count, b[k] == 0x20 { k += 1 }
        if k < b.count, b[k] == UInt8(ascii: ":") { return k + 1 }
        if name == "system" || name == "assistant", k >= b.count || b[k] == 0x0A || b[k] == 0x0D { return j }
        return nil
    }
}

/// Data that tries to end the author's fence early: the template's own closing delimiter inside
/// the value, or a fake boundary line (`---END USER DATA---`, `=== END OF DOCUMENT ===`).
enum DelimiterEscapes {
    static let boundaryWords: Set<String> = ["end", "begin", "start", "stop", "close", "closing", "finish", "terminate"]
    static let sectionWords: Set<String> = ["user", "data", "input", "document", "documents", "context", "text", "instructions", "instruction",
                                            "system", "prompt", "conversation", "ticket", "email", "message", "query", "content", "untrusted",
                                            "transcript", "article", "review", "question", "request", "userinput", "user_input", "user_data",
                                            "external", "source", "quote", "quoted", "passage", "snippet", "comment", "file", "page", "chat", "dialog", "dialogue"]

    static func scan(_ b: [UInt8], closers: [String], profile: ByteProfile) -> [SecurityFinding] {
        var out: [SecurityFinding] = []
        // Closers are few (one per fence around the variable): duplicates are skipped in place,
        // in the template's order, without building a set for every value.
        for (i, closer) in closers.enumerated() where !closer.isEmpty && !closers[..<i].contains(closer) {
            let needle = Array(closer.utf8)
            var from = 0
            while let at = ByteSearch.find(needle, in: b, from: from) {
                out.append(SecurityFinding(kind: .delimiterEscape, start: at, end: at + needle.count,
                                           evidence: InjectionScanner.snippet(b, at, at + needle.count),
                                           detail: "the template's own closing delimiter"))
                from = at + needle.count
                if out.count >= InjectionScanner.perKindLimit { return out }
            }
        }
        // Fake boundary lines, and closing tags for sections never opened in the value. Both
        // start at a marker character, closing tags at `<`.
        guard profile.mayHoldBoundaryLine else { return out }
        let mayHoldTag = profile.has(ByteProfile.angle)
        var lineStart = 0
        var openedTags: Set<String> = []
        for i in 0...b.count where i == b.count || b[i] == 0x0A {
            if let f = fakeBoundary(b, lineStart, i) { out.append(f) }
            if mayHoldTag { closingTags(b, lineStart, i, opened: &openedTags, into: &out) }
            lineStart = i + 1
        }
        return out
    }

    static func isMarker(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "-") || c == UInt8(ascii: "=") || c == UInt8(ascii: "#") || c == UInt8(ascii: "*") || c == UInt8(ascii: "[")
            || c == UInt8(ascii: "]") || c == UInt8(ascii: "<") || c == UInt8(ascii: ">") || c == UInt8(ascii: "_") || c == UInt8(ascii: "~")
            || c == UInt8(ascii: "|") || c == UInt8(ascii: "/") || c == UInt8(ascii: "{") || c == UInt8(ascii: "}")
    }

    /// A short line that starts with at least two marker characters (or a bracket) and says
    /// END/BEGIN … USER/DATA/INPUT….
    static func fakeBoundary(_ b: [UInt8], _ lo: Int, _ hi: Int) -> SecurityFinding? {
        var s = lo, e = hi
        while s < e, b[s] == 0x20 || b[s] == 0x09 || b[s] == 0x0D { s += 1 }
        while e > s, b[e - 1] == 0x20 || b[e - 1] == 0x09 || b[e - 1] == 0x0D { e -= 1 }
        guard e - s >= 6, e - s <= 80 else { return nil }
        var markers = 0
        var i = s
        while i < e, isMarker(b[i]) { markers += 1; i += 1 }
        guard markers >= 2 || (markers == 1 && (b[s] == UInt8(ascii: "[") || b[s] == UInt8(ascii: "<"))) else { return nil }
        var words: [String] = []
        var w: [UInt8] = []
        for j in i..<e {
            let c = ASCII.lowercased(b[j])
            if (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_") { w.append(c) } else if !w.isEmpty { words.append(String(decoding: w, as: UTF8.self)); w = [] }
        }
        if !w.isEmpty { words.append(String(decoding: w, as: UTF8.self)) }
        guard words.count >= 2, words.count <= 8, let first = words.first, boundaryWords.contains(first),
              words.dropFirst().contains(where: { sectionWords.contains($0) }) else { return nil }
        return SecurityFinding(kind: .delimiterEscape, start: s, end: e, evidence: InjectionScanner.snippet(b, s, e), detail: "a fake boundary line")
    }

    /// `</user_input>` and the like, when the value never opened that tag itself.
    static func closingTags(_ b: [UInt8], _ lo: Int, _ hi: Int, opened: inout Set<String>, into out: inout [SecurityFinding]) {
        var i = lo
        while i + 2 < hi {
            guard b[i] == UInt8(ascii: "<") else { i += 1; continue }
            let closing = b[i + 1] == UInt8(ascii: "/")
            var j = i + (closing ? 2 : 1)
            let nameStart = j
            while j < hi, j - nameStart < 32, ASCII.isWordByte(b[j]) { j += 1 }
            guard j > nameStart, j < hi, b[j] == UInt8(ascii: ">") || (!closing && b[j] == 0x20) else { i += 1; continue }
            let name = String(decoding: b[nameStart..<j].map(ASCII.lowercased), as: UTF8.self)
            if !closing {
                opened.insert(name)
            } else if !opened.contains(name), name.split(whereSeparator: { $0 == "_" || $0 == "-" }).contains(where: { sectionWords.contains(String($0)) }) {
                out.append(SecurityFinding(kind: .delimiterEscape, start: i, end: j + 1, evidence: InjectionScanner.snippet(b, i, j + 1),
                                           detail: "a closing tag for a section the value never opened"))
            }
            i = j
        }
    }
}
