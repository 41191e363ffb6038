/// Data given to templates: sample values, `--vars` files, test inputs, spec-suite data.
///
/// Objects keep their key order (users read rendered JSON and previews in the order they wrote).
public enum Value: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    case object(OrderedObject)

    public subscript(key: String) -> Value? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// The type name used in messages (`string`, `integer`, …), matching the prompt-file types.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Mustache truthiness. Empty strings are falsey, as in mustache.js and most implementations
    /// (the spec leaves it open); `0` stays truthy, so a count of zero still renders.
    public var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let b): b
        case .string(let s): !s.isEmpty
        case .array(let a): !a.isEmpty
        case .int, .double, .object: true
        }
    }

    /// Text that interpolation produces.
    public var interpolationText: String {
        switch self {
        case .null: ""
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): Value.formatDouble(d)
        case .string(let s): s
        case .array, .object: JSON.serialize(self)
        }
    }

    public static func formatDouble(_ d: Double) -> String {
        if abs(d) < 1e15, let i = Int(exactly: d) { return String(i) }
        return String(d)
    }
}

/// An insertion-ordered string-keyed dictionary.
public struct OrderedObject: Hashable, Sendable {
    public private(set) var keys: [String] = []
    private var storage: [String: Value] = [:]

    public init() {}
    public init(_ pairs: [(String, Value)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public subscript(key: String) -> Value? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }
    public var pairs: [(key: String, value: Value)] { keys.compactMap { k in storage[k].map { (k, $0) } } }

    public static func == (lhs: OrderedObject, rhs: OrderedObject) -> Bool {
        lhs.storage == rhs.storage
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(storage) }
}
