@testable import Analysis
import CoreSupport
import Testing

struct SuppressionAndConfigTests {
    static let base = "name: a/b\nversion: 1.0.0\nvariables:\n  used: string\n"

    func codes(_ text: String, _ config: Configuration = Configuration()) -> [String] {
        Fixture.lint(text, configuration: config).map(\.rule.code)
    }

    @Test func sameLineComment() {
        let text = Self.base + "  spare: string   # promptkit-ignore: unused-variable\ntemplate: \"{{used}}\"\n"
        #expect(codes(text).isEmpty)
    }

    @Test func previousLineCommentCoversOnlyTheNextLine() {
        let text = Self.base + "  # promptkit-ignore: PK302\n  spare: string\n  other: string\ntemplate: \"{{used}}\"\n"
        let found = Fixture.lint(text)
        #expect(found.map(\.rule.code) == ["PK302"])
        #expect(found.first?.message.contains("`other`") == true)
    }

    @Test func bareCommentSilencesEveryRuleOnItsLine() {
        let text = Self.base + "template: \"{{used}} {{nope}}\"   # promptkit-ignore\n"
        #expect(codes(text).isEmpty)
    }

    @Test func mustacheCommentInsideTemplateText() {
        let text = Self.base + "template: |\n  {{used}}\n  {{! promptkit-ignore: undeclared-variable }} {{nope}}\n  ok\n  {{again}}\n"
        let found = Fixture.lint(text)
        #expect(found.map(\.rule.code) == ["PK301"])
        #expect(found.first?.message.contains("`again`") == true)
    }

    @Test func otherCodesAreNotSilenced() {
        let text = Self.base + "template: \"{{used}} {{nope}}\"   # promptkit-ignore: PK302\n"
        #expect(codes(text) == ["PK301"])
    }

    @Test func markerInsideOrdinaryTextIsNotAComment() {
        let text = Self.base + "description: see promptkit-ignore docs\ntemplate: \"{{used}} {{nope}}\"\n"
        #expect(codes(text) == ["PK301"])
    }

    @Test func configurationSeverityPrecedence() {
        var config = Configuration()
        config.severity = ["all": .info, "variables": .warning, "PK301": .error]
        let text = Self.base + "  spare: string\ntemplate: \"{{used}} {{nope}}\"\n"
        let found = Fixture.lint(text, configuration: config)
        #expect(found.first { $0.rule.code == "PK301" }?.severity == .error)
        #expect(found.first { $0.rule.code == "PK302" }?.severity == .warning)
    }

    @Test func selectAndIgnore() {
        var config = Configuration()
        config.select = ["variables"]
        config.ignore = ["PK302"]
        let text = "name: a/b\nversion: 1.0\nvariables:\n  spare: string\ntemplate: \"{{nope}}\"\n"
        #expect(codes(text, config) == ["PK301"])
    }

    @Test func codesMatchInAnyCaseNamesAndCategoriesExactly() {
        var config = Configuration()
        config.ignore = ["pk302"]
        config.severity = ["Pk301": .info]
        let text = "name: a/b\nversion: 1.0\nvariables:\n  spare: string\ntemplate: \"{{nope}}\"\n"
        let found = Fixture.lint(text, configuration: config)
        #expect(!found.contains { $0.rule.code == "PK302" })
        #expect(found.first { $0.rule.code == "PK301" }?.severity == .info)
        #expect(Configuration.isCode("PK301", "pk301") && !Configuration.isCode("PK301", "PK30") && !Configuration.isCode("PK301", "PK3011"))
        // Only letters fold: `@` (0x40) and "`" (0x60) differ by the case bit but are not one letter.
        #expect(!Configuration.isCode("A@", "a`"))
        config.ignore = ["Unused-Variable"]
        #expect(Fixture.lint(text, configuration: config).map(\.rule.code).contains("PK302"))
    }

    @Test(arguments: [
        ("**/*.prompt.yaml", "a/b/c.prompt.yaml", true),
        ("**/*.prompt.yaml", "c.prompt.yaml", true),
        ("*.prompt.yaml", "deep/x/c.prompt.yaml", true),
        ("prompts/**", "prompts/a/b.prompt.yaml", true),
        ("prompts/**", "other/prompts/b.prompt.yaml", false),
        ("prompts/*.prompt.yaml", "prompts/a/b.prompt.yaml", false),
        ("drafts/**/x?.prompt.yml", "drafts/a/b/x1.prompt.yml", true),
        ("drafts/**/x?.prompt.yml", "drafts/x12.prompt.yml", false),
    ])
    func globs(_ pattern: String, _ path: String, _ expected: Bool) {
        #expect(Glob.matches(pattern, path) == expected)
    }

    @Test func configurationFileProblemsHavePositions() {
        let (config, problems) = Configuration.parse(Array("include: [\"x/**\"]\nrulez: {}\nrules:\n  ignore: PK999\n".utf8))
        #expect(config.include == ["x/**"])
        #expect(problems.map(\.message) == [
            "unknown key `rulez` in promptkit.yaml; did you mean `rules`?",
            "unknown rule or category `PK999`",
        ])
        #expect(problems.first?.range == TextRange(start: 18, end: 23))
    }
}
