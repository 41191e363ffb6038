import CoreSupport
import Foundation

/// A documented subset of JSON Schema draft 2020-12 for the `json-schema` assertion
/// (docs/testing.md lists it). Written here because no Swift JSON Schema package is in the mirror;
/// the subset is what model-output checks use, and every keyword outside it is refused when the
/// test is read, so a schema never silently checks less than it says.
public struct JSONSchemaSubset: Sendable {
    public let schema: Value

    /// Keywords that constrain, and annotations that are accepted and ignored.
    public static let keywords: Set<String> = [
        "type", "enum", "const", "properties", "required", "additionalProperties", "items", "prefixItems",
        "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "pattern", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minProperties", "maxProperties",
        "allOf", "anyOf", "oneOf", "not",
    ]
    public static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "default", "examples", "format", "deprecated", "readOnly", "writeOnly",
    ]
    static let types: Set<String> = ["null", "boolean", "object", "array", "number", "integer", "string"]

    /// Checks the schema itself; the message names the JSON path of the first problem.
    public init(_ schema: Value) throws(SchemaError) {
        try Self.check(schema, path: "#")
        self.schema = schema
    }

    public struct SchemaError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    static func check(_ s: Value, path: String) throws(SchemaError) {
        if case .bool = s { return }
        guard case .object(let o) = s else { throw SchemaError(description: "\(path): a schema must be an object or a boolean") }
        for (k, v) in o.pairs {
            let here = "\(path)/\(k)"
            if annotations.contains(k) { continue }
            guard keywords.contains(k) else {
                throw SchemaError(description: "\(here): `\(k)` is not in promptkit's JSON Schema subset (docs/testing.md lists the supported keywords)")
            }
            switch k {
            case "type":
                let names: [Value] = if case .array(let a) = v { a } else { [v] }
                for n in names {
                    guard case .string(let t) = n, types.contains(t) else {
                        throw SchemaError(description: "\(here): type must be one of \(types.sorted().joined(separator: ", "))")
                    }
                }
            case "properties":
                guard case .object(let props) = v else { throw SchemaError(description: "\(here): must be an object of schemas") }
                for (name, sub) in props.pairs { try check(sub, path: "\(here)/\(name)") }
            case "additionalProperties", "items", "not":
                try check(v, path: here)
            case "prefixItems", "allOf", "anyOf", "oneOf":
                guard case .array(let subs) = v, !subs.isEmpty else { throw SchemaError(description: "\(here): must be a non-empty array of schemas") }
                for (i, sub) in subs.enumerated() { try check(sub, path: "\(here)/\(i)") }
            case "required":
                guard case .array(let names) = v, names.allSatisfy({ if case .string = $0 { true } else { false } }) else {
                    throw SchemaError(description: "\(here): must be an array of property names")
                }
            case "enum":
                guard case .array = v else { throw SchemaError(description: "\(here): must be an array") }
            case "minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties":
                guard case .int(let n) = v, n >= 0 else { throw SchemaError(description: "\(here): must be a non-negative integer") }
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                guard number(v) != nil else { throw SchemaError(description: "\(here): must be a number") }
            case "multipleOf":
                guard let n = number(v), n > 0 else { throw SchemaError(description: "\(here): must be a number greater than 0") }
            case "uniqueItems":
                guard case .bool = v else { throw SchemaError(description: "\(here): must be true or false") }
            case "pattern":
                guard case .string(let p) = v, (try? NSRegularExpression(pattern: p)) != nil else {
                    throw SchemaError(description: "\(here): must be a valid regular expression")
                }
            default: break  // const
            }
        }
    }

    static func number(_ v: Value) -> Double? {
        switch v {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    /// The first violations (JSON pointer and reason), empty when `instance` is valid.
    public func validate(_ instance: Value, limit: Int = 10) -> [String] {
        var errors: [String] = []
        Self.validate(instance, schema, path: "", into: &errors, limit: limit)
        return errors
    }

    static func typeMatches(_ t: String, _ v: Value) -> Bool {
        switch (t, v) {
        case ("null", .null), ("boolean", .bool), ("object", .object), ("array", .array), ("string", .string): true
        case ("number", .int), ("number", .double), ("integer", .int): true
        case ("integer", .double(let d)): d.rounded() == d && d.isFinite
        default: false
        }
    }

    /// Equality as JSON sees it: 1 and 1.0 are the same number.
    static func jsonEqual(_ a: Value, _ b: Value) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        switch (a, b) {
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { jsonEqual($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.pairs.allSatisfy { p in y[p.key].map { jsonEqual(p.value, $0) } ?? false }
        default: return a == b
        }
    }

    static func validate(_ v: Value, _ s: Value, path: String, into errors: inout [String], limit: Int) {
        guard errors.count < limit else { return }
        func fail(_ message: String) { if errors.count < limit { errors.append("\(path.isEmpty ? "/" : path): \(message)") } }
        if case .bool(let b) = s {
            if !b { fail("no value is allowed here") }
            return
        }
        guard case .object(let o) = s else { return }
        if let t = o["type"] {
            let listed: [Value] = if case .array(let a) = t { a } else { [t] }
            let names: [String] = listed.compactMap { if case .string(let n) = $0 { n } else { nil } }
            if !names.contains(where: { typeMatches($0, v) }) {
                fail("expected \(names.joined(separator: " or ")), got \(v.typeName)")
                return
            }
        }
        if case .array(let options)? = o["enum"], !options.contains(where: { jsonEqual($0, v) }) {
            fail("must be one of \(options.map { JSON.serialize($0) }.joined(separator: ", "))")
        }
        if let c = o["const"], !jsonEqual(c, v) { fail("must be \(JSON.serialize(c))") }
        switch v {
        case .string(let str):
            let length = str.unicodeScalars.count
            if case .int(let n)? = o["minLength"], length < n { fail("shorter than \(n) characters") }
            if case .int(let n)? = o["maxLength"], length > n { fail("longer than \(n) characters") }
            if case .string(let p)? = o["pattern"], let re = try? NSRegularExpression(pattern: p),
               re.firstMatch(in: str, range: NSRange(str.startIndex..., in: str)) == nil {
                fail("does not match the pattern \(p)")
            }
        case .int, .double:
            let x = number(v) ?? 0
            if let m = o["minimum"].flatMap(number), x < m { fail("less than the minimum \(Value.formatDouble(m))") }
            if let m = o["maximum"].flatMap(number), x > m { fail("greater than the maximum \(Value.formatDouble(m))") }
            if let m = o["exclusiveMinimum"].flatMap(number), x <= m { fail("must be greater than \(Value.formatDouble(m))") }
            if let m = o["exclusiveMaximum"].flatMap(number), x >= m { fail("must be less than \(Value.formatDouble(m))") }
            if let m = o["multipleOf"].flatMap(number), m > 0 {
                let q = x / m
                if abs(q - q.rounded()) > 1e-9 * max(1, abs(q)) { fail("not a multiple of \(Value.formatDouble(m))") }
            }
        case .array(let items):
            if case .int(let n)? = o["minItems"], items.count < n { fail("fewer than \(n) items") }
            if case .int(let n)? = o["maxItems"], items.count > n { fail("more than \(n) items") }
            if case .bool(true)? = o["uniqueItems"] {
                outer: for i in items.indices {
                    for j in items.indices where j > i && jsonEqual(items[i], items[j]) {
                        fail("items \(i) and \(j) are equal")
                        break outer
                    }
                }
            }
            var prefix = 0
            if case .array(let schemas)? = o["prefixItems"] {
                prefix = schemas.count
                for (i, sub) in schemas.enumerated() where i < items.count { validate(items[i], sub, path: "\(path)/\(i)", into: &errors, limit: limit) }
            }
            if let sub = o["items"] {
                for i in items.indices where i >= prefix { validate(items[i], sub, path: "\(path)/\(i)", into: &errors, limit: limit) }
            }
        case .object(let obj):
            if case .int(let n)? = o["minProperties"], obj.count < n { fail("fewer than \(n) properties") }
            if case .int(let n)? = o["maxProperties"], obj.count > n { fail("more than \(n) properties") }
            if case .array(let required)? = o["required"] {
                for case .string(let name) in required where obj[name] == nil { fail("missing the required property `\(name)`") }
            }
            let declared: OrderedObject? = if case .object(let p)? = o["properties"] { p } else { nil }
            for (k, value) in obj.pairs {
                let here = "\(path)/\(pointerEscape(k))"
                if let sub = declared?[k] {
                    validate(value, sub, path: here, into: &errors, limit: limit)
                } else if let extra = o["additionalProperties"] {
                    if case .bool(false) = extra { fail("unexpected property `\(k)`") } else { validate(value, extra, path: here, into: &errors, limit: limit) }
                }
            }
        case .null, .bool: break
        }
        if case .array(let subs)? = o["allOf"] { for sub in subs { validate(v, sub, path: path, into: &errors, limit: limit) } }
        if case .array(let subs)? = o["anyOf"] {
            if !subs.contains(where: { sub in var e: [String] = []; validate(v, sub, path: path, into: &e, limit: 1); return e.isEmpty }) {
                fail("matches none of anyOf")
            }
        }
        if case .array(let subs)? = o["oneOf"] {
            let passing = subs.filter { sub in var e: [String] = []; validate(v, sub, path: path, into: &e, limit: 1); return e.isEmpty }.count
            if passing != 1 { fail("matches \(passing) of oneOf (exactly 1 required)") }
        }
        if let sub = o["not"] {
            var e: [String] = []
            validate(v, sub, path: path, into: &e, limit: 1)
            if e.isEmpty { fail("must not match the `not` schema") }
        }
    }

    static func pointerEscape(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
