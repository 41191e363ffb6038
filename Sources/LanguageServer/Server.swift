import Analysis
import CoreSupport
import Foundation
import LanguageServerProtocol
import ModelCatalog
import Project
import Registry

/// Settings a client may pass in `initializationOptions` or `workspace/didChangeConfiguration`
/// (under a `promptkit` key). Documented in docs/lsp.md.
struct ServerSettings {
    /// Delay between the last change and the diagnostics it causes. Typing bursts coalesce into
    /// one analysis; 0 publishes after every change.
    var diagnosticsDelay: TimeInterval = 0.05
    /// Models listed in the hover's token table after the file's own model.
    var hoverModels = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "claude-sonnet-4-5", "gemini-2.5-flash"]
    /// Documents larger than this are stored but not analysed: every feature stays responsive.
    var maxAnalysedBytes = 16 << 20
    /// The registry database (default: $PROMPTKIT_REGISTRY, else .promptkit/registry.sqlite under the root).
    var registryPath: String?

    mutating func apply(_ value: Value?) {
        guard let o = value?.objectValue else { return }
        if let ms = o["diagnosticsDelay"]?.doubleValue, ms >= 0, ms <= 10_000 { diagnosticsDelay = ms / 1000 }
        if let models = o["hoverModels"]?.arrayValue { hoverModels = models.compactMap(\.stringValue) }
        if let n = o["maxAnalysedBytes"]?.intValue, n > 0 { maxAnalysedBytes = n }
        if let p = o["registryPath"]?.stringValue { registryPath = p.isEmpty ? nil : p }
    }
}

/// The language server: one thread reads frames, this object handles them in order on another.
///
/// Every request is answered from the state as it is when the request is reached, which is an
/// immutable `Workspace` value plus parsed documents: nothing a handler reads can change under it.
public final class LanguageServer {
    let queue = MessageQueue()
    let writer: FrameWriter
    var converter = PositionConverter(utf8: false)
    var settings = ServerSettings()

    // Lifecycle
    var initializeReceived = false
    var shutdownRequested = false

    // Client capabilities that change what the server does.
    var clientRefreshesInlayHints = false
    var clientRefreshesCodeLenses = false
    var clientRegistersWatchers = false
    var nextServerRequestID = 1

    // Workspace state
    var root: URL?
    var configuration = Configuration()
    /// Prompt files read from disk, by path; open documents override them.
    var diskFiles: [String: ParsedFile] = [:]
    var documents: [String: OpenDocument] = [:]
    var workspaceCache: Workspace? {
        didSet { if workspaceCache == nil { generation += 1 } }
    }
    /// Bumped whenever the snapshot is invalidated: cached per-document facts from an older
    /// generation may have rendered partials that changed since.
    var generation = 0
    var factsCache: [String: DocumentFacts] = [:]
    /// The registry's facts (PK601, the environments lens) and the file stamps they were read at.
    var registryFacts = RegistryFacts()
    var registryStamp: [Int] = []
    /// Documents waiting for diagnostics, with the time they are due.
    var diagnosticsDue: [String: Date] = [:]
    /// The sample each document previews (nil: its first sample).
    var selectedSample: [String: String] = [:]
    /// Findings of the last test runs per document URI and test name, shown until the document changes.
    var testDiagnostics: [String: [String: [LanguageServerProtocol.Diagnostic]]] = [:]
    let tokenCache = TokenCountCache()

    public init(outputFD: Int32) {
        writer = FrameWriter(fd: outputFD)
    }

    /// Runs until `exit` or the end of input; returns the process exit code.
    public func run(inputFD: Int32) -> Int32 {
        let reader = FrameReader(fd: inputFD)
        let queue = self.queue
        let thread = Thread {
            while true {
                switch reader.next() {
                case .message(let body):
                    switch Message.decode(body) {
                    case .success(let m): queue.push(.message(m))
                    case .failure(let e): queue.push(.invalid(e.error, id: e.id))
                    }
                case .malformed(let why):
                    queue.push(.invalid(ResponseError(.parseError, why), id: nil))
                case .end(let mid):
                    queue.push(.end(midMessage: mid))
                    return
                }
            }
        }
        thread.stackSize = 8 << 20
        thread.start()

        while true {
            let due = diagnosticsDue.values.min()
            guard let item = queue.next(until: due) else {
                publishDueDiagnostics()
                continue
            }
            switch item {
            case .message(let message):
                refreshRegistryFacts()
                if let code = handle(message) { return code }
            case .invalid(let error, let id):
                send(Message.response(id: id, error: error))
            case .testRunFinished(let result):
                testRunFinished(result)
            case .end(let midMessage):
                log(midMessage ? "the client closed the stream in the middle of a message; exiting" : "end of input; exiting")
                return shutdownRequested ? 0 : 1
            }
            if writer.isClosed { return 1 }
            if diagnosticsDue.values.contains(where: { $0 <= Date() }) { publishDueDiagnostics() }
        }
    }

