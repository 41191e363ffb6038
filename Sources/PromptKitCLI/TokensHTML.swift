import Analysis
import CoreSupport
import Foundation
import ModelCatalog
import Mustache
import Tokenizer

/// `promptkit tokens FILE --html PAGE`: one self-contained HTML file (inline CSS and script, no
/// network) showing the rendered prompt with every token's boundaries coloured, the count per
/// message and the model table. Hovering a token shows its id(s).
enum TokenPage {
    struct ModelRow {
        let id: String
        let estimate: Bool
        let tokens: Int
        let inputCost: String
        let outputCost: String
        let context: String
    }

    /// A run of text that is a whole number of tokens: usually one token; several when a token
    /// ends inside a UTF-8 character (an emoji split in two), since half a character cannot be shown.
    struct Piece {
        let text: String
        let ids: [UInt32]
    }

    /// Splits `text` into its tokens under `encoding`, joining tokens that end mid-character.
    static func pieces(_ text: String, encoding: Encoding) -> [Piece] {
        var pieces: [Piece] = []
        var pendingBytes: [UInt8] = []
        var pendingIDs: [UInt32] = []
        for id in encoding.encodeOrdinary(text) {
            pendingBytes += encoding.bytes(of: id) ?? []
            pendingIDs.append(id)
            if endsOnCharacterBoundary(pendingBytes) {
                pieces.append(Piece(text: String(decoding: pendingBytes, as: UTF8.self), ids: pendingIDs))
                pendingBytes.removeAll(keepingCapacity: true)
                pendingIDs.removeAll(keepingCapacity: true)
            }
        }
        if !pendingIDs.isEmpty { pieces.append(Piece(text: String(decoding: pendingBytes, as: UTF8.self), ids: pendingIDs)) }
        return pieces
    }

    /// Whether the last UTF-8 sequence in `bytes` is complete (invalid bytes count as complete:
    /// they are shown as U+FFFD).
    static func endsOnCharacterBoundary(_ bytes: [UInt8]) -> Bool {
        var i = bytes.count - 1
        while i >= 0, bytes.count - i <= 4, bytes[i] & 0xC0 == 0x80 { i -= 1 }
        guard i >= 0, bytes.count - i <= 4 else { return true }
        let lead = bytes[i]
        let expected = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        return bytes.count - i >= expected
    }

    /// HTML escaping, as Mustache's `{{var}}` does it (`& < > "`; attributes here are double-quoted).
    static func escape(_ s: String) -> String { Escaping.html.apply(s) }

