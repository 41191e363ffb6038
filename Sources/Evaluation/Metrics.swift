import Foundation

/// Reference-based text metrics, written to agree with the Python packages teams already quote:
/// BLEU as `sacrebleu.sentence_bleu` computes it (2.x defaults: 13a tokenizer, `exp` smoothing,
/// effective order, mixed case) and ROUGE-1/2/L F-measure as `rouge_score.RougeScorer` computes it
/// (its default tokenizer, no stemming). CI checks both against those packages to 1e-6
/// (tests/eval/test_metric_parity.py). Written here rather than bound to Python because the CLI
/// and the language server must run without a Python runtime.
///
/// Scores are on a 0–1 scale (sacrebleu prints BLEU on 0–100: divide by 100 to compare).
public enum Metrics {
    // MARK: BLEU

    public struct BLEU: Sendable, Equatable {
        public let score: Double
        public let precisions: [Double]
        public let brevityPenalty: Double
        public let hypothesisLength: Int
        public let referenceLength: Int
    }

    static let maxOrder = 4

    /// Sentence BLEU of `hypothesis` against one or more references.
    public static func bleu(_ hypothesis: String, references: [String]) -> BLEU {
        let hypTokens = tokenize13a(rstrip(hypothesis))
        var refCounts: [[String]: Int] = [:]
        var refLengths: [Int] = []
        for (k, ref) in references.enumerated() {
            let tokens = tokenize13a(rstrip(ref))
            refLengths.append(tokens.count)
            let counts = ngramCounts(tokens, upTo: maxOrder)
            if k == 0 {
                refCounts = counts
            } else {
                for (g, c) in counts { refCounts[g] = max(refCounts[g] ?? 0, c) }
            }
        }
        let hypCounts = ngramCounts(hypTokens, upTo: maxOrder)
        var correct = [Int](repeating: 0, count: maxOrder)
        var total = [Int](repeating: 0, count: maxOrder)
        for (g, c) in hypCounts {
            total[g.count - 1] += c
            if let r = refCounts[g] { correct[g.count - 1] += min(c, r) }
        }
        let sysLen = hypTokens.count
        let refLen = closestReferenceLength(sysLen, refLengths)

        var bp = 1.0
        if sysLen < refLen { bp = sysLen > 0 ? Foundation.exp(1 - Double(refLen) / Double(sysLen)) : 0 }
        var precisions = [Double](repeating: 0, count: maxOrder)
        guard correct.contains(where: { $0 != 0 }) else {
            return BLEU(score: 0, precisions: precisions, brevityPenalty: bp, hypothesisLength: sysLen, referenceLength: refLen)
        }
        var smooth = 1.0
        var effectiveOrder = maxOrder
        for n in 1...maxOrder {
            if total[n - 1] == 0 { break }
            effectiveOrder = n
            if correct[n - 1] == 0 {
                smooth *= 2
                precisions[n - 1] = 100 / (smooth * Double(total[n - 1]))
            } else {
                precisions[n - 1] = 100 * Double(correct[n - 1]) / Double(total[n - 1])
            }
        }
        // sacrebleu floors log(0) at -9999999999 (`my_log`); kept for identical results.
        let logSum = precisions[..<effectiveOrder].reduce(0.0) { $0 + ($1 == 0 ? -9_999_999_999 : Foundation.log($1)) }
        let score = bp * Foundation.exp(logSum / Double(effectiveOrder))
        return BLEU(score: score / 100, precisions: precisions.map { $0 / 100 }, brevityPenalty: bp,
                    hypothesisLength: sysLen, referenceLength: refLen)
    }

    static func closestReferenceLength(_ hypLen: Int, _ refLens: [Int]) -> Int {
        var closestDiff = -1, closest = -1
        for r in refLens {
            let diff = abs(hypLen - r)
            if closestDiff == -1 || diff < closestDiff {
                closestDiff = diff
                closest = r
            } else if diff == closestDiff, r < closest {
                closest = r
            }
        }
        return max(closest, 0)
    }