    // MARK: Output

    func send(_ value: Value) {
        writer.write(JSON.serializedBytes(value))
    }

    func notify(_ method: String, _ params: Value) { send(Message.notification(method, params)) }

    func request(_ method: String, _ params: Value) {
        send(Message.request(id: .string("promptkit-\(nextServerRequestID)"), method, params))
        nextServerRequestID += 1
    }

    /// Server-side log lines go to the client's log (`window/logMessage`), never to stdout.
    func log(_ message: String, type: Int = 4) {
        notify("window/logMessage", object(("type", .int(type)), ("message", .string(message))))
    }

    // MARK: Dispatch

    /// Handles one message; returns an exit code when the server must stop.
    func handle(_ message: Message) -> Int32? {
        switch message {
        case .request(let id, let method, let params):
            if queue.takeCancellation(id) {
                send(Message.response(id: id, error: ResponseError(.requestCancelled, "cancelled by the client")))
                return nil
            }
            let result = respond(method, params)
            switch result {
            case .success(let v): send(Message.response(id: id, result: v))
            case .failure(let e): send(Message.response(id: id, error: e))
            }
        case .notification(let method, let params):
            return notification(method, params)
        case .response:
            break  // answers to our registerCapability / refresh requests carry nothing we need
        }
        return nil
    }

    func respond(_ method: String, _ params: Value) -> Result<Value, ResponseError> {
        if method == "initialize" {
            guard !initializeReceived else { return .failure(ResponseError(.invalidRequest, "initialize was already received")) }
            return .success(initialize(params))
        }
        guard initializeReceived else {
            return .failure(ResponseError(.serverNotInitialized, "the server has not been initialized (send `initialize` first)"))
        }
        if shutdownRequested && method != "shutdown" {
            return .failure(ResponseError(.invalidRequest, "the server is shutting down; only `exit` is accepted"))
        }
        // A request about a document that has already changed again would describe old text.
        if let uri = params.at("textDocument", "uri")?.stringValue, method != "textDocument/diagnostic",
           queue.hasPendingChange(to: uri) {
            return .failure(ResponseError(.contentModified, "the document changed before this request was answered"))
        }
        do throws(ResponseError) {
            switch method {
            case "shutdown":
                shutdownRequested = true
                return .success(.null)
            case "textDocument/diagnostic": return .success(try pullDiagnostics(params))
            case "textDocument/hover": return .success(try hover(params))
            case "textDocument/inlayHint": return .success(try inlayHints(params))
            case "textDocument/codeLens": return .success(try codeLenses(params))
            case "textDocument/completion": return .success(try completion(params))
            case "textDocument/definition": return .success(try definition(params))
            case "textDocument/references": return .success(try references(params))
            case "textDocument/prepareRename": return .success(try prepareRename(params))
            case "textDocument/rename": return .success(try rename(params))
            case "textDocument/documentSymbol": return .success(try documentSymbols(params))
            case "textDocument/formatting": return .success(try formatting(params))
            case "workspace/symbol": return .success(workspaceSymbols(params))
            case "textDocument/codeAction": return .success(try codeActions(params))
            case "workspace/executeCommand": return .success(try executeCommand(params))
            case "promptkit/renderPreview": return .success(try renderPreview(params))
            default:
                return .failure(ResponseError(.methodNotFound, "unknown method `\(method)`"))
            }
        } catch {
            return .failure(error)
        }
    }

