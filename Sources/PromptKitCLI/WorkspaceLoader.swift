import Analysis
import CoreSupport
import Foundation

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

    static let skippedDirectories: Set<String> = [".git", ".build", "node_modules", ".venv", ".swiftpm", ".promptkit"]

    static func isPromptFileName(_ name: String) -> Bool {
        name.hasSuffix(".prompt.yaml") || name.hasSuffix(".prompt.yml")
    }

    /// The nearest ancestor of `start` holding `promptkit.yaml`, else the nearest holding `.git`,
    /// else the current directory.
    static func findRoot(from start: URL) -> URL {
        let fm = FileManager.default
        var dir = start.standardizedFileURL
        var gitRoot: URL?
        while true {
            if fm.fileExists(atPath: dir.appendingPathComponent(Configuration.fileName).path) { return dir }
            if gitRoot == nil, fm.fileExists(atPath: dir.appendingPathComponent(".git").path) { gitRoot = dir }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        return gitRoot ?? URL(fileURLWithPath: fm.currentDirectoryPath)
    }

    /// `path` relative to the folder `base` when it lies inside it, else unchanged.
    static func relativePath(_ path: String, to base: String) -> String {
        path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
    }

    /// Prompt files under `dir` that the configuration includes, sorted by path.
    ///
    /// Walks with readdir and d_type rather than FileManager's enumerator: asking Foundation for
    /// each entry's resource values cost more than linting the files (measured: 14% of a 10,000-file run).
    static func promptFiles(under dir: URL, root: URL, configuration: Configuration) -> [URL] {
        let rootPath = root.standardizedFileURL.path
        var out: [String] = []
        var pending = [dir.standardizedFileURL.path]
        let defaultInclude = configuration.include == Configuration.defaultInclude
        while let current = pending.popLast() {
            guard let handle = opendir(current) else { continue }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                let path = current == "/" ? "/" + name : current + "/" + name
                var type = Int32(entry.pointee.d_type)
                if type == Int32(DT_UNKNOWN) || type == Int32(DT_LNK) {
                    var st = stat()
                    guard stat(path, &st) == 0 else { continue }
                    type = (st.st_mode & S_IFMT) == S_IFDIR ? Int32(DT_DIR) : Int32(DT_REG)
                }
                if type == Int32(DT_DIR) {
                    if !skippedDirectories.contains(name) { pending.append(path) }
                    continue
                }
                // With the default globs, only the file name decides; skip the glob matcher.
                if defaultInclude && configuration.exclude.isEmpty {
                    if isPromptFileName(name) { out.append(path) }
                    continue
                }
                guard isPromptFileName(name) || !defaultInclude else { continue }
                if configuration.includes(relativePath: relativePath(path, to: rootPath)) { out.append(path) }
            }
        }
        return out.sorted().map { URL(fileURLWithPath: $0) }
    }

    /// The configuration that applies at `path` (nil: the current folder), for commands that need
    /// only the configuration (`models`, `tokens` on plain text).
    static func loadConfiguration(near path: String?, configPath: String?) throws -> Configuration {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let start = path.map { URL(fileURLWithPath: $0, relativeTo: cwd).deletingLastPathComponent() } ?? cwd
        let root = configPath.map { URL(fileURLWithPath: $0, relativeTo: cwd).deletingLastPathComponent() } ?? findRoot(from: start)
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
        let shown = relativePath(configURL.standardizedFileURL.path, to: cwd.standardizedFileURL.path)
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
        let root = configPath.map { URL(fileURLWithPath: $0, relativeTo: cwd).deletingLastPathComponent() } ?? findRoot(from: start)
        let (configuration, configProblems) = try readConfiguration(root: root, configPath: configPath, cwd: cwd)

        // The whole workspace is indexed so partials and duplicate names resolve across it; target
        // directories inside the root are filtered from that one listing instead of walked again.
        let rootPath = root.standardizedFileURL.path
        let workspaceURLs = fm.fileExists(atPath: root.path) ? promptFiles(under: root, root: root, configuration: configuration) : []
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
                    targetURLs += promptFiles(under: url, root: root, configuration: configuration)
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
        let shownPaths = ordered.map { relativePath($0.path, to: cwdPath) }
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
        return LoadedWorkspace(root: root, configuration: configuration, configurationProblems: configProblems,
                               workspace: Workspace(files: parsed, models: configuration.models, tokenSettings: configuration.tokens), targets: targets)
    }
}
