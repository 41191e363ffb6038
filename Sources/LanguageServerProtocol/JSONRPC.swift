import CoreSupport

/// A JSON-RPC 2.0 request id: a number or a string (the specification allows both; clients use both).
public enum RequestID: Hashable, Sendable, CustomStringConvertible {
    case int(Int)
    case string(String)

    public var json: Value {
        switch self {
        case .int(let i): .int(i)
        case .string(let s): .string(s)
        }
    }

    /// A request id read from JSON; nil for anything else (null, objects, fractional numbers).
    public init?(_ value: Value?) {
        switch value {
        case .int(let i)?: self = .int(i)
        case .string(let s)?: self = .string(s)
        case .double(let d)? where d.rounded() == d && abs(d) < 1e15: self = .int(Int(d))
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .int(let i): String(i)
        case .string(let s): JSON.quoted(s)
        }
    }
}

/// JSON-RPC and LSP error codes (LSP 3.17, "Response Message").
public struct ErrorCode: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let parseError = ErrorCode(rawValue: -32700)
    public static let invalidRequest = ErrorCode(rawValue: -32600)
    public static let methodNotFound = ErrorCode(rawValue: -32601)
    public static let invalidParams = ErrorCode(rawValue: -32602)
    public static let internalError = ErrorCode(rawValue: -32603)
    public static let serverNotInitialized = ErrorCode(rawValue: -32002)
    public static let unknownErrorCode = ErrorCode(rawValue: -32001)
    public static let requestFailed = ErrorCode(rawValue: -32803)
    public static let serverCancelled = ErrorCode(rawValue: -32802)
    public static let contentModified = ErrorCode(rawValue: -32801)
    public static let requestCancelled = ErrorCode(rawValue: -32800)
}

public struct ResponseError: Error, Sendable {
    public let code: ErrorCode
    public let message: String
    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func invalidParams(_ message: String) -> ResponseError { ResponseError(.invalidParams, message) }

    public var json: Value {
        .object(OrderedObject([("code", .int(code.rawValue)), ("message", .string(message))]))
    }
}

/// One decoded JSON-RPC message.
public enum Message: Sendable {
    case request(id: RequestID, method: String, params: Value)
    case notification(method: String, params: Value)
    case response(id: RequestID?, result: Value?, error: Value?)

    /// The reason a well-formed JSON document is not a JSON-RPC message, with the id to answer
    /// with when one could be read (the specification answers invalid requests with `id: null`
    /// when it cannot).
    public struct Invalid: Error, Sendable {
        public let id: RequestID?
        public let message: String
    }

    /// Decodes one frame's body. A failure carries the error to answer with and, for a valid JSON
    /// value that is not a valid message, the id to answer to when one could be read.
    public static func decode(_ bytes: [UInt8]) -> Result<Message, Undecodable> {
        let value: Value
        do {
            value = try JSON.parse(bytes)
        } catch {
            return .failure(Undecodable(error: ResponseError(.parseError, "invalid JSON: \(error.description)"), id: nil))
        }
        return decode(value).mapError { Undecodable(error: ResponseError(.invalidRequest, $0.message), id: $0.id) }
    }

    public struct Undecodable: Error, Sendable {
        public let error: ResponseError
        public let id: RequestID?
    }

    public static func decode(_ value: Value) -> Result<Message, Invalid> {
        guard case .object(let o) = value else {
            return .failure(Invalid(id: nil, message: "a JSON-RPC message must be an object, got \(value.typeName)"))
        }
        let id = RequestID(o["id"])
        guard case .string("2.0")? = o["jsonrpc"] else {
            return .failure(Invalid(id: id, message: "`jsonrpc` must be \"2.0\""))
        }
        let params = o["params"] ?? .null
        if let method = o["method"] {
            guard case .string(let name) = method else {
                return .failure(Invalid(id: id, message: "`method` must be a string"))
            }
            switch params {
            case .object, .array, .null: break
            default: return .failure(Invalid(id: id, message: "`params` must be an object or an array"))
            }
            if o["id"] != nil && o["id"] != .null {
                guard let id else { return .failure(Invalid(id: nil, message: "`id` must be a number or a string")) }
                return .success(.request(id: id, method: name, params: params))
            }
            return .success(.notification(method: name, params: params))
        }
        if o["result"] != nil || o["error"] != nil {
            return .success(.response(id: id, result: o["result"], error: o["error"]))
        }
        return .failure(Invalid(id: id, message: "a message needs `method` (request or notification) or `result`/`error` (response)"))
    }

    public static func response(id: RequestID?, result: Value) -> Value {
        .object(OrderedObject([("jsonrpc", .string("2.0")), ("id", id?.json ?? .null), ("result", result)]))
    }

    public static func response(id: RequestID?, error: ResponseError) -> Value {
        .object(OrderedObject([("jsonrpc", .string("2.0")), ("id", id?.json ?? .null), ("error", error.json)]))
    }

    public static func notification(_ method: String, _ params: Value) -> Value {
        .object(OrderedObject([("jsonrpc", .string("2.0")), ("method", .string(method)), ("params", params)]))
    }

    public static func request(id: RequestID, _ method: String, _ params: Value) -> Value {
        .object(OrderedObject([("jsonrpc", .string("2.0")), ("id", id.json), ("method", .string(method)), ("params", params)]))
    }
}
