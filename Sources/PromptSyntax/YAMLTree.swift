import CoreSupport

/// A YAML node with exact UTF-8 byte ranges into the file.
///
/// An immutable class: trees are built once and then shared by every rule and across threads,
/// and passing a reference is much cheaper than copying a multi-field struct.
public final class YAMLNode: Sendable {
    public enum Kind: Sendable {
        case scalar(YAMLScalar)
        case mapping([YAMLPair])
        case sequence([YAMLNode])
        case alias(String)
    }

    public let kind: Kind
    /// The node's source range: for scalars the whole token (quotes and block headers included),
    /// for collections from the first to the last character.
    public let range: TextRange
    public let tag: String?
    public let anchor: String?
    /// `{…}` / `[…]` flow style (as opposed to block style).
    public let isFlow: Bool

    public init(kind: Kind, range: TextRange, tag: String?, anchor: String?, isFlow: Bool) {
        self.kind = kind
        self.range = range
        self.tag = tag
        self.anchor = anchor
        self.isFlow = isFlow
    }

    public var scalar: YAMLScalar? { if case .scalar(let s) = kind { s } else { nil } }
    public var mapping: [YAMLPair]? { if case .mapping(let m) = kind { m } else { nil } }
    public var sequence: [YAMLNode]? { if case .sequence(let s) = kind { s } else { nil } }

    /// Kind as users read it in messages: "a string", "a mapping", …
    public var kindDescription: String {
        switch kind {
        case .scalar(let s):
            switch s.resolved {
            case .null: "null"
            case .bool: "a boolean"
            case .int: "an integer"
            case .double: "a number"
            default: "a string"
            }
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// Looks up a mapping key (the first occurrence).
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar?.value == key }?.value
    }
}

public struct YAMLPair: Sendable {
    public let key: YAMLNode
    public let value: YAMLNode
}

public enum ScalarStyle: Sendable, Equatable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

public struct YAMLScalar: Sendable {
    /// The decoded value, as libyaml produced it.
    public let value: String
    public let style: ScalarStyle
    /// Whether an explicit tag forced the type (`!!str 1`).
    public let tag: String?

    /// Typed value under the YAML 1.2 core schema: only plain, untagged scalars resolve to
    /// null/bool/int/float; everything quoted or block-style is a string.
    public var resolved: Value {
        if let tag {
            switch tag {
            case "tag:yaml.org,2002:str": return .string(value)
            case "tag:yaml.org,2002:int": if let i = Int(value) { return .int(i) }
            case "tag:yaml.org,2002:float": if let d = Double(value) { return .double(d) }
            case "tag:yaml.org,2002:bool": return .bool(value.lowercased() == "true")
            case "tag:yaml.org,2002:null": return .null
            default: break
            }
            return .string(value)
        }
        guard style == .plain else { return .string(value) }
        switch value {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        if YAMLScalar.isInteger(value) {
            if let i = Int(value) { return .int(i) }
            if value.hasPrefix("0x"), let i = Int(value.dropFirst(2), radix: 16) { return .int(i) }
            if value.hasPrefix("0o"), let i = Int(value.dropFirst(2), radix: 8) { return .int(i) }
            if let i = Int(value.hasPrefix("+") ? String(value.dropFirst()) : value) { return .int(i) }
        }
        if YAMLScalar.isFloat(value), let d = Double(value) { return .double(d) }
        return .string(value)
    }

    static func isInteger(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard !u.isEmpty else { return false }
        if u.count > 2, u[0] == UInt8(ascii: "0"), u[1] == UInt8(ascii: "x") {
            return u[2...].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
        }
        if u.count > 2, u[0] == UInt8(ascii: "0"), u[1] == UInt8(ascii: "o") {
            return u[2...].allSatisfy { $0 >= 0x30 && $0 <= 0x37 }
        }
        var k = 0
        if u[0] == UInt8(ascii: "-") || u[0] == UInt8(ascii: "+") { k = 1 }
        guard k < u.count else { return false }
        return u[k...].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    static func isFloat(_ s: String) -> Bool {
        // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
        let u = Array(s.utf8)
        var k = 0
        func digits() -> Int { var n = 0; while k < u.count, u[k] >= 0x30, u[k] <= 0x39 { k += 1; n += 1 }; return n }
        if k < u.count, u[k] == UInt8(ascii: "-") || u[k] == UInt8(ascii: "+") { k += 1 }
        let intDigits = digits()
        var fracDigits = 0
        if k < u.count, u[k] == UInt8(ascii: ".") { k += 1; fracDigits = digits() }
        guard intDigits > 0 || fracDigits > 0 else { return false }
        if k < u.count, u[k] == UInt8(ascii: "e") || u[k] == UInt8(ascii: "E") {
            k += 1
            if k < u.count, u[k] == UInt8(ascii: "-") || u[k] == UInt8(ascii: "+") { k += 1 }
            guard digits() > 0 else { return false }
        }
        return k == u.count
    }
}

/// What went wrong while reading YAML, with its location.
public struct YAMLProblem: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case syntax
        case encoding
        case nestingTooDeep
        case multipleDocuments
    }
    public let kind: Kind
    public let message: String
    public let range: TextRange
}

/// The result of parsing one file: whatever parsed, plus the problems. Never throws.
public struct YAMLDocument: Sendable {
    public let bytes: [UInt8]
    public let root: YAMLNode?
    public let problems: [YAMLProblem]
    /// Anchored nodes by name, for expanding aliases on demand (never eagerly: alias bombs).
    public let anchors: [String: YAMLNode]

    public init(bytes: [UInt8], root: YAMLNode?, problems: [YAMLProblem], anchors: [String: YAMLNode]) {
        self.bytes = bytes
        self.root = root
        self.problems = problems
        self.anchors = anchors
    }

    public func text(_ range: TextRange) -> String {
        let lo = max(0, min(range.start, bytes.count))
        let hi = max(lo, min(range.end, bytes.count))
        return String(decoding: bytes[lo..<hi], as: UTF8.self)
    }
}
