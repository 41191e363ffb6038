import CoreSupport
import Foundation
import LanguageServerProtocol

/// What the reader thread hands to the server thread, in arrival order.
enum Incoming: Sendable {
    case message(Message)
    /// A frame that is not a valid JSON-RPC message; answered with `error` (to `id`, or null).
    case invalid(ResponseError, id: RequestID?)
    case end(midMessage: Bool)
    /// A child `promptkit test` finished (TestRuns.swift).
    case testRunFinished(TestRunResult)
}

/// The ordered queue between the reader thread and the server thread.
///
/// The reader keeps reading while the server works, which is what makes cancellation and
/// "this request is already stale" possible: the server can see that a `$/cancelRequest` or a
/// newer `didChange` is already waiting behind the request it is about to answer.
final class MessageQueue: @unchecked Sendable {
    // NSCondition guards every field below.
    private let condition = NSCondition()
    private var items: [Incoming] = []
    private var head = 0
    private var cancelled: Set<RequestID> = []

    func push(_ item: Incoming) {
        condition.lock()
        if case .message(.notification("$/cancelRequest", let params)) = item, let id = RequestID(params["id"]) {
            cancelled.insert(id)
        }
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    /// The next item, or nil when `deadline` passes first.
    func next(until deadline: Date?) -> Incoming? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count {
            if let deadline {
                if !condition.wait(until: deadline) && head == items.count { return nil }
            } else {
                condition.wait()
            }
        }
        let item = items[head]
        head += 1
        if head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }

    /// Consumes a cancellation for `id` if one arrived.
    func takeCancellation(_ id: RequestID) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled.remove(id) != nil
    }

    /// Whether a change to (or the closing of) `uri` is waiting: results computed now would be stale.
    func hasPendingChange(to uri: String) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        for item in items[head...] {
            guard case .message(.notification(let method, let params)) = item,
                  method == "textDocument/didChange" || method == "textDocument/didClose" else { continue }
            if params.at("textDocument", "uri")?.stringValue == uri { return true }
        }
        return false
    }
}
