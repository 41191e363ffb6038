// swift-tools-version: 6.1
import PackageDescription

// Layering (see docs/architecture.md): CoreSupport ← PromptSyntax (the only libyaml user) and
// Mustache ← Analysis ← PromptKitCLI ← promptkit. Nothing below PromptKitCLI does terminal IO.
let package = Package(
    name: "promptkit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "promptkit", targets: ["promptkit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The registry's SQLite access: migrations, WAL pools, busy handling (docs/registry.md).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // Test-only: a second Mustache implementation for differential testing.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // Double rounding (Int(exactly:)) needs libm; executables without Foundation do not get it implicitly.
        .target(name: "CoreSupport", dependencies: ["CCrypto"], linkerSettings: [.linkedLibrary("m")]),
        .target(name: "PromptSyntax", dependencies: ["CYAML", "CoreSupport"]),
        .target(name: "Mustache", dependencies: ["CoreSupport"]),
        // Tokenizer data (rank files, Unicode 16.0 classes) compiled into the binary with #embed.
        .target(name: "CTokenizerData", exclude: ["data"]),
        .target(name: "Tokenizer", dependencies: ["CTokenizerData"]),
        .target(name: "ModelCatalog", dependencies: ["CTokenizerData", "CoreSupport", "Tokenizer"]),
        // Injection, obfuscation, secret and PII scanners: pure text in, findings out.
        .target(name: "Security"),
        .target(name: "Analysis", dependencies: ["CoreSupport", "PromptSyntax", "Mustache", "Tokenizer", "ModelCatalog", "Security"]),
        // SHA-256 from the system libcrypto (OpenSSL): content hashes and experiment assignment.
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // Workspace discovery on disk, shared by the CLI and the language server.
        .target(name: "Project", dependencies: ["Analysis"]),
        .target(
            name: "Registry",
            dependencies: ["Analysis", "CoreSupport", "PromptSyntax", "ModelCatalog", "Tokenizer", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Prompt tests: assertions, metrics, providers (recorded, OpenAI-compatible over URLSession),
        // retries, circuit breaker, response cache (SQLite), the runner (docs/testing.md).
        .target(
            name: "Evaluation",
            dependencies: ["Analysis", "CoreSupport", "PromptSyntax", "ModelCatalog", "Tokenizer", "Security", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // JSON-RPC and LSP types: only the server imports this.
        .target(name: "LanguageServerProtocol", dependencies: ["CoreSupport"]),
        .target(
            name: "LanguageServer",
            dependencies: ["LanguageServerProtocol", "Analysis", "Project", "Registry", "Evaluation", "CoreSupport", "PromptSyntax", "Mustache", "Tokenizer", "ModelCatalog"]
        ),
        .target(
            name: "PromptKitCLI",
            dependencies: [
                "Analysis", "CoreSupport", "PromptSyntax", "Mustache", "Tokenizer", "ModelCatalog", "Project", "LanguageServer", "Registry",
                "Evaluation", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "promptkit", dependencies: ["PromptKitCLI"]),
        .executableTarget(
            name: "promptkit-bench",
            dependencies: ["Analysis", "CoreSupport"],
            path: "Benchmarks/promptkit-bench"
        ),
        .executableTarget(
            name: "promptkit-registry-bench",
            dependencies: ["Registry", "Analysis", "CoreSupport", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/registry-bench"
        ),
        .executableTarget(
            name: "promptkit-tokenizer-bench",
            dependencies: ["Tokenizer"],
            path: "Benchmarks/tokenizer-bench"
        ),
        .testTarget(name: "CoreSupportTests", dependencies: ["CoreSupport"]),
        .testTarget(name: "PromptSyntaxTests", dependencies: ["PromptSyntax", "CoreSupport"]),
        .testTarget(
            name: "MustacheTests",
            dependencies: [
                "Mustache", "CoreSupport",
                // Its module is also called Mustache; alias it so both can be imported side by side.
                .product(name: "Mustache", package: "swift-mustache", moduleAliases: ["Mustache": "HBMustache"]),
            ]
        ),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "PromptSyntax", "Mustache", "CoreSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Analysis", "PromptSyntax", "CoreSupport"]),
        .testTarget(name: "SecurityTests", dependencies: ["Security"], exclude: ["Corpus"]),
        .testTarget(name: "CLITests", dependencies: ["PromptKitCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "Analysis", "CoreSupport", "PromptSyntax", "ModelCatalog"]),
        .testTarget(name: "LanguageServerTests", dependencies: ["LanguageServer", "LanguageServerProtocol", "CoreSupport"]),
        .testTarget(
            name: "TokenizerTests",
            dependencies: ["Tokenizer", "ModelCatalog"],
            exclude: ["Resources"]
        ),
    ]
)