    static func render(file: String, sample: String?, encodingLabel: String, estimate: Bool, rendering: PromptRendering,
                       encoding: Encoding, count: PromptTokenCount, reserved: Int?, models: [ModelRow]) -> String {
        let mark = estimate ? "≈" : ""
        var messages = ""
        for (index, (message, tokens)) in zip(rendering.messages, count.contentTokens).enumerated() {
            var spans = ""
            for (k, piece) in pieces(message.content, encoding: encoding).enumerated() {
                let ids = piece.ids.map(String.init).joined(separator: " ")
                // Newlines and tabs are drawn as ↵ and → inside the token, then the real character
                // follows, so line structure stays and whitespace tokens stay visible.
                let shown = escape(piece.text).replacingOccurrences(of: "\n", with: "<span class=ws>↵</span>\n")
                    .replacingOccurrences(of: "\t", with: "<span class=ws>→</span>\t")
                spans += "<span class=\"tok c\(k % 6)\" data-n=\"\(piece.ids.count)\" title=\"\(ids)\">\(shown)</span>"
            }
            messages += """
            <section class=message data-role="\(escape(message.role))" data-tokens="\(tokens)">
            <h2><span class=role>\(escape(rendering.isTemplate ? "template" : message.role))</span> <span class=count>\(mark)\(tokens) tokens</span> <span class=index>#\(index + 1)</span></h2>
            <pre class=text>\(spans)</pre>
            </section>

            """
        }
        let overhead = count.total - count.contentTokens.reduce(0, +)
        var rows = ""
        for row in models {
            rows += "<tr><td>\(escape(row.id))</td><td class=num>\(row.estimate ? "≈" : "")\(row.tokens)</td><td class=num>\(escape(row.inputCost))</td><td class=num>\(escape(row.outputCost))</td><td class=num>\(escape(row.context))</td></tr>\n"
        }
        return """
        <!doctype html>
        <html lang=en>
        <head>
        <meta charset=utf-8>
        <meta name=viewport content="width=device-width, initial-scale=1">
        <meta name=generator content="promptkit tokens --html">
        <title>\(escape(file)): \(count.total) tokens</title>
        <style>
        :root { color-scheme: light dark; --fg: #1d1d1f; --bg: #ffffff; --muted: #6e6e73; --line: #d2d2d7; }
        @media (prefers-color-scheme: dark) { :root { --fg: #f5f5f7; --bg: #1d1d1f; --muted: #a1a1a6; --line: #424245; } }
        body { font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
        h1 { font-size: 1.3rem; margin: 0 0 .25rem; } h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
        .meta, .index, .note { color: var(--muted); } .count { font-weight: normal; color: var(--muted); }
        .total { font-size: 2rem; font-weight: 600; }
        pre.text { white-space: pre-wrap; word-break: break-word; font: 14px/1.7 ui-monospace, Menlo, Consolas, monospace; border: 1px solid var(--line); border-radius: 8px; padding: .75rem; margin: 0; }
        .tok { border-radius: 3px; color: #1d1d1f; box-shadow: inset -1px 0 0 rgba(0,0,0,.25); }
        .c0 { background: #ffd6a5; } .c1 { background: #caffbf; } .c2 { background: #9bf6ff; }
        .c3 { background: #bdb2ff; } .c4 { background: #ffc6ff; } .c5 { background: #fdffb6; }
        .tok:hover { outline: 2px solid #0071e3; }
        .ws { color: #8e8e93; }
        table { border-collapse: collapse; margin-top: .5rem; } td, th { padding: .3rem .8rem; border-bottom: 1px solid var(--line); text-align: left; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        </style>
        </head>
        <body data-total-tokens="\(count.total)" data-encoding="\(escape(encoding.name.rawValue))">
        <h1>\(escape(file))</h1>
        <p class=meta>sample: \(escape(sample ?? "none (declared defaults only)")) · \(escape(encodingLabel))</p>
        <p><span class=total id=total-tokens>\(mark)\(count.total)</span> tokens in total\(overhead > 0 ? " (\(overhead) of them chat formatting: message headers and reply priming)" : "")\(reserved.map { " · \($0) reserved for the answer (params.max_tokens)" } ?? "")</p>
        <p class=note>Each coloured box is one token (hover for its id); ↵ marks a newline inside a token. <span id=shown-tokens></span></p>
        \(messages)
        <h2>Models</h2>
        <table>
        <thead><tr><th>model</th><th class=num>prompt tokens</th><th class=num>input cost</th><th class=num>\(reserved.map { "output (\($0))" } ?? "output")</th><th class=num>context</th></tr></thead>
        <tbody>
        \(rows)</tbody>
        </table>
        \(models.contains(where: \.estimate) ? "<p class=note>≈ estimate: the model's tokenizer is not public; counts use a stand-in encoding.</p>" : "")
        <script>
        // Counts the token boxes on the page, so what is drawn can be checked against the total.
        const shown = [...document.querySelectorAll('.tok')].reduce((n, el) => n + Number(el.dataset.n), 0);
        document.getElementById('shown-tokens').textContent = shown + ' content tokens drawn.';
        document.body.dataset.shownTokens = shown;
        </script>
        </body>
        </html>

        """
    }
}
