import Analysis
import CoreSupport
import Foundation

/// Lint results in the formats CI systems read: SARIF 2.1.0 (GitHub code scanning and other
/// static-analysis viewers), GitHub Actions workflow commands (annotations on the pull request's
/// diff) and JUnit XML (test-report viewers). Each is built from the same diagnostics as the
/// human and JSON output.
enum CIFormats {
    typealias FileResults = [(ParsedFile, [Diagnostic])]

    // MARK: GitHub workflow commands

    /// `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE name::message`, one line per
    /// finding; info findings become notices.
    static func github(_ results: FileResults) -> String {
        var out = ""
        for (file, diagnostics) in results {
            for d in diagnostics {
                let (line, column) = file.lineIndex.position(of: d.range.start)
                let (endLine, endColumn) = file.lineIndex.position(of: d.range.end)
                let command = switch d.severity {
                case .error: "error"
                case .warning: "warning"
                case .info: "notice"
                }
                var message = d.message
                if let help = d.help { message += "\n\(help)" }
                let properties = [
                    "file=\(escapeProperty(file.path))", "line=\(line)", "col=\(column)", "endLine=\(endLine)", "endColumn=\(endColumn)",
                    "title=\(escapeProperty("\(d.rule.code) \(d.rule.name)"))",
                ]
                out += "::\(command) \(properties.joined(separator: ","))::\(escapeData(message))\n"
            }
        }
        return out
    }

