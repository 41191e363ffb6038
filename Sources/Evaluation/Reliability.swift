import Foundation

/// How a live provider is called: the patterns production LLM clients use (timeouts, retries with
/// exponential backoff and full jitter that honour Retry-After, a circuit breaker, a concurrency limit).
public struct ReliabilitySettings: Sendable, Equatable {
    public var timeout: Double = 60
    /// Attempts after the first.
    public var maxRetries = 4
    public var backoffBase: Double = 0.5
    public var backoffMax: Double = 30
    /// The longest Retry-After honoured; a server asking for more fails the attempt at once.
    public var maxRetryAfter: Double = 120
    public var concurrency = 4
    /// Consecutive failed requests that open the breaker, and how long it stays open.
    public var breakerFailures = 5
    public var breakerCooldown: Double = 30

    public init() {}

    /// Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): a random wait up to the
    /// exponential ceiling, so clients that failed together do not retry together.
    func backoff(attempt: Int, retryAfter: Double?, random: Double) -> Double {
        let ceiling = min(backoffMax, backoffBase * pow(2, Double(attempt)))
        let jittered = ceiling * random
        if let retryAfter { return max(retryAfter, jittered) }
        return jittered
    }
}

/// Closed → open after `failures` consecutive failures → half-open after `cooldown` (one probe
/// request) → closed on its success, open again on its failure.
actor CircuitBreaker {
    enum State: Equatable { case closed, open(until: Date), halfOpen }
    private(set) var state: State = .closed
    private var consecutiveFailures = 0
    private var probeInFlight = false
    let failures: Int
    let cooldown: Double
    /// Times the breaker opened in this run (reported in the summary).
    private(set) var trips = 0

    init(failures: Int, cooldown: Double) {
        self.failures = max(1, failures)
        self.cooldown = cooldown
    }

    /// Nil when a request may go out, else seconds until it may.
    func permit(now: Date = Date()) -> Double? {
        switch state {
        case .closed: return nil
        case .open(let until):
            if now >= until {
                state = .halfOpen
                probeInFlight = true
                return nil
            }
            return until.timeIntervalSince(now)
        case .halfOpen:
            if probeInFlight { return 0.05 }  // others wait for the probe's verdict
            probeInFlight = true
            return nil
        }
    }

    func succeeded() {
        consecutiveFailures = 0
        probeInFlight = false
        state = .closed
    }

    func failed(now: Date = Date()) {
        consecutiveFailures += 1
        probeInFlight = false
        if state == .halfOpen || consecutiveFailures >= failures {
            if case .open = state {} else { trips += 1 }
            state = .open(until: now.addingTimeInterval(cooldown))
            consecutiveFailures = 0
        }
    }

    /// A request that ended without a verdict on the provider (a 400, a missing key).
    func released() { probeInFlight = false }
}

/// At most `limit` requests in flight; waiters are served in order.
actor ConcurrencyLimiter {
    private let limit: Int
    private var inFlight = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    func acquire() async {
        if inFlight < limit {
            inFlight += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            inFlight -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// What happened on the way to an answer, for the report.
public struct CallLog: Sendable {
    public var attempts = 0
    public var retries: [String] = []
    public var waited: Double = 0
}

/// A live provider behind retries, a circuit breaker and a concurrency limit. One per provider
/// per run, so the breaker and the limit are shared by every test that uses the provider.
public final class ReliableProvider: Sendable {
    public let base: any CompletionProvider
    public let settings: ReliabilitySettings
    let breaker: CircuitBreaker
    let limiter: ConcurrencyLimiter

    public init(_ base: any CompletionProvider, settings: ReliabilitySettings) {
        self.base = base
        self.settings = settings
        breaker = CircuitBreaker(failures: settings.breakerFailures, cooldown: settings.breakerCooldown)
        limiter = ConcurrencyLimiter(limit: settings.concurrency)
    }

    public var breakerTrips: Int { get async { await breaker.trips } }

    /// One answer, retrying what is worth retrying. Throws the last failure.
    public func complete(_ request: CompletionRequest, log: inout CallLog) async throws(ProviderError) -> Completion {
        var attempt = 0
        while true {
            if let wait = await breaker.permit() {
                // Open: fail fast rather than queue behind a provider that is down. Half-open with a
                // probe in flight: wait briefly for the probe's verdict.
                if wait > 0.05 { throw .circuitOpen(provider: base.name, retryIn: wait) }
                try? await Task.sleep(nanoseconds: 50_000_000)
                continue
            }
            await limiter.acquire()
            log.attempts += 1
            let result: Result<Completion, ProviderError>
            do {
                result = .success(try await base.complete(request))
            } catch {
                result = .failure(error)
            }
            await limiter.release()
            switch result {
            case .success(var completion):
                await breaker.succeeded()
                completion.attempts = log.attempts
                return completion
            case .failure(let error):
                if error.countsAgainstProvider { await breaker.failed() } else { await breaker.released() }
                guard error.isRetryable, attempt < settings.maxRetries else { throw error }
                var retryAfter: Double?
                if case .http(_, _, let after) = error, let after {
                    guard after <= settings.maxRetryAfter else { throw error }
                    retryAfter = after
                }
                let delay = settings.backoff(attempt: attempt, retryAfter: retryAfter, random: Double.random(in: 0...1))
                log.retries.append("\(error) — retry \(attempt + 1) of \(settings.maxRetries) in \(String(format: "%.2f", delay)) s")
                log.waited += delay
                attempt += 1
                try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            }
        }
    }
}
