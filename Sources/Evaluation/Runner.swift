import Analysis
import CoreSupport
import Foundation
import ModelCatalog
import PromptSyntax
import Tokenizer

/// One test to run: the test, its prompt file and workspace, and the file's recordings.
public struct TestJob: Sendable {
    public let file: ParsedFile
    public let workspace: Workspace
    public let test: PromptTest
    public let recorded: RecordedProvider?

    public init(file: ParsedFile, workspace: Workspace, test: PromptTest, recorded: RecordedProvider?) {
        self.file = file
        self.workspace = workspace
        self.test = test
        self.recorded = recorded
    }
}

/// What a test did.
public struct TestOutcome: Sendable {
    public enum Status: String, Sendable { case passed, failed, error }
    public let test: PromptTest
    public let promptName: String
    public let promptPath: String
    public var status: Status = .error
    public var assertions: [AssertionResult] = []
    public var provider = ""
    public var model: String?
    public var output: String?
    public var cached = false
    public var staleRecording = false
    public var attempts = 0
    public var retries: [String] = []
    public var fallbacks: [String] = []
    public var latency: Double?
    public var cost: Double?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var error: String?
    public var seconds: Double = 0
    /// Answers to write to the recordings file under `--record` (the test's, then its judges').
    public var recordings: [(key: String, entry: Recordings.Entry)] = []
}

public struct RunOptions: Sendable {
    public enum CacheMode: String, Sendable { case normal, off, refresh }
    /// `--provider`: overrides every test's and the settings' choice.
    public var provider: String?
    public var cacheMode: CacheMode = .normal
    /// Record answers (from a live provider) for the recordings file.
    public var record = false
    /// Tests run at once (each provider also limits its own requests).
    public var parallelTests = 8

    public init() {}
}

/// The run's spending limit, shared by every test.
actor Budget {
    let limit: Double?
    private(set) var spent = 0.0

    init(limit: Double?) { self.limit = limit }

    func check() throws(ProviderError) {
        if let limit, spent >= limit { throw .budgetExceeded(spent: spent, budget: limit) }
    }

    func add(_ cost: Double) { spent += cost }
}

/// Counts for the summary.
actor RunCounters {
    var requests = 0
    var cacheHits = 0
    func request(_ n: Int) { requests += n }
    func hit() { cacheHits += 1 }
}

public struct RunReport: Sendable {
    public var outcomes: [TestOutcome]
    public var spent: Double
    public var budget: Double?
    public var requests: Int
    public var cacheHits: Int
    /// Provider name → times its circuit breaker opened.
    public var breakerTrips: [String: Int]

    public var passed: Int { outcomes.filter { $0.status == .passed }.count }
    public var failed: Int { outcomes.filter { $0.status == .failed }.count }
    public var errors: Int { outcomes.filter { $0.status == .error }.count }
    public var passRate: Double { outcomes.isEmpty ? 1 : Double(passed) / Double(outcomes.count) }
}

/// Runs tests: renders each, asks its provider (cache, budget, fallbacks, reliability), checks
/// the assertions. Deterministic for the `recorded` provider; results come back in job order.
public final class TestRunner: Sendable {
    public let settings: EvaluationSettings
    public let catalog: ModelCatalog
    public let options: RunOptions
    let cache: ResponseCache?
    let live: [String: ReliableProvider]
    let budget: Budget
    let counters = RunCounters()

    public init(settings: EvaluationSettings, catalog: ModelCatalog, options: RunOptions, cache: ResponseCache?) {
        self.settings = settings
        self.catalog = catalog
        self.options = options
        self.cache = options.cacheMode == .off ? nil : cache
        var live: [String: ReliableProvider] = [:]
        for (name, p) in settings.providers {
            let base = OpenAICompatibleProvider(name: name, baseURL: p.baseURL, apiKeyVariable: p.apiKeyVariable,
                                                timeout: p.reliability.timeout, headers: p.headers)
            live[name] = ReliableProvider(base, settings: p.reliability)
        }
        self.live = live
        budget = Budget(limit: settings.budget)
    }

    public func run(_ jobs: [TestJob], progress: @escaping @Sendable (Int, Int, TestOutcome) -> Void = { _, _, _ in }) async -> RunReport {
        var outcomes = [TestOutcome?](repeating: nil, count: jobs.count)
        var done = 0
        await withTaskGroup(of: (Int, TestOutcome).self) { group in
            var next = 0
            func startNext() {
                guard next < jobs.count else { return }
                let index = next
                next += 1
                group.addTask { (index, await self.run(jobs[index])) }
            }
            for _ in 0..<max(1, options.parallelTests) { startNext() }
            while let (index, outcome) = await group.next() {
                outcomes[index] = outcome
                done += 1
                progress(done, jobs.count, outcome)
                startNext()
            }
        }
        var trips: [String: Int] = [:]
        for (name, provider) in live {
            let n = await provider.breakerTrips
            if n > 0 { trips[name] = n }
        }
        return RunReport(outcomes: outcomes.compactMap { $0 }, spent: await budget.spent, budget: settings.budget,
                         requests: await counters.requests, cacheHits: await counters.cacheHits, breakerTrips: trips)
    }

