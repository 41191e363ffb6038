import CoreSupport
import Evaluation
import Foundation
import Project

/// Machine-readable test results: JSON with every assertion's computed value, and JUnit XML for
/// CI test tabs (a suite per prompt file, a case per test).
enum TestReports {
    typealias Problem = (path: String, line: Int, column: Int, message: String)

    static func json(_ report: RunReport, problems: [Problem], cwd: String) -> Value {
        var summary = OrderedObject()
        summary["total"] = .int(report.outcomes.count)
        summary["passed"] = .int(report.passed)
        summary["failed"] = .int(report.failed)
        summary["errors"] = .int(report.errors)
        summary["pass_rate"] = .double(report.passRate)
        summary["requests"] = .int(report.requests)
        summary["cache_hits"] = .int(report.cacheHits)
        summary["spent_usd"] = .double(report.spent)
        summary["budget_usd"] = report.budget.map(Value.double) ?? .null
        summary["breaker_trips"] = .object(OrderedObject(report.breakerTrips.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }))
        var root = OrderedObject()
        root["summary"] = .object(summary)
        root["tests"] = .array(report.outcomes.map { test($0, cwd: cwd) })
        root["problems"] = .array(problems.map {
            .object(OrderedObject([("file", .string($0.path)), ("line", .int($0.line)), ("column", .int($0.column)), ("message", .string($0.message))]))
        })
        return .object(root)
    }

    static func test(_ o: TestOutcome, cwd: String) -> Value {
        var t = OrderedObject()
        t["prompt"] = .string(o.promptName)
        t["file"] = .string(ProjectFiles.relativePath(o.test.path, to: cwd))
        let position = o.test.lineIndex.position(of: o.test.range.start)
        t["line"] = .int(position.line)
        t["name"] = .string(o.test.name)
        t["status"] = .string(o.status.rawValue)
        t["provider"] = .string(o.provider)
        t["model"] = o.model.map(Value.string) ?? .null
        t["cached"] = .bool(o.cached)
        t["stale_recording"] = .bool(o.staleRecording)
        t["attempts"] = .int(o.attempts)
        t["retries"] = .array(o.retries.map(Value.string))
        t["fallbacks"] = .array(o.fallbacks.map(Value.string))
        t["latency_ms"] = o.latency.map { .double(($0 * 1000).rounded()) } ?? .null
        t["cost_usd"] = o.cost.map(Value.double) ?? .null
        t["prompt_tokens"] = o.promptTokens.map(Value.int) ?? .null
        t["completion_tokens"] = o.completionTokens.map(Value.int) ?? .null
        t["output"] = o.output.map(Value.string) ?? .null
        t["error"] = o.error.map(Value.string) ?? .null
        t["assertions"] = .array(o.assertions.map { a in
            let p = o.test.lineIndex.position(of: a.range.start)
            return .object(OrderedObject([
                ("type", .string(a.kind.rawValue)), ("passed", .bool(a.passed)), ("value", a.value),
                ("threshold", a.threshold.map(Value.double) ?? .null), ("message", .string(a.message)),
                ("line", .int(p.line)), ("column", .int(p.column)),
            ]))
        })
        t["seconds"] = .double((o.seconds * 1000).rounded() / 1000)
        return .object(t)
    }

    static func junit(_ report: RunReport, problems: [Problem], cwd: String) -> String {
        let x = CIFormats.xml
        var byFile: [(path: String, outcomes: [TestOutcome])] = []
        for o in report.outcomes {
            if let i = byFile.firstIndex(where: { $0.path == o.promptPath }) { byFile[i].outcomes.append(o) } else { byFile.append((o.promptPath, [o])) }
        }
        var suites = ""
        for (path, outcomes) in byFile {
            let failures = outcomes.filter { $0.status == .failed }.count
            let errors = outcomes.filter { $0.status == .error }.count
            let time = outcomes.reduce(0) { $0 + $1.seconds }
            let name = outcomes.first?.promptName ?? path
            let shown = ProjectFiles.relativePath(path, to: cwd)
            suites += "  <testsuite name=\"\(x(name))\" tests=\"\(outcomes.count)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(String(format: "%.3f", time))\" file=\"\(x(shown))\">\n"
            for o in outcomes {
                let line = o.test.lineIndex.position(of: o.test.range.start).line
                suites += "    <testcase classname=\"\(x(name))\" name=\"\(x(o.test.name))\" time=\"\(String(format: "%.3f", o.seconds))\" file=\"\(x(ProjectFiles.relativePath(o.test.path, to: cwd)))\" line=\"\(line)\">\n"
                switch o.status {
                case .passed: break
                case .failed:
                    let failed = o.assertions.filter { !$0.passed }
                    let message = failed.map { "\($0.kind.rawValue): \($0.message)" }.joined(separator: "\n")
                    suites += "      <failure message=\"\(x(failed.first.map { "\($0.kind.rawValue): \($0.message)" } ?? "failed"))\" type=\"assertion\">\(x(message))</failure>\n"
                case .error:
                    suites += "      <error message=\"\(x(o.error ?? "error"))\" type=\"error\">\(x(o.error ?? ""))</error>\n"
                }
                if let output = o.output { suites += "      <system-out>\(x(output))</system-out>\n" }
                suites += "    </testcase>\n"
            }
            suites += "  </testsuite>\n"
        }
        if !problems.isEmpty {
            suites += "  <testsuite name=\"test definitions\" tests=\"\(problems.count)\" failures=\"0\" errors=\"\(problems.count)\">\n"
            for p in problems {
                suites += "    <testcase classname=\"test definitions\" name=\"\(x("\(p.path):\(p.line):\(p.column)"))\">\n"
                suites += "      <error message=\"\(x(p.message))\" type=\"definition\"/>\n    </testcase>\n"
            }
            suites += "  </testsuite>\n"
        }
        let total = report.outcomes.count + problems.count
        let errors = report.errors + problems.count
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites name="promptkit test" tests="\(total)" failures="\(report.failed)" errors="\(errors)">
        \(suites)</testsuites>

        """
    }
}
