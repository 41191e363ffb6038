import Analysis
import Testing

/// Name resolution through sections, dotted names and partials, as Mustache resolves them.
struct ScopeTests {
    static let history = """
    name: chat/reply
    version: 1.0.0
    variables:
      user:
        properties:
          name: string
          plan: string
      history:
        type: array
        items:
          properties:
            role: string
            text: string
      tags:
        type: array
        items: string
      free: object
      question: string

    """

    func messages(_ template: String, others: [String] = []) -> [String] {
        Fixture.lint(Self.history + "template: |\n" + template.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n",
                     others: others)
            .filter { $0.rule.code != "PK302" }
            .map { "\($0.rule.code): \($0.message)" }
    }

    @Test func sectionItemsAndOuterNamesResolve() {
        #expect(messages("{{#history}}{{role}} {{text}} {{question}}{{/history}}{{user.name}}{{#tags}}{{.}}{{/tags}}{{free.any.thing}}").isEmpty)
    }

    @Test func misspelledFieldInsideSection() {
        #expect(messages("{{#history}}{{rol}}{{/history}}") == [
            "PK303: `rol` is neither a field of the current section's items nor a declared variable",
        ])
    }

    @Test func dottedNamesFollowProperties() {
        #expect(messages("{{user.nmae}} {{question.x}} {{tags.first}}") == [
            "PK303: `user` declares no property `nmae`",
            "PK303: `question` is a string; it has no field `x`",
            "PK303: `tags` is an array; it has no field `first`",
        ])
    }

    @Test func sectionOverObjectPushesItsProperties() {
        #expect(messages("{{#user}}{{plan}}{{/user}}").isEmpty)
        #expect(messages("{{#user}}{{plam}}{{/user}}").count == 1)
    }

    @Test func invertedSectionsDoNotPushAScope() {
        #expect(messages("{{^history}}{{role}}{{/history}}") == ["PK301: the variable `role` is not declared"])
    }

    @Test func freeFormSectionsAcceptAnyName() {
        #expect(messages("{{#free}}{{whatever}}{{/free}}").isEmpty)
    }

    @Test func partialsAreCheckedInTheIncludersScope() {
        let partial = "name: chat/turns\nversion: 1.0.0\nvariables:\n  history:\n    type: array\ntemplate: \"{{#history}}{{role}}:{{txt}}{{/history}}\"\n"
        let found = messages("{{> chat/turns}}", others: [partial])
        #expect(found == ["PK303: through the partial `chat/turns`: `txt` is neither a field of the current section's items nor a declared variable"])
    }

    @Test func variablesUsedOnlyThroughPartialsAreUsed() {
        let partial = "name: chat/q\nversion: 1.0.0\nvariables:\n  question: string\ntemplate: \"Q: {{question}}\"\n"
        let text = "name: a/b\nversion: 1.0.0\nvariables:\n  question: string\ntemplate: \"{{> chat/q}}\"\n"
        #expect(Fixture.lint(text, others: [partial]).isEmpty)
    }
}