    func run(_ job: TestJob) async -> TestOutcome {
        let started = Date()
        let test = job.test
        var outcome = await execute(job, TestOutcome(test: test, promptName: job.file.prompt.name?.value ?? job.file.path, promptPath: job.file.path))
        outcome.seconds = Date().timeIntervalSince(started)
        return outcome
    }

    private func execute(_ job: TestJob, _ start: TestOutcome) async -> TestOutcome {
        var outcome = start
        let test = job.test
        let file = job.file
        func fail(_ message: String) -> TestOutcome {
            outcome.status = .error
            outcome.error = message
            return outcome
        }
        // Inputs: declared defaults, the sample, then the test's vars.
        var data: Value
        do {
            if let sample = test.sample {
                data = try PromptRenderer.data(for: file, sample: sample)
                if case .object(var o) = data {
                    for (k, v) in test.vars.pairs { o[k] = v }
                    data = .object(o)
                }
            } else {
                data = try PromptRenderer.data(for: file, values: .object(test.vars))
            }
        } catch {
            return fail(error.description)
        }
        let rendering = PromptRenderer.render(file, data: data, workspace: job.workspace)
        if !rendering.missingRequired.isEmpty {
            return fail("no value for the required variable\(rendering.missingRequired.count > 1 ? "s" : "") "
                        + rendering.missingRequired.map { "`\($0)`" }.joined(separator: ", ") + " (give it in `vars` or `sample`)")
        }
        if let limit = rendering.limitReached { return fail("rendering stopped: \(limit)") }
        guard let model = test.model ?? file.prompt.model?.value else {
            return fail("no model: set `model:` in the prompt file or in the test")
        }
        var params = OrderedObject()
        if let node = file.prompt.params, case .object(let o) = YAMLValues.value(of: node, in: file.prompt.document).value { params = o }
        for (k, v) in test.params.pairs { params[k] = v }

        let providerName = options.provider ?? test.provider ?? settings.defaultProvider
        outcome.provider = providerName
        let request = CompletionRequest(messages: rendering.messages, model: model, params: params, recordingKey: test.name)
        // Fallback models apply to the file's own model, not to one a test chose on purpose.
        let chain = test.model == nil ? [model] + file.prompt.fallbackModels.map(\.value) : [model]
        let promptHash = SHA256.hex(file.bytes)

        let completion: Completion
        do {
            completion = try await answer(request, provider: providerName, recorded: job.recorded, models: chain,
                                          promptHash: promptHash, outcome: &outcome)
        } catch {
            return fail(error.description)
        }
        outcome.output = completion.text
        outcome.model = completion.model
        outcome.cached = completion.cached
        outcome.staleRecording = completion.staleRecording
        outcome.latency = completion.latency
        outcome.promptTokens = completion.promptTokens
        let info = catalog.model(completion.model)
        outcome.completionTokens = completion.completionTokens
            ?? info.map { Encoding.named($0.tokenizer.encoding).count(completion.text) }
        outcome.cost = cost(of: completion, info: info)
        if options.record {
            outcome.recordings.append((test.name, entry(for: request, completion)))
        }

        let systemPrompt = rendering.messages.filter { $0.role == "system" }.map(\.content).joined(separator: "\n")
        let context = AssertionContext(output: completion.text, systemPrompt: systemPrompt, completionTokens: outcome.completionTokens,
                                       cost: outcome.cost, latencyMilliseconds: completion.latency * 1000)
        for (i, spec) in test.assertions.enumerated() {
            if spec.kind == .llmRubric {
                do {
                    outcome.assertions.append(try await judge(spec, index: i, output: completion.text, test: test, model: model,
                                                              recorded: job.recorded, promptHash: promptHash, outcome: &outcome))
                } catch {
                    return fail("llm-rubric (assertion \(i + 1)): \(error.description)")
                }
            } else {
                outcome.assertions.append(Assertions.evaluate(spec, context))
            }
        }
        outcome.status = outcome.assertions.allSatisfy(\.passed) ? .passed : .failed
        return outcome
    }

    func cost(of c: Completion, info: ModelInfo?) -> Double? {
        guard let info, let input = c.promptTokens.flatMap({ info.inputCost(tokens: $0) }),
              let output = c.completionTokens.flatMap({ info.outputCost(tokens: $0) }) else { return nil }
        return input + output
    }

    func entry(for request: CompletionRequest, _ c: Completion) -> Recordings.Entry {
        let formatter = ISO8601DateFormatter()
        return Recordings.Entry(model: c.model, output: c.text, promptTokens: c.promptTokens, completionTokens: c.completionTokens,
                                latencyMilliseconds: c.latency * 1000, requestHash: Recordings.requestHash(request),
                                recordedAt: formatter.string(from: Date()))
    }

