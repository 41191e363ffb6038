import CoreSupport
import Foundation
import PromptSyntax

/// One test case: inputs, where it runs, and what its output must satisfy.
///
/// ```yaml
/// tests:
///   - name: outage is urgent
///     sample: outage                # start from a sample's values (optional)
///     vars: {plan: enterprise}      # then these (optional)
///     provider: local               # a provider from promptkit.yaml (optional)
///     model: gpt-4o                 # instead of the file's model (optional)
///     params: {temperature: 0}      # over the file's params (optional)
///     assert:
///       - is-json
///       - contains: outage
///       - type: rouge-l
///         value: "The dashboards are down."
///         threshold: 0.4
/// ```
public struct PromptTest: Sendable {
    public let name: String
    /// The file the test is written in (the prompt file or its `.tests.yaml` sidecar).
    public let path: String
    /// The `- name: …` item, for diagnostics and code lenses.
    public let range: TextRange
    public let nameRange: TextRange
    public let sample: String?
    public let vars: OrderedObject
    public let provider: String?
    public let model: String?
    public let params: OrderedObject
    public let assertions: [AssertionSpec]
    /// Lines of the file the test is written in: reports place tests and assertions without
    /// reading the file again.
    public let lineIndex: LineIndex
}

/// A problem in a test definition, with the file and range it is in.
public struct TestProblem: Sendable, CustomStringConvertible {
    public let path: String
    public let range: TextRange
    public let message: String
    /// 1-based line and column of `range.start`.
    public let line: Int
    public let column: Int
    public var description: String { message }

    init(path: String, range: TextRange, message: String, lines: LineIndex) {
        self.path = path
        self.range = range
        self.message = message
        (line, column) = lines.position(of: range.start)
    }
}

public struct TestSuite: Sendable {
    public var tests: [PromptTest] = []
    public var problems: [TestProblem] = []
    /// Every test's name as written, the broken ones included, so duplicates are found among all.
    var declaredNames: [(name: String, path: String, range: TextRange, lines: LineIndex)] = []

    public static let sidecarSuffix = ".tests.yaml"

    /// The sidecar beside `promptPath`: `triage.prompt.yaml` → `triage.tests.yaml`.
    public static func sidecarPath(for promptPath: String) -> String? {
        companionPath(of: promptPath, suffix: sidecarSuffix)
    }

    /// A file that belongs to a prompt file, named after it: `triage.prompt.yaml` with
    /// `.tests.yaml` → `triage.tests.yaml`. Nil for paths that are not prompt files.
    public static func companionPath(of promptPath: String, suffix: String) -> String? {
        for promptSuffix in [".prompt.yaml", ".prompt.yml"] where promptPath.hasSuffix(promptSuffix) {
            return String(promptPath.dropLast(promptSuffix.count)) + suffix
        }
        return nil
    }

    /// The tests of a prompt file: its `tests:` list, then its sidecar's (`sidecar` is the
    /// sidecar's bytes when one exists).
    public static func read(prompt: PromptFile, path: String, sidecar: (path: String, bytes: [UInt8])?) -> TestSuite {
        var suite = TestSuite()
        if let node = prompt.tests {
            suite.read(node, document: prompt.document, path: path, lines: LineIndex(prompt.document.bytes))
        }
        if let sidecar {
            let doc = YAMLParser.parse(sidecar.bytes)
            let lines = LineIndex(sidecar.bytes)
            func problem(_ range: TextRange, _ message: String) {
                suite.problems.append(TestProblem(path: sidecar.path, range: range, message: message, lines: lines))
            }
            for p in doc.problems { problem(p.range, p.message) }
            if let root = doc.root {
                if let tests = root["tests"] {
                    suite.read(tests, document: doc, path: sidecar.path, lines: lines)
                } else if doc.problems.isEmpty {
                    problem(root.range, "a tests file needs a top-level `tests:` list")
                }
                for pair in root.mapping ?? [] {
                    if let k = pair.key.scalar?.value, k != "tests", k != "prompt" {
                        problem(pair.key.range, "unknown key `\(k)` (expected tests)")
                    }
                }
            }
        }
        var seen: [String: Int] = [:]
        for t in suite.declaredNames {
            seen[t.name, default: 0] += 1
            if seen[t.name] == 2 {
                suite.problems.append(TestProblem(path: t.path, range: t.range, message: "two tests are named `\(t.name)`; test names must be unique in a prompt file (recordings and results are filed by name)", lines: t.lines))
            }
        }
        return suite
    }

    static let testKeys = ["name", "description", "sample", "vars", "provider", "model", "params", "assert"]

    mutating func read(_ node: YAMLNode, document: YAMLDocument, path: String, lines: LineIndex) {
        func problem(_ range: TextRange, _ message: String) { problems.append(TestProblem(path: path, range: range, message: message, lines: lines)) }
        guard let items = node.sequence else {
            problem(node.range, "`tests` must be a list of test cases")
            return
        }
        for item in items {
            guard let pairs = item.mapping else {
                problem(item.range, "a test case must be a mapping with `name`, `vars` and `assert`")
                continue
            }
            var name = "test \(declaredNames.count + 1)"
            var nameRange = item.range
            var sample: String?
            var vars = OrderedObject()
            var provider: String?
            var model: String?
            var params = OrderedObject()
            var assertions: [AssertionSpec] = []
            var ok = true
            for pair in pairs {
                guard let key = pair.key.scalar?.value else { continue }
                let value = pair.value
                func string() -> String? {
                    guard let s = value.scalar?.value, !s.isEmpty else {
                        problem(value.range, "`\(key)` must be a non-empty string")
                        ok = false
                        return nil
                    }
                    return s
                }
                func object() -> OrderedObject? {
                    let converted = YAMLValues.value(of: value, in: document)
                    if let limit = converted.limitError { problem(value.range, limit); ok = false; return nil }
                    guard case .object(let o) = converted.value else {
                        problem(value.range, "`\(key)` must be a mapping")
                        ok = false
                        return nil
                    }
                    return o
                }
                switch key {
                case "name":
                    if let s = string() { name = s; nameRange = value.range }
                case "description": break
                case "sample": sample = string()
                case "vars": vars = object() ?? vars
                case "provider": provider = string()
                case "model": model = string()
                case "params": params = object() ?? params
                case "assert":
                    guard let list = value.sequence else {
                        problem(value.range, "`assert` must be a list of assertions")
                        ok = false
                        continue
                    }
                    for a in list {
                        do {
                            assertions.append(try AssertionSpec.read(a, document: document))
                        } catch {
                            problem(error.range, error.message)
                            ok = false
                        }
                    }
                default:
                    let suggestion = DidYouMean.suggestion(for: key, among: Self.testKeys)
                    problem(pair.key.range, "unknown key `\(key)` in a test case" + (suggestion.map { "; did you mean `\($0)`?" } ?? ""))
                }
            }
            declaredNames.append((name, path, nameRange, lines))
            if ok {
                tests.append(PromptTest(name: name, path: path, range: item.range, nameRange: nameRange, sample: sample, vars: vars,
                                        provider: provider, model: model, params: params, assertions: assertions, lineIndex: lines))
            }
        }
    }
}
