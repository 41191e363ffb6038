#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LanguageServer {
    /// Serves LSP on standard input and output; returns the exit code.
    ///
    /// The protocol gets a private duplicate of stdout, and fd 1 is pointed at stderr: anything
    /// else that prints (a library, a stray debug line) lands in the client's log instead of
    /// corrupting the frame stream.
    public static func serveStdio() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let protocolFD = dup(1)
        guard protocolFD >= 0 else { return 2 }
        dup2(2, 1)
        let server = LanguageServer(outputFD: protocolFD)
        return server.run(inputFD: 0)
    }
}
