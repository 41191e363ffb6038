import Analysis
import CoreSupport
import ModelCatalog
import Tokenizer

/// What changed between two published versions: the rendered prompts (each version's default
/// sample, as stored at publish time) as a unified diff, the declared variables, and the prompt
/// tokens and input cost per model.
public struct VersionDiff: Sendable {
    public struct VariableChange: Sendable, Equatable {
        public enum Kind: String, Sendable { case added, removed, changed }
        public let name: String
        public let kind: Kind
        /// For `changed`: "type string → integer", "required → optional", …
        public let details: [String]
    }

    public struct ModelDelta: Sendable, Equatable {
        public let model: String
        public let estimate: Bool
        public let oldTokens: Int
        public let newTokens: Int
        public let oldCost: Double?
        public let newCost: Double?
    }

    public let old: PromptVersion
    public let new: PromptVersion
    public let unifiedDiff: String
    public let variables: [VariableChange]
    public let models: [ModelDelta]

    public init(old: PromptVersion, new: PromptVersion, models ids: [String], catalog: ModelCatalog) {
        self.old = old
        self.new = new
        unifiedDiff = UnifiedDiff.make(old: Self.renderedText(old), new: Self.renderedText(new),
                                       oldLabel: "\(old.name)@\(old.version)", newLabel: "\(new.name)@\(new.version)")
        variables = Self.variableChanges(old.variables, new.variables)
        var seen: Set<String> = []
        var deltas: [ModelDelta] = []
        var counts: [String: Int] = [:]
        func count(_ v: PromptVersion, _ e: Encoding.Name) -> Int {
            let key = v.version + "\u{0}" + e.rawValue
            if let c = counts[key] { return c }
            let c = PromptTokenCount.count(Self.rendering(v), encoding: Encoding.named(e)).total
            counts[key] = c
            return c
        }
        for id in ids {
            guard let info = catalog.model(id), seen.insert(info.id).inserted else { continue }
            let e = info.tokenizer.encoding
            let o = count(old, e), n = count(new, e)
            deltas.append(ModelDelta(model: info.id, estimate: info.tokenizer.isEstimate, oldTokens: o, newTokens: n,
                                     oldCost: info.inputCost(tokens: o), newCost: info.inputCost(tokens: n)))
        }
        models = deltas
    }

    static func messages(_ v: PromptVersion) -> [RenderedMessage] {
        guard case .array(let items) = v.rendered else { return [] }
        return items.compactMap { item in
            guard case .string(let role)? = item["role"], case .string(let content)? = item["content"] else { return nil }
            return RenderedMessage(role: role, content: content)
        }
    }

    static func rendering(_ v: PromptVersion) -> PromptRendering {
        PromptRendering(messages: messages(v), isTemplate: false)
    }

    /// Each message under a `[role]` header line, so the diff shows which message changed.
    static func renderedText(_ v: PromptVersion) -> String {
        messages(v).map { "[\($0.role)]\n\($0.content)" }.joined(separator: "\n\n")
    }

    static func variableChanges(_ old: Value, _ new: Value) -> [VariableChange] {
        func byName(_ v: Value) -> [(String, OrderedObject)] {
            guard case .array(let items) = v else { return [] }
            return items.compactMap { item in
                guard case .object(let o) = item, case .string(let name)? = o["name"] else { return nil }
                return (name, o)
            }
        }
        let before = byName(old), after = byName(new)
        let beforeMap = Dictionary(before, uniquingKeysWith: { a, _ in a })
        let afterMap = Dictionary(after, uniquingKeysWith: { a, _ in a })
        var out: [VariableChange] = []
        for (name, _) in before where afterMap[name] == nil {
            out.append(VariableChange(name: name, kind: .removed, details: []))
        }
        for (name, o) in after {
            guard let b = beforeMap[name] else {
                out.append(VariableChange(name: name, kind: .added, details: []))
                continue
            }
            var details: [String] = []
            for key in ["type", "required", "untrusted", "description"] where b[key] != o[key] {
                details.append("\(key) \(Self.show(b[key])) → \(Self.show(o[key]))")
            }
            if !details.isEmpty { out.append(VariableChange(name: name, kind: .changed, details: details)) }
        }
        return out
    }

    static func show(_ v: Value?) -> String {
        switch v {
        case nil, .null?: "none"
        case .string(let s)?: s
        case let other?: JSON.serialize(other)
        }
    }
}

/// Unified diff (the `diff -u` format) of two texts, from the standard library's Myers
/// difference, with three lines of context.
public enum UnifiedDiff {
    enum Line: Equatable {
        case same(String), removed(String), added(String)
    }

    public static func make(old: String, new: String, oldLabel: String, newLabel: String, context: Int = 3) -> String {
        let a = lines(old), b = lines(new)
        let difference = b.difference(from: a)
        var removed = Set<Int>(), inserted = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        // Walk both texts at once: the difference's offsets say which lines are not shared.
        var script: [(line: Line, oldLine: Int, newLine: Int)] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, removed.contains(i) {
                script.append((.removed(a[i]), i, j)); i += 1
            } else if j < b.count, inserted.contains(j) {
                script.append((.added(b[j]), i, j)); j += 1
            } else if i < a.count, j < b.count {
                script.append((.same(a[i]), i, j)); i += 1; j += 1
            } else {
                break  // unreachable for a consistent difference; never loop forever
            }
        }
        let changed = script.indices.filter { if case .same = script[$0].line { false } else { true } }
        guard !changed.isEmpty else { return "" }
        var out = "--- \(oldLabel)\n+++ \(newLabel)\n"
        var k = 0
        while k < changed.count {
            let start = max(0, changed[k] - context)
            var end = min(script.count - 1, changed[k] + context)
            while k + 1 < changed.count, changed[k + 1] - context <= end + 1 {
                k += 1
                end = min(script.count - 1, changed[k] + context)
            }
            let hunk = script[start...end]
            let oldCount = hunk.filter { if case .added = $0.line { false } else { true } }.count
            let newCount = hunk.filter { if case .removed = $0.line { false } else { true } }.count
            let first = script[start]
            let oldStart = oldCount == 0 ? first.oldLine : first.oldLine + 1
            let newStart = newCount == 0 ? first.newLine : first.newLine + 1
            out += "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@\n"
            for entry in hunk {
                switch entry.line {
                case .same(let s): out += " \(s)\n"
                case .removed(let s): out += "-\(s)\n"
                case .added(let s): out += "+\(s)\n"
                }
            }
            k += 1
        }
        return out
    }

    static func lines(_ s: String) -> [String] {
        s.isEmpty ? [] : s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}
