import CoreSupport
import ModelCatalog
import Tokenizer

/// Rules about token counts: context windows, budgets, model ids. Counts come from the rendered
/// prompt with its first sample (the same rendering `promptkit tokens` and `render` show).
public enum TokenRules {
    public static let contextWindowExceeded = Rule(
        code: "PK401", name: "context-window-exceeded", category: .tokens, defaultSeverity: .error,
        summary: "The rendered prompt plus `params.max_tokens` does not fit the model's context window.",
        explanation: """
        A request whose prompt tokens plus requested output tokens exceed the context window is \
        rejected by the provider (or silently truncated by some servers). The prompt is rendered \
        with its first sample and counted with the model's tokenizer (an estimate for models \
        without a public tokenizer, said so in the message). Shorten the prompt, lower \
        `params.max_tokens`, or choose a model with a larger window.
        """,
        triggering: [RuleExample("name: support/summary\nversion: 1.0.0\nmodel: ↓gpt-4\nparams:\n  max_tokens: 8190\ntemplate: Summarize the following support ticket in one sentence.\n")],
        nonTriggering: [RuleExample("name: support/summary\nversion: 1.0.0\nmodel: gpt-4o\nparams:\n  max_tokens: 8190\ntemplate: Summarize the following support ticket in one sentence.\n")]
    )

    public static let contextWindowNearLimit = Rule(
        code: "PK402", name: "context-window-near-limit", category: .tokens, defaultSeverity: .warning,
        summary: "The rendered prompt plus `params.max_tokens` uses more than 90% of the context window.",
        explanation: """
        Real inputs are usually longer than samples: a prompt that nearly fills the window with \
        its sample will overflow in production. The threshold is `tokens.context_warning_ratio` \
        in promptkit.yaml (default 0.9).
        """,
        triggering: [RuleExample("name: support/summary\nversion: 1.0.0\nmodel: ↓gpt-4\nparams:\n  max_tokens: 7600\ntemplate: Summarize the following support ticket in one sentence.\n")],
        nonTriggering: [RuleExample("name: support/summary\nversion: 1.0.0\nmodel: gpt-4\nparams:\n  max_tokens: 1000\ntemplate: Summarize the following support ticket in one sentence.\n")]
    )

    public static let promptBudgetExceeded = Rule(
        code: "PK403", name: "prompt-budget-exceeded", category: .tokens, defaultSeverity: .error,
        summary: "The rendered prompt is longer than the file's `budget.max_prompt_tokens`.",
        explanation: """
        `budget.max_prompt_tokens` is the team's own ceiling on what one call of this prompt may \
        cost. The count uses the file's model (o200k_base when it has none) and the first sample.
        """,
        triggering: [RuleExample("name: support/summary\nversion: 1.0.0\nmodel: gpt-4o\nbudget:\n  max_prompt_tokens: ↓5\ntemplate: Summarize the following support ticket in one sentence.\n")],
        nonTriggering: [RuleExample("name: support/summary\nversion: 1.0.0\nmodel: gpt-4o\nbudget:\n  max_prompt_tokens: 500\ntemplate: Summarize the following support ticket in one sentence.\n")]
    )

    public static let unknownModel = Rule(
        code: "PK404", name: "unknown-model", category: .tokens, defaultSeverity: .warning,
        summary: "`model` or a `fallback_models` entry is not in the model catalog.",
        explanation: """
        Without a catalog entry promptkit cannot count tokens exactly, check the context window or \
        price a call; a typo in a model id also fails at request time. Use an id or alias from \
        `promptkit models`, or describe your model under `models:` in promptkit.yaml.
        """,
        triggering: [RuleExample("name: support/summary\nversion: 1.0.0\nmodel: ↓gpt4o\ntemplate: Summarize.\n")],
        nonTriggering: [RuleExample("name: support/summary\nversion: 1.0.0\nmodel: gpt-4o-2024-08-06\nfallback_models: [gpt-4o-mini, claude-sonnet-4-5]\ntemplate: Summarize.\n")]
    )

    public static let all: [Rule] = [contextWindowExceeded, contextWindowNearLimit, promptBudgetExceeded, unknownModel]

    static func check(_ file: ParsedFile, in workspace: Workspace) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let catalog = workspace.models
        let prompt = file.prompt
        for id in [prompt.model].compactMap({ $0 }) + prompt.fallbackModels where catalog.model(id.value) == nil {
            let hint = catalog.suggestion(for: id.value)
            out.append(Diagnostic(unknownModel, "unknown model `\(id.value)`" + (hint.map { "; did you mean `\($0)`?" } ?? ""),
                                  at: id.range,
                                  help: "run `promptkit models` for known ids, or add the model under `models:` in promptkit.yaml"))
        }
        let model = prompt.model.flatMap { catalog.model($0.value) }
        let budget = TokenBudget(maxPromptTokens: prompt.maxPromptTokens?.value)
        let window = model?.contextWindow
        guard budget.maxPromptTokens != nil || window != nil else { return out }

        guard let data = try? PromptRenderer.data(for: file, sample: nil) else { return out }
        let rendering = PromptRenderer.render(file, data: data, workspace: workspace)
        let reserved = prompt.maxTokens?.value ?? 0
        let ratio = workspace.tokenSettings.contextWarningRatio
        // Counting is the expensive part; skip it when even one token per byte stays clear of every limit.
        let bound = PromptTokenCount.upperBound(rendering)
        let windowClear = window.map { Double(bound + reserved) <= ratio * Double($0) } ?? true
        let budgetClear = budget.maxPromptTokens.map { bound <= $0 } ?? true
        if windowClear && budgetClear { return out }

        let encodingName = model?.tokenizer.encoding ?? .o200kBase
        let tokens = PromptTokenCount.count(rendering, encoding: Encoding.named(encodingName)).total
        let sample = prompt.samples.first.map { " with sample `\($0.name.value)`" } ?? ""
        let estimate = model.map { $0.tokenizer.isEstimate ? " (estimated: \($0.id) has no public tokenizer)" : "" } ?? ""

        if let model, let window, let modelID = prompt.model {
            let used = tokens + reserved
            let parts = reserved > 0 ? "\(tokens) prompt tokens + \(reserved) max_tokens = \(used)" : "\(tokens) prompt tokens"
            if used > window {
                out.append(Diagnostic(contextWindowExceeded,
                                      "\(parts) exceeds \(model.id)'s context window of \(window) tokens\(sample)\(estimate)",
                                      at: modelID.range,
                                      help: "shorten the prompt, lower params.max_tokens, or use a model with a larger window"))
            } else if Double(used) > ratio * Double(window) {
                let percent = Int(Double(used) * 100 / Double(window))  // truncated: never shows 100% while it fits
                out.append(Diagnostic(contextWindowNearLimit,
                                      "\(parts) is \(percent)% of \(model.id)'s context window of \(window) tokens\(sample)\(estimate)",
                                      at: modelID.range,
                                      help: "real inputs are often longer than samples; leave headroom"))
            }
        }
        for violation in budget.violations(tokens: tokens) {
            guard case .overLimit(let count, let limit) = violation, let at = prompt.maxPromptTokens else { continue }
            out.append(Diagnostic(promptBudgetExceeded,
                                  "the rendered prompt is \(count) tokens\(sample), over its budget of \(limit)\(estimate)",
                                  at: at.range,
                                  help: "shorten the prompt or raise budget.max_prompt_tokens"))
        }
        return out
    }
}
