import Analysis
import CoreSupport
import Foundation
import Project
import Registry

/// Errors that stop a command before any analysis: exit code 2.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Reading files: the IO edge of the CLI. Everything below it works on bytes.
enum FileInput {
    static let stdinPath = "-"

    static func read(_ path: String) throws -> [UInt8] {
        if path == stdinPath {
            return Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        // Read first and explain only on failure: a stat per file is measurable over 10,000 files.
        if let data = FileManager.default.contents(atPath: path) { return Array(data) }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw UsageError("\(path): no such file or directory")
        }
        if isDir.boolValue { throw UsageError("\(path): is a directory, a file was expected") }
        throw UsageError("\(path): cannot be read (permissions?)")
    }
}

/// The workspace a command runs in: its root, configuration and every prompt file in it.
struct LoadedWorkspace {
    let root: URL
    let configuration: Configuration
    let configurationProblems: [(path: String, problem: Configuration.Problem, lineIndex: LineIndex)]
    let workspace: Workspace
    /// Indexes into `workspace.files` of the files the user asked to check.
    let targets: [Int]

    /// The configuration that applies at `path` (nil: the current folder), for commands that need
    /// only the configuration (`models`, `tokens` on plain text).
    static func loadConfiguration(near path: String?, configPath: String?) throws -> Configuration {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let start = path.map { URL(fileURLWithPath: $0, relativeTo: cwd).deletingLastPathComponent() } ?? cwd
        let root = configPath.map { URL(fileURLWithPath: $0, relativeTo: cwd).deletingLastPathComponent() } ?? ProjectFiles.findRoot(from: start)
        let (configuration, problems) = try readConfiguration(root: root, configPath: configPath, cwd: cwd)
        for (path, problem, lineIndex) in problems {
            let (line, column) = lineIndex.position(of: problem.range.start)
            printError("\(path):\(line):\(column): warning: \(problem.message)")
        }
        return configuration
    }

    static func readConfiguration(root: URL, configPath: String?, cwd: URL) throws
        -> (Configuration, [(path: String, problem: Configuration.Problem, lineIndex: LineIndex)]) {
        let configURL = configPath.map { URL(fileURLWithPath: $0, relativeTo: cwd) } ?? root.appendingPathComponent(Configuration.fileName)
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            if let configPath { throw UsageError("\(configPath): configuration file not found") }
            return (Configuration(), [])
        }
        let bytes = try FileInput.read(configURL.path)
        let (configuration, problems) = Configuration.parse(bytes)
        let lineIndex = LineIndex(bytes)
        let shown = ProjectFiles.relativePath(configURL.standardizedFileURL.path, to: cwd.standardizedFileURL.path)
        return (configuration, problems.map { (shown, $0, lineIndex) })
    }

    /// Loads the workspace around `paths` (files, directories or `-`).
    static func load(paths: [String], configPath: String?) throws -> LoadedWorkspace {
        let fm = FileManager.default
        let cwd = URL(fileURLWithPath: fm.currentDirectoryPath)
        let firstReal = paths.first { $0 != FileInput.stdinPath }.map { URL(fileURLWithPath: $0, relativeTo: cwd) }
        var start = firstReal ?? cwd
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: start.path, isDirectory: &isDir), !isDir.boolValue { start = start.deletingLastPathComponent() }
        let root = configPath.map { URL(fileURLWithPath: $0, relativeTo: cwd).deletingLastPathComponent() } ?? ProjectFiles.findRoot(from: start)
        let (configuration, configProblems) = try readConfiguration(root: root, configPath: configPath, cwd: cwd)

        // The whole workspace is indexed so partials and duplicate names resolve across it; target
        // directories inside the root are filtered from that one listing instead of walked again.
        let rootPath = root.standardizedFileURL.path
        let workspaceURLs = fm.fileExists(atPath: root.path) ? ProjectFiles.promptFiles(under: root, root: root, configuration: configuration) : []
        var targetURLs: [URL] = []
        var stdinFile: SourceFile?
        for p in paths {
            if p == FileInput.stdinPath {
                stdinFile = SourceFile(path: "<stdin>", bytes: try FileInput.read(p))
                continue
            }
            let url = URL(fileURLWithPath: p, relativeTo: cwd).standardizedFileURL
            guard fm.fileExists(atPath: url.path, isDirectory: &isDir) else { throw UsageError("\(p): no such file or directory") }
            if isDir.boolValue {
                let dirPath = url.path
                if dirPath == rootPath || dirPath.hasPrefix(rootPath + "/") {
                    let prefix = dirPath == "/" ? "/" : dirPath + "/"
                    targetURLs += workspaceURLs.filter { dirPath == rootPath || $0.path.hasPrefix(prefix) }
                } else {
                    targetURLs += ProjectFiles.promptFiles(under: url, root: root, configuration: configuration)
                }
            } else {
                targetURLs.append(url)
            }
        }
        var ordered: [URL] = []
        var seen: Set<String> = []
        for u in targetURLs + workspaceURLs where seen.insert(u.path).inserted { ordered.append(u) }
        let targetPaths = Set(targetURLs.map(\.path))
        let cwdPath = cwd.standardizedFileURL.path
        // Files are read and parsed on all cores; a file that cannot be read stops the command.
        let shownPaths = ordered.map { ProjectFiles.relativePath($0.path, to: cwdPath) }
        let orderedPaths = ordered.map(\.path)
        let results: [Result<ParsedFile, UsageError>] = Parallel.map(Array(orderedPaths.indices)) { i in
            do {
                return .success(ParsedFile.parse(SourceFile(path: shownPaths[i], bytes: try FileInput.read(orderedPaths[i]))))
            } catch let e as UsageError {
                return .failure(e)
            } catch {
                return .failure(UsageError("\(shownPaths[i]): \(error)"))
            }
        }
        var parsed: [ParsedFile] = []
        parsed.reserveCapacity(results.count)
        for r in results { parsed.append(try r.get()) }
        var targets = ordered.indices.filter { targetPaths.contains(ordered[$0].path) }
        if let stdinFile {
            parsed.append(ParsedFile.parse(stdinFile))
            targets.append(parsed.count - 1)
        }
        // Registry facts (PK601) only when the workspace has a registry: one SQLite read.
        let (registry, registryProblem) = RegistryLocation.facts(at: RegistryLocation.path(root: root.path, environment: ProcessInfo.processInfo.environment))
        if let registryProblem { printError("promptkit: warning: \(registryProblem)") }
        return LoadedWorkspace(root: root, configuration: configuration, configurationProblems: configProblems,
                               workspace: Workspace(files: parsed, models: configuration.models, tokenSettings: configuration.tokens, registry: registry),
                               targets: targets)
    }
}
