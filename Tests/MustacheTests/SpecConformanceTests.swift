import CoreSupport
import Foundation
import Testing
@testable import Mustache

/// Runs the official Mustache specification suite from `../shared/conformance/mustache-spec/`.
/// Lambdas are excluded: prompt data comes from YAML and JSON files, which cannot hold code.
struct SpecConformanceTests {
    struct SpecCase: CustomTestStringConvertible, Sendable {
        let file: String
        let name: String
        let template: String
        let data: Value
        let partials: [String: String]
        let expected: String
        var testDescription: String { "\(file): \(name)" }
    }

    static let specFiles = [
        "comments", "delimiters", "interpolation", "inverted", "partials", "sections",
        "~inheritance", "~dynamic-names",
    ]

    static func specDirectory() -> URL {
        if let dir = ProcessInfo.processInfo.environment["MUSTACHE_SPEC_DIR"] {
            return URL(fileURLWithPath: dir)
        }
        // Tests/MustacheTests/ → repository root → ../shared/…
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("shared/conformance/mustache-spec")
    }

    static func loadCases() throws -> [SpecCase] {
        var cases: [SpecCase] = []
        for file in specFiles {
            let url = specDirectory().appendingPathComponent("\(file).json")
            let bytes = Array(try Data(contentsOf: url))
            let root = try JSON.parse(bytes)
            guard case .array(let tests)? = root["tests"] else { continue }
            for test in tests {
                guard case .string(let name)? = test["name"], case .string(let template)? = test["template"],
                      case .string(let expected)? = test["expected"] else { continue }
                var partials: [String: String] = [:]
                if case .object(let p)? = test["partials"] {
                    for (k, v) in p.pairs { if case .string(let s) = v { partials[k] = s } }
                }
                cases.append(SpecCase(file: file, name: name, template: template, data: test["data"] ?? .null,
                                      partials: partials, expected: expected))
            }
        }
        return cases
    }

    static let cases: [SpecCase] = (try? loadCases()) ?? []

    @Test func suiteIsPresentAndComplete() throws {
        let cases = try Self.loadCases()
        // 136 required + inheritance + dynamic names in the shared copy; a missing file fails here.
        #expect(cases.count > 150, "spec suite not found at \(Self.specDirectory().path)")
        for file in Self.specFiles {
            #expect(cases.contains { $0.file == file }, "no cases loaded from \(file).json")
        }
    }

    @Test(arguments: cases)
    func specCase(_ c: SpecCase) {
        let template = Template(c.template)
        #expect(template.errors.isEmpty, "unexpected parse errors: \(template.errors)")
        let result = template.render(c.data, partials: DictionaryPartials(c.partials),
                                     options: RenderOptions(escaping: .html))
        #expect(result.text == c.expected, "template: \(c.template.debugDescription)")
        #expect(result.limitReached == nil)
    }
}
