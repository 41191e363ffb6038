import CoreSupport
import PromptSyntax

/// Checks samples, defaults and examples against the variable declarations.
enum SampleChecker {
    static func check(_ file: ParsedFile) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let prompt = file.prompt
        let doc = prompt.document
        for decl in prompt.variables {
            if let d = decl.schema.defaultValue {
                checkValue(d, schema: decl.schema, label: "the default of `\(decl.name.value)`", doc: doc, into: &out)
            }
            if let e = decl.schema.example {
                checkValue(e, schema: decl.schema, label: "the example of `\(decl.name.value)`", doc: doc, into: &out)
            }
        }
        for sample in prompt.samples {
            let given = Set(sample.values.map(\.key.value))
            for decl in prompt.variables where decl.isRequired && !given.contains(decl.name.value) {
                out.append(Diagnostic(VariableRules.missingSampleVariable,
                                      "the sample `\(sample.name.value)` has no value for the required variable `\(decl.name.value)`",
                                      at: sample.name.range,
                                      help: "add `\(decl.name.value): …` to the sample, or give the variable a `default`",
                                      related: [RelatedLocation(path: file.path, range: decl.name.range, message: "declared here")]))
            }
            for (key, node) in sample.values {
                guard let decl = prompt.variable(key.value) else {
                    let suggestion = DidYouMean.suggestion(for: key.value, among: prompt.variables.map(\.name.value))
                    out.append(Diagnostic(VariableRules.undeclaredSampleVariable,
                                          "the sample `\(sample.name.value)` sets `\(key.value)`, which is not a declared variable",
                                          at: key.range, help: suggestion.map { "did you mean `\($0)`?" }))
                    continue
                }
                checkValue(node, schema: decl.schema, label: "`\(key.value)` in the sample `\(sample.name.value)`", doc: doc, into: &out)
            }
        }
        return out
    }

    static func describe(_ node: YAMLNode, _ doc: YAMLDocument) -> String {
        if node.scalar != nil {
            var text = doc.text(node.range)
            if text.count > 40 { text = String(text.prefix(37)) + "..." }
            return "`\(text)` is \(node.kindDescription)"
        }
        return "the value is \(node.kindDescription)"
    }

    /// The value's type as a `Value` without converting children (they are checked one by one).
    static func shallowValue(_ node: YAMLNode) -> Value {
        switch node.kind {
        case .scalar(let sc): sc.resolved
        case .mapping: .object(OrderedObject())
        case .sequence: .array([])
        case .alias: .null
        }
    }

    /// Checks a value against a declaration, recursively. `budget` counts visited nodes, so a
    /// sample built from aliases (an alias bomb) stops with one PK110 instead of exploding.
    static func checkValue(_ node: YAMLNode, schema: VariableSchema, label: String, doc: YAMLDocument,
                           into out: inout [Diagnostic], depth: Int = 0) {
        var budget = YAMLValues.maximumNodes
        var reported = false
        checkValue(node, schema: schema, label: label, doc: doc, into: &out, depth: depth, budget: &budget, limitReported: &reported)
    }

    static func checkValue(_ node: YAMLNode, schema: VariableSchema, label: String, doc: YAMLDocument,
                           into out: inout [Diagnostic], depth: Int, budget: inout Int, limitReported: inout Bool) {
        budget -= 1
        guard budget >= 0, depth < 64 else {
            if !limitReported {
                limitReported = true
                out.append(Diagnostic(SchemaRules.resourceLimitExceeded,
                                      "\(label): checking this value visits more than \(YAMLValues.maximumNodes) values (an alias bomb?)",
                                      at: node.range))
            }
            return
        }
        var node = node
        var hops = 0
        while case .alias(let name) = node.kind, let target = doc.anchors[name], hops < 8 {
            node = target
            hops += 1
        }
        if case .alias = node.kind { return }
        let value = shallowValue(node)
        if let type = schema.type?.value {
            guard type.accepts(value) else {
                let article = type == .integer || type == .array || type == .object ? "an" : "a"
                out.append(Diagnostic(VariableRules.sampleTypeMismatch,
                                      "\(label) should be \(article) \(type.rawValue), but \(describe(node, doc))",
                                      at: node.range))
                return
            }
        }
        if let allowed = schema.enumValues {
            // Enums are almost always scalars; collections are converted only when compared.
            let full = node.scalar != nil ? value : YAMLValues.value(of: node, in: doc).value
            if !allowed.contains(full) {
                let list = allowed.map { $0.interpolationText }.joined(separator: ", ")
                out.append(Diagnostic(VariableRules.sampleValueNotInEnum,
                                      "\(label) is `\(full.interpolationText)`, which is not one of: \(list)",
                                      at: node.range))
            }
        }
        if let items = schema.items, let seq = node.sequence {
            for (i, item) in seq.enumerated() {
                checkValue(item, schema: items, label: "\(label), item \(i + 1),", doc: doc, into: &out, depth: depth + 1,
                           budget: &budget, limitReported: &limitReported)
                if limitReported { return }
            }
        }
        if let props = schema.properties, let pairs = node.mapping {
            for p in pairs {
                guard let key = p.key.scalar?.value, let prop = props.first(where: { $0.name.value == key }) else { continue }
                checkValue(p.value, schema: prop.schema, label: "\(label), field `\(key)`,", doc: doc, into: &out, depth: depth + 1,
                           budget: &budget, limitReported: &limitReported)
                if limitReported { return }
            }
        }
    }
}