    static func ngramCounts(_ tokens: [String], upTo maxN: Int) -> [[String]: Int] {
        var counts: [[String]: Int] = [:]
        guard !tokens.isEmpty else { return counts }
        for n in 1...maxN where n <= tokens.count {
            for i in 0...(tokens.count - n) { counts[Array(tokens[i..<(i + n)]), default: 0] += 1 }
        }
        return counts
    }

    /// Python's `str.rstrip()`: trailing Unicode whitespace.
    static func rstrip(_ s: String) -> String {
        var scalars = Array(s.unicodeScalars)
        while let last = scalars.last, isPythonSpace(last.value) { scalars.removeLast() }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return String(out)
    }

    /// `str.isspace()` in Python (what `str.split()` splits on).
    static func isPythonSpace(_ v: UInt32) -> Bool {
        switch v {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// sacrebleu's `Tokenizer13a` (mteval-v13a): its four regular expressions, applied in order with
    /// Python `re.sub` semantics (leftmost, non-overlapping), then whitespace normalised.
    static func tokenize13a(_ line: String) -> [String] {
        // Literal replacements on scalars: Foundation's `replacingOccurrences` compares by
        // grapheme and would not find the `\n` inside a `\r\n`, which Python does.
        var text = Array(line.unicodeScalars.map(\.value))
        text = replaceAll(text, "<skipped>", "")
        text = replaceAll(text, "-\n", "")
        text = replaceAll(text, "\n", " ")
        if text.contains(0x26) {
            text = replaceAll(text, "&quot;", "\"")
            text = replaceAll(text, "&amp;", "&")
            text = replaceAll(text, "&lt;", "<")
            text = replaceAll(text, "&gt;", ">")
        }
        var s = [0x20] + text + [0x20]
        let space: UInt32 = 0x20
        // 1. `([\{-\~\[-\` -\&\(-\+\:-\@\/])` → ` \1 `
        var out: [UInt32] = []
        out.reserveCapacity(s.count * 2)
        for c in s {
            if isPunct13a(c) { out.append(space); out.append(c); out.append(space) } else { out.append(c) }
        }
        s = out
        let isDigit = { (c: UInt32) in c >= 0x30 && c <= 0x39 }
        let isDotComma = { (c: UInt32) in c == 0x2E || c == 0x2C }
        // 2. `([^0-9])([\.,])` → `\1 \2 `
        s = substitutePairs(s, first: { !isDigit($0) }, second: isDotComma) { a, b in [a, space, b, space] }
        // 3. `([\.,])([^0-9])` → ` \1 \2`
        s = substitutePairs(s, first: isDotComma, second: { !isDigit($0) }) { a, b in [space, a, space, b] }
        // 4. `([0-9])(-)` → `\1 \2 `
        s = substitutePairs(s, first: isDigit, second: { $0 == 0x2D }) { a, b in [a, space, b, space] }
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        for c in s {
            if isPythonSpace(c) {
                if !current.isEmpty { tokens.append(String(current)); current = String.UnicodeScalarView() }
            } else if let scalar = Unicode.Scalar(c) {
                current.append(scalar)
            }
        }
        if !current.isEmpty { tokens.append(String(current)) }
        return tokens
    }

    static func replaceAll(_ s: [UInt32], _ pattern: String, _ replacement: String) -> [UInt32] {
        let p = pattern.unicodeScalars.map(\.value), r = replacement.unicodeScalars.map(\.value)
        guard !p.isEmpty, s.count >= p.count else { return s }
        var out: [UInt32] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if i + p.count <= s.count, s[i] == p[0], s[i..<(i + p.count)].elementsEqual(p) {
                out.append(contentsOf: r)
                i += p.count
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    static func isPunct13a(_ c: UInt32) -> Bool {
        (0x7B...0x7E).contains(c) || (0x5B...0x60).contains(c) || (0x20...0x26).contains(c)
            || (0x28...0x2B).contains(c) || (0x3A...0x40).contains(c) || c == 0x2F
    }

    /// `re.sub` of a two-character pattern: scan left to right; at a match, write the replacement
    /// and continue after both characters.
    static func substitutePairs(_ s: [UInt32], first: (UInt32) -> Bool, second: (UInt32) -> Bool,
                                _ replacement: (UInt32, UInt32) -> [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.count + s.count / 4)
        var i = 0
        while i < s.count {
            if i + 1 < s.count, first(s[i]), second(s[i + 1]) {
                out.append(contentsOf: replacement(s[i], s[i + 1]))
                i += 2
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    // MARK: ROUGE

    public struct ROUGE: Sendable, Equatable {
        public let precision: Double
        public let recall: Double
        public let fmeasure: Double
    }

    public enum ROUGEKind: String, Sendable, CaseIterable {
        case rouge1 = "rouge-1", rouge2 = "rouge-2", rougeL = "rouge-l"
    }

    /// ROUGE of `prediction` against `reference` (rouge-score's `score(target, prediction)`).
    public static func rouge(_ kind: ROUGEKind, prediction: String, reference: String) -> ROUGE {
        let target = rougeTokens(reference)
        let predicted = rougeTokens(prediction)
        switch kind {
        case .rouge1: return rougeN(target, predicted, n: 1)
        case .rouge2: return rougeN(target, predicted, n: 2)
        case .rougeL: return rougeL(target, predicted)
        }
    }

    /// rouge-score's tokenizer: lowercase (full Unicode mapping, as Python's `str.lower`), every
    /// run of characters outside `[a-z0-9]` becomes a separator.
    static func rougeTokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var current: [UInt8] = []
        for scalar in text.lowercased().unicodeScalars {
            let v = scalar.value
            if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) {
                current.append(UInt8(v))
            } else if !current.isEmpty {
                tokens.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { tokens.append(String(decoding: current, as: UTF8.self)) }
        return tokens
    }

    static func fmeasure(_ p: Double, _ r: Double) -> Double { p + r > 0 ? 2 * p * r / (p + r) : 0 }

    static func rougeN(_ target: [String], _ prediction: [String], n: Int) -> ROUGE {
        func grams(_ t: [String]) -> [ArraySlice<String>: Int] {
            var c: [ArraySlice<String>: Int] = [:]
            if t.count >= n { for i in 0...(t.count - n) { c[t[i..<(i + n)], default: 0] += 1 } }
            return c
        }
        let tg = grams(target), pg = grams(prediction)
        var overlap = 0
        for (g, c) in tg { overlap += min(c, pg[g] ?? 0) }
        let tCount = tg.values.reduce(0, +), pCount = pg.values.reduce(0, +)
        let p = Double(overlap) / Double(max(pCount, 1))
        let r = Double(overlap) / Double(max(tCount, 1))
        return ROUGE(precision: p, recall: r, fmeasure: fmeasure(p, r))
    }

    /// Longest common subsequence in two rows of the table: O(n·m) time, O(m) memory.
    static func rougeL(_ target: [String], _ prediction: [String]) -> ROUGE {
        guard !target.isEmpty, !prediction.isEmpty else { return ROUGE(precision: 0, recall: 0, fmeasure: 0) }
        var previous = [Int](repeating: 0, count: prediction.count + 1)
        var row = previous
        for t in target {
            for j in 1...prediction.count {
                row[j] = t == prediction[j - 1] ? previous[j - 1] + 1 : max(previous[j], row[j - 1])
            }
            swap(&previous, &row)
        }
        let lcs = Double(previous[prediction.count])
        let p = lcs / Double(prediction.count), r = lcs / Double(target.count)
        return ROUGE(precision: p, recall: r, fmeasure: fmeasure(p, r))
    }
}