    /// Workflow-command escaping (as in @actions/core's `command.ts`): `%`, CR and LF in data;
    /// also `:` and `,` in property values.
    static func escapeData(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    static func escapeProperty(_ s: String) -> String {
        escapeData(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }

    // MARK: SARIF 2.1.0

    static let sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

    /// One run whose driver lists every rule (with its help text, so viewers can explain a
    /// finding without our docs), results with physical locations in code-point columns, and
    /// fingerprints that survive edits elsewhere in the file.
    static func sarif(_ results: FileResults, lineIndexes: [String: LineIndex], rootURI: String?) -> Value {
        let rules = Rules.all
        let ruleIndex = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.code, $0) })
        var sarifResults: [Value] = []
        for (file, diagnostics) in results {
            var seen: [String: Int] = [:]
            for d in diagnostics {
                var r = OrderedObject()
                r["ruleId"] = .string(d.rule.code)
                if let index = ruleIndex[d.rule.code] { r["ruleIndex"] = .int(index) }
                r["level"] = .string(level(d.severity))
                var text = d.message
                if let help = d.help { text += " (\(help))" }
                r["message"] = .object(OrderedObject([("text", .string(text))]))
                r["locations"] = .array([location(file.path, d.range, file.lineIndex, message: nil)])
                if !d.related.isEmpty {
                    r["relatedLocations"] = .array(d.related.enumerated().compactMap { k, related in
                        guard let li = lineIndexes[related.path] else { return nil }
                        var l = location(related.path, related.range, li, message: related.message)
                        if case .object(var o) = l { o["id"] = .int(k); l = .object(o) }
                        return l
                    })
                }
                let key = fingerprintKey(d, file: file)
                let occurrence = seen[key, default: 0]
                seen[key] = occurrence + 1
                r["partialFingerprints"] = .object(OrderedObject([("promptkit/v1", .string(SHA256.hex(Array("\(key)\u{0}\(occurrence)".utf8))))]))
                sarifResults.append(.object(r))
            }
        }
        var driver = OrderedObject()
        driver["name"] = .string("promptkit")
        driver["version"] = .string(PromptKitCommand.configuration.version)
        driver["semanticVersion"] = .string(PromptKitCommand.configuration.version)
        driver["informationUri"] = .string("https://github.com/promptkit/promptkit")
        driver["rules"] = .array(rules.map(ruleDescriptor))
        var run = OrderedObject()
        run["tool"] = .object(OrderedObject([("driver", .object(driver))]))
        if let rootURI {
            run["originalUriBaseIds"] = .object(OrderedObject([("SRCROOT", .object(OrderedObject([("uri", .string(rootURI))])))]))
        }
        run["columnKind"] = .string("unicodeCodePoints")
        run["results"] = .array(sarifResults)
        var log = OrderedObject()
        log["$schema"] = .string(sarifSchema)
        log["version"] = .string("2.1.0")
        log["runs"] = .array([.object(run)])
        return .object(log)
    }

    static func level(_ s: Severity) -> String {
        switch s {
        case .error: "error"
        case .warning: "warning"
        case .info: "note"
        }
    }

    static func ruleDescriptor(_ rule: Rule) -> Value {
        var o = OrderedObject()
        o["id"] = .string(rule.code)
        o["name"] = .string(rule.name)
        o["shortDescription"] = .object(OrderedObject([("text", .string(rule.summary))]))
        o["fullDescription"] = .object(OrderedObject([("text", .string(rule.explanation))]))
        o["helpUri"] = .string(rule.documentationURL)
        o["help"] = .object(OrderedObject([
            ("text", .string("\(rule.summary)\n\n\(rule.explanation)")),
            ("markdown", .string("**\(rule.code) \(rule.name)**: \(rule.summary)\n\n\(rule.explanation)\n\n[Documentation](\(rule.documentationURL))")),
        ]))
        o["defaultConfiguration"] = .object(OrderedObject([("level", .string(level(rule.defaultSeverity)))]))
        o["properties"] = .object(OrderedObject([("tags", .array([.string(rule.category.rawValue)])),
                                                 ("category", .string(rule.category.rawValue))]))
        return .object(o)
    }

    static func location(_ path: String, _ range: TextRange, _ lineIndex: LineIndex, message: String?) -> Value {
        let (line, column) = lineIndex.position(of: range.start)
        let (endLine, endColumn) = lineIndex.position(of: max(range.start, range.end))
        var artifact = OrderedObject([("uri", .string(uri(path)))])
        if !path.hasPrefix("/") { artifact["uriBaseId"] = .string("SRCROOT") }
        var region = OrderedObject()
        region["startLine"] = .int(line)
        region["startColumn"] = .int(column)
        region["endLine"] = .int(endLine)
        region["endColumn"] = .int(endColumn)
        var physical = OrderedObject()
        physical["artifactLocation"] = .object(artifact)
        physical["region"] = .object(region)
        var o = OrderedObject([("physicalLocation", .object(physical))])
        if let message { o["message"] = .object(OrderedObject([("text", .string(message))])) }
        return .object(o)
    }

    /// A relative path as a URI reference (percent-encoding what RFC 3986 does not allow).
    static func uri(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":")
        let encoded = path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
        return path.hasPrefix("/") ? "file://" + encoded : encoded
    }

    /// What identifies a finding across edits: rule, file and the text of the line it starts on
    /// (trimmed), not its line number, so inserting lines above does not make it "new".
    static func fingerprintKey(_ d: Diagnostic, file: ParsedFile) -> String {
        let line = file.lineIndex.line(containing: min(max(0, d.range.start), file.bytes.count))
        let range = file.lineIndex.lineRange(line)
        let text = String(decoding: file.bytes[min(range.start, file.bytes.count)..<min(range.end, file.bytes.count)], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        return "\(d.rule.code)\u{0}\(file.path)\u{0}\(text)"
    }

    // MARK: JUnit XML

    /// One test suite per file and one test case per (file, rule) pair that fired, plus one
    /// passing case for a file without findings. Errors and warnings are failures (warnings
    /// only under `--strict`), infos are reported in `system-out`.
    static func junit(_ results: FileResults, strict: Bool) -> String {
        var suites = ""
        var totalTests = 0, totalFailures = 0
        for (file, diagnostics) in results {
            var cases = ""
            var tests = 0, failures = 0
            if diagnostics.isEmpty {
                tests = 1
                cases += "    <testcase classname=\"\(xml(file.path))\" name=\"lint\"/>\n"
            }
            var byRule: [(Rule, [Diagnostic])] = []
            for d in diagnostics {
                if let k = byRule.firstIndex(where: { $0.0.code == d.rule.code }) { byRule[k].1.append(d) } else { byRule.append((d.rule, [d])) }
            }
            for (rule, ds) in byRule {
                tests += 1
                let failing = ds.filter { $0.severity == .error || (strict && $0.severity == .warning) }
                let lines = ds.map { d -> String in
                    let (l, c) = file.lineIndex.position(of: d.range.start)
                    return "\(file.path):\(l):\(c): \(d.severity.rawValue): \(d.message)" + (d.help.map { " (\($0))" } ?? "")
                }.joined(separator: "\n")
                cases += "    <testcase classname=\"\(xml(file.path))\" name=\"\(xml("\(rule.code) \(rule.name)"))\">\n"
                if let first = failing.first {
                    failures += 1
                    cases += "      <failure type=\"\(xml(rule.code))\" message=\"\(xml(first.message))\">\(xml(lines))</failure>\n"
                } else {
                    cases += "      <system-out>\(xml(lines))</system-out>\n"
                }
                cases += "    </testcase>\n"
            }
            totalTests += tests
            totalFailures += failures
            suites += "  <testsuite name=\"\(xml(file.path))\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\">\n\(cases)  </testsuite>\n"
        }
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites name="promptkit lint" tests="\(totalTests)" failures="\(totalFailures)" errors="0">
        \(suites)</testsuites>

        """
    }

    /// Escapes XML text and attribute values; drops characters XML 1.0 cannot carry at all.
    static func xml(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            case "\r": out += "&#13;"
            default:
                let v = scalar.value
                let allowed = v >= 0x20 && !(0xD800...0xDFFF).contains(v) && v != 0xFFFE && v != 0xFFFF
                out += allowed ? String(scalar) : "\u{FFFD}"
            }
        }
        return out
    }
}