    func notification(_ method: String, _ params: Value) -> Int32? {
        if method == "exit" { return shutdownRequested ? 0 : 1 }
        // Notifications before initialize are dropped, as the specification says.
        guard initializeReceived else { return nil }
        do throws(ResponseError) {
            switch method {
            case "initialized": initialized()
            case "textDocument/didOpen": try didOpen(params)
            case "textDocument/didChange": try didChange(params)
            case "textDocument/didClose": try didClose(params)
            case "textDocument/didSave": break
            case "workspace/didChangeConfiguration": didChangeConfiguration(params)
            case "workspace/didChangeWatchedFiles": didChangeWatchedFiles(params)
            case "workspace/didChangeWorkspaceFolders": break
            case "$/cancelRequest", "$/setTrace": break
            default: break  // unknown notifications are ignored (and `$/` ones must be)
            }
        } catch {
            log("\(method): \(error.message)", type: 2)
        }
        return nil
    }

    // MARK: Lifecycle

    func initialize(_ params: Value) -> Value {
        initializeReceived = true
        let caps = params["capabilities"]
        let encodings = caps?.at("general", "positionEncodings")?.arrayValue?.compactMap(\.stringValue) ?? []
        converter = PositionConverter(utf8: encodings.contains("utf-8"))
        clientRefreshesInlayHints = caps?.at("workspace", "inlayHint", "refreshSupport")?.boolValue ?? false
        clientRefreshesCodeLenses = caps?.at("workspace", "codeLens", "refreshSupport")?.boolValue ?? false
        clientRegistersWatchers = caps?.at("workspace", "didChangeWatchedFiles", "dynamicRegistration")?.boolValue ?? false
        settings.apply(params["initializationOptions"])

        let folder = params["workspaceFolders"]?.arrayValue?.first?["uri"]?.stringValue
            ?? params["rootUri"]?.stringValue
        if let folder, let path = DocumentURI.path(of: folder) {
            root = URL(fileURLWithPath: path)
        } else if let path = params["rootPath"]?.stringValue {
            root = URL(fileURLWithPath: path)
        }
        loadWorkspace()

        let capabilities = object(
            ("positionEncoding", .string(converter.utf8 ? "utf-8" : "utf-16")),
            ("textDocumentSync", object(("openClose", .bool(true)), ("change", .int(2)),
                                        ("save", object(("includeText", .bool(false)))))),
            ("diagnosticProvider", object(("identifier", .string("promptkit")), ("interFileDependencies", .bool(true)),
                                          ("workspaceDiagnostics", .bool(false)))),
            ("hoverProvider", .bool(true)),
            ("inlayHintProvider", .bool(true)),
            ("codeLensProvider", object(("resolveProvider", .bool(false)))),
            ("completionProvider", object(("triggerCharacters", .array(["{", ">", "#", "^", "/", ".", " ", ":"].map(Value.string))),
                                          ("resolveProvider", .bool(false)))),
            ("definitionProvider", .bool(true)),
            ("referencesProvider", .bool(true)),
            ("renameProvider", object(("prepareProvider", .bool(true)))),
            ("documentSymbolProvider", .bool(true)),
            ("documentFormattingProvider", .bool(true)),
            ("workspaceSymbolProvider", .bool(true)),
            ("codeActionProvider", object(("codeActionKinds", .array([.string("quickfix")])), ("resolveProvider", .bool(false)))),
            ("executeCommandProvider", object(("commands", .array(ServerCommand.allCases.map { .string($0.rawValue) })))),
            ("workspace", object(("workspaceFolders", object(("supported", .bool(true)), ("changeNotifications", .bool(false))))))
        )
        return object(("capabilities", capabilities),
                      ("serverInfo", object(("name", .string("promptkit")), ("version", .string(LanguageServer.version)))))
    }

    public static let version = "0.1.0"

    func initialized() {
        guard clientRegistersWatchers else { return }
        let watchers: [Value] = ["**/*.prompt.yaml", "**/*.prompt.yml", "**/\(Configuration.fileName)", "**/.promptkit/registry.sqlite*"].map {
            object(("globPattern", .string($0)))
        }
        request("client/registerCapability", object(("registrations", .array([
            object(("id", .string("promptkit-watch")), ("method", .string("workspace/didChangeWatchedFiles")),
                   ("registerOptions", object(("watchers", .array(watchers))))),
        ]))))
    }

    // MARK: Workspace

    /// Reads promptkit.yaml and every prompt file under the root (the CLI's discovery, so the
    /// editor and `promptkit lint` see the same workspace).
    func loadWorkspace() {
        diskFiles = [:]
        guard let root else { return }
        reloadConfiguration()
        let urls = ProjectFiles.promptFiles(under: root, root: root, configuration: configuration)
        let parsed: [ParsedFile?] = Parallel.map(urls.map(\.path)) { path in
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            return ParsedFile.parse(SourceFile(path: path, bytes: Array(data)))
        }
        for case let file? in parsed { diskFiles[file.path] = file }
        workspaceCache = nil
    }