    /// An answer from the named provider: recorded, cached, or live through the model chain.
    func answer(_ request: CompletionRequest, provider name: String, recorded: RecordedProvider?, models: [String],
                promptHash: String, outcome: inout TestOutcome) async throws(ProviderError) -> Completion {
        if name == "recorded" {
            if options.record { throw .configuration("--record needs a live provider (--provider NAME from evaluation.providers)") }
            guard let recorded else {
                throw .notRecorded("no recordings for this prompt (expected \(Recordings.path(for: outcome.promptPath) ?? "a .recorded.json file")); record them with `promptkit test --record --provider NAME`")
            }
            return try await recorded.complete(request)
        }
        guard let provider = live[name] else {
            let known = ["recorded"] + settings.providers.keys.sorted()
            throw .configuration("unknown provider `\(name)` (known: \(known.joined(separator: ", ")); providers are declared under `evaluation.providers` in promptkit.yaml)")
        }
        var lastError: ProviderError?
        for model in models {
            var attempt = request
            attempt.model = model
            let key = ResponseCache.key(provider: provider.base, request: attempt, promptHash: promptHash)
            if options.cacheMode == .normal, let hit = cache?.lookup(key) {
                await counters.hit()
                return hit
            }
            try await budget.check()
            var log = CallLog()
            do {
                let c = try await provider.complete(attempt, log: &log)
                await counters.request(log.attempts)
                outcome.attempts += log.attempts
                outcome.retries += log.retries
                if let cost = cost(of: c, info: catalog.model(c.model)) { await budget.add(cost) }
                cache?.store(key, provider: name, c)
                return c
            } catch {
                await counters.request(log.attempts)
                outcome.attempts += log.attempts
                outcome.retries += log.retries
                switch error {
                case .configuration, .budgetExceeded, .circuitOpen, .notRecorded: throw error
                default: break
                }
                lastError = error
                if model != models.last { outcome.fallbacks.append("\(model): \(error.description)") }
            }
        }
        throw lastError ?? .configuration("no model to ask")
    }

    static let judgeSystemPrompt = """
        You grade an AI assistant's output against a rubric. Read the rubric and the output, then answer \
        with one JSON object and nothing else: {"pass": true or false, "score": a number from 0 to 1, \
        "reason": "one sentence"}.
        """

    /// `llm-rubric`: asks the judge model whether the output meets the rubric.
    func judge(_ spec: AssertionSpec, index: Int, output: String, test: PromptTest, model: String, recorded: RecordedProvider?,
               promptHash: String, outcome: inout TestOutcome) async throws(ProviderError) -> AssertionResult {
        let rubric = if case .string(let r)? = spec.value { r } else { "" }
        let judgeModel = settings.judgeModel ?? model
        let request = CompletionRequest(
            messages: [RenderedMessage(role: "system", content: Self.judgeSystemPrompt),
                       RenderedMessage(role: "user", content: "Rubric:\n\(rubric)\n\nOutput:\n\(output)")],
            model: judgeModel, params: OrderedObject([("temperature", .int(0))]), recordingKey: "\(test.name)#judge-\(index + 1)")
        let provider = options.provider ?? settings.judgeProvider ?? test.provider ?? settings.defaultProvider
        let answer = try await self.answer(request, provider: provider, recorded: recorded, models: [judgeModel],
                                           promptHash: promptHash, outcome: &outcome)
        if options.record { outcome.recordings.append((request.recordingKey, entry(for: request, answer))) }
        let verdict = Self.parseVerdict(answer.text)
        let threshold = spec.threshold
        guard let verdict else {
            return AssertionResult(kind: .llmRubric, passed: false, value: .null, threshold: threshold,
                                   message: "the judge's answer is not the JSON verdict asked for: \(Assertions.preview(answer.text))", range: spec.range)
        }
        let passed = threshold.map { verdict.score >= $0 } ?? verdict.pass
        return AssertionResult(kind: .llmRubric, passed: passed, value: .double(verdict.score), threshold: threshold,
                               message: "judge (\(judgeModel)): \(verdict.pass ? "pass" : "fail"), score \(Value.formatDouble(verdict.score)): \(verdict.reason)",
                               range: spec.range)
    }

    /// The judge's JSON verdict, also when wrapped in a code fence or prose.
    static func parseVerdict(_ text: String) -> (pass: Bool, score: Double, reason: String)? {
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close,
              let value = try? JSON.parse(Array(text[open...close].utf8)) else { return nil }
        guard case .bool(let pass)? = value["pass"] else { return nil }
        let score: Double = switch value["score"] { case .int(let i)?: Double(i); case .double(let d)?: d; default: pass ? 1 : 0 }
        let reason: String = if case .string(let r)? = value["reason"] { r } else { "" }
        return (pass, score, reason)
    }
}