    func reloadConfiguration() {
        guard let root else { return }
        let path = root.appendingPathComponent(Configuration.fileName).path
        let bytes: [UInt8]
        if let open = documents.values.first(where: { $0.path == path }) {
            bytes = open.bytes
        } else if let data = FileManager.default.contents(atPath: path) {
            bytes = Array(data)
        } else {
            configuration = Configuration()
            return
        }
        let (config, problems) = Configuration.parse(bytes)
        configuration = config
        for p in problems { log("\(Configuration.fileName): \(p.message)", type: 2) }
        workspaceCache = nil
    }

    var registryDatabasePath: String? {
        guard let root else { return settings.registryPath }
        return settings.registryPath ?? RegistryLocation.path(root: root.path, environment: ProcessInfo.processInfo.environment)
    }

    /// Re-reads the registry when its file or WAL changed (two stat calls per incoming message
    /// otherwise), so a `promptkit registry publish` in a terminal reaches the editor at the next
    /// message even when the client does not watch files. When the facts changed, every open
    /// document is re-checked and the client asked to refresh its lenses.
    func refreshRegistryFacts() {
        guard let path = registryDatabasePath else { return }
        let stamp = [path, path + "-wal"].flatMap { p -> [Int] in
            var st = stat()
            guard stat(p, &st) == 0 else { return [0, 0] }
            return [Int(st.st_mtim.tv_sec) * 1_000_000_000 + Int(st.st_mtim.tv_nsec), Int(st.st_size)]
        }
        guard stamp != registryStamp else { return }
        registryStamp = stamp
        let (facts, problem) = RegistryLocation.facts(at: path)
        if let problem { log(problem, type: 2) }
        guard facts != registryFacts else { return }
        registryFacts = facts
        workspaceCache = nil
        guard !documents.isEmpty else { return }
        for uri in documents.keys { schedule(uri, delay: 0) }
        refreshEditorViews()
    }

    /// The current snapshot: files on disk with open documents' text in their place.
    var workspace: Workspace {
        if let workspaceCache { return workspaceCache }
        var byPath = diskFiles
        for doc in documents.values where isPromptDocument(doc) { byPath[doc.path] = doc.parsed }
        let files = byPath.keys.sorted().compactMap { byPath[$0] }
        let w = Workspace(files: files, models: configuration.models, tokenSettings: configuration.tokens, registry: registryFacts)
        workspaceCache = w
        return w
    }

    func isPromptDocument(_ doc: OpenDocument) -> Bool {
        !doc.path.hasSuffix("/" + Configuration.fileName) && doc.path != Configuration.fileName
    }

    func document(_ params: Value) throws(ResponseError) -> OpenDocument {
        guard let uri = params.at("textDocument", "uri")?.stringValue else {
            throw .invalidParams("`textDocument.uri` is required")
        }
        guard let doc = documents[uri] else {
            throw ResponseError(.invalidParams, "the document \(uri) is not open")
        }
        return doc
    }

    func isAnalysed(_ doc: OpenDocument) -> Bool { doc.bytes.count <= doc.analysisLimit && isPromptDocument(doc) }

    // MARK: Text synchronisation

    func didOpen(_ params: Value) throws(ResponseError) {
        guard let item = params["textDocument"], let uri = item["uri"]?.stringValue, let text = item["text"]?.stringValue else {
            throw .invalidParams("didOpen needs textDocument.uri and textDocument.text")
        }
        let doc = OpenDocument(uri: uri, version: item["version"]?.intValue ?? 0, bytes: Array(text.utf8), analysisLimit: settings.maxAnalysedBytes)
        documents[uri] = doc
        // Debouncing is for typing bursts; a newly opened file is checked at once.
        documentChanged(doc, previousName: diskFiles[doc.path]?.name, delay: 0)
    }

    func didChange(_ params: Value) throws(ResponseError) {
        guard let uri = params.at("textDocument", "uri")?.stringValue, var doc = documents[uri] else {
            throw .invalidParams("didChange for a document that is not open")
        }
        let previousName = doc.parsed.name
        try doc.apply(params["contentChanges"]?.arrayValue ?? [], version: params.at("textDocument", "version")?.intValue ?? doc.version + 1,
                      converter: converter)
        documents[uri] = doc
        testDiagnostics[uri] = nil  // they describe the text before this edit
        documentChanged(doc, previousName: previousName)
    }

    func didClose(_ params: Value) throws(ResponseError) {
        guard let uri = params.at("textDocument", "uri")?.stringValue, let doc = documents.removeValue(forKey: uri) else { return }
        diagnosticsDue[uri] = nil
        selectedSample[uri] = nil
        factsCache[uri] = nil
        // The file on disk is the truth again (it may differ from the closed buffer).
        if let data = FileManager.default.contents(atPath: doc.path), diskFiles[doc.path] != nil {
            diskFiles[doc.path] = ParsedFile.parse(SourceFile(path: doc.path, bytes: Array(data)))
        }
        workspaceCache = nil
        if !isPromptDocument(doc) { reloadConfiguration() }
        notify("textDocument/publishDiagnostics", object(("uri", .string(uri)), ("diagnostics", .array([]))))
        scheduleDependents(of: [doc.parsed.name].compactMap { $0 }, except: uri)
    }

    /// After a document's text changed: its own diagnostics, and those of open documents that
    /// include it as a partial or share its name.
    func documentChanged(_ doc: OpenDocument, previousName: String?, delay: TimeInterval? = nil) {
        workspaceCache = nil
        if !isPromptDocument(doc) {
            reloadConfiguration()
            for uri in documents.keys { schedule(uri) }
            refreshEditorViews()
            return
        }
        schedule(doc.uri, delay: delay)
        scheduleDependents(of: Set([previousName, doc.parsed.name].compactMap { $0 }), except: doc.uri)
    }

    func schedule(_ uri: String, delay: TimeInterval? = nil) {
        diagnosticsDue[uri] = Date().addingTimeInterval(delay ?? settings.diagnosticsDelay)
    }

    func scheduleDependents(of names: some Collection<String>, except uri: String) {
        guard !names.isEmpty else { return }
        let ws = workspace
        let changed = Set(names)
        for (otherURI, other) in documents where otherURI != uri && isPromptDocument(other) {
            if let n = other.parsed.name, changed.contains(n) {
                schedule(otherURI)
            } else if !PartialGraph.reachable(from: other.parsed, in: ws).isDisjoint(with: changed) {
                schedule(otherURI)
            }
        }
    }

    func didChangeConfiguration(_ params: Value) {
        let settingsValue = params.at("settings", "promptkit") ?? params["settings"]
        settings.apply(settingsValue)
        reloadConfiguration()
        for uri in documents.keys { schedule(uri, delay: 0) }
        refreshEditorViews()
    }

    func didChangeWatchedFiles(_ params: Value) {
        var names: Set<String> = []
        var configChanged = false
        for change in params["changes"]?.arrayValue ?? [] {
            guard let uri = change["uri"]?.stringValue, let path = DocumentURI.path(of: uri) else { continue }
            let type = change["type"]?.intValue ?? 2  // 1 created, 2 changed, 3 deleted
            // Registry changes were picked up before this message was handled (refreshRegistryFacts).
            if path.contains("/.promptkit/registry.sqlite") || path == registryDatabasePath { continue }
            if path.hasSuffix("/" + Configuration.fileName) {
                configChanged = true
                continue
            }
            guard ProjectFiles.isPromptFileName((path as NSString).lastPathComponent) else { continue }
            if let old = diskFiles[path]?.name { names.insert(old) }
            if type == 3 {
                diskFiles[path] = nil
            } else if let data = FileManager.default.contents(atPath: path) {
                let parsed = ParsedFile.parse(SourceFile(path: path, bytes: Array(data)))
                diskFiles[path] = parsed
                if let n = parsed.name { names.insert(n) }
            }
        }
        workspaceCache = nil
        if configChanged {
            loadWorkspace()  // include/exclude may have changed which files belong
            for uri in documents.keys { schedule(uri, delay: 0) }
            refreshEditorViews()
        } else {
            scheduleDependents(of: names, except: "")
        }
    }

    /// Asks the client to re-request inlay hints and code lenses (their inputs changed).
    func refreshEditorViews() {
        if clientRefreshesInlayHints { request("workspace/inlayHint/refresh", .null) }
        if clientRefreshesCodeLenses { request("workspace/codeLens/refresh", .null) }
    }
}
