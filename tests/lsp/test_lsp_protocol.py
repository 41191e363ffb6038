"""Protocol robustness of `promptkit lsp`: raw frames written by hand, because well-behaved
clients (pytest-lsp, Neovim) cannot send the broken input these tests need."""
import json
import os
import select
import subprocess
import time

import pytest

from conftest import BIN, FIXTURES, position_of

TRIAGE = FIXTURES / "prompts" / "support" / "triage.prompt.yaml"


class RawClient:
    def __init__(self, args=("lsp",)):
        self.proc = subprocess.Popen([BIN, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.buffer = b""

    def write(self, raw: bytes):
        self.proc.stdin.write(raw)
        self.proc.stdin.flush()

    def send(self, message: dict):
        body = json.dumps(message).encode()
        self.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def request(self, id_, method, params=None):
        self.send({"jsonrpc": "2.0", "id": id_, "method": method, "params": params or {}})

    def notify(self, method, params=None):
        self.send({"jsonrpc": "2.0", "method": method, "params": params or {}})

    def read(self, timeout=10.0):
        """The next message; fails the test on a timeout or a framing error."""
        deadline = time.time() + timeout
        fd = self.proc.stdout.fileno()
        while True:
            header_end = self.buffer.find(b"\r\n\r\n")
            if header_end >= 0:
                headers = self.buffer[:header_end].decode()
                assert headers.startswith("Content-Length: "), headers
                length = int(headers.split(":")[1])
                if len(self.buffer) >= header_end + 4 + length:
                    body = self.buffer[header_end + 4:header_end + 4 + length]
                    self.buffer = self.buffer[header_end + 4 + length:]
                    return json.loads(body)
            remaining = deadline - time.time()
            assert remaining > 0, "timed out waiting for the server"
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 1 << 20)
                assert chunk, "the server closed its output"
                self.buffer += chunk

    def response(self, id_, timeout=10.0):
        while True:
            m = self.read(timeout)
            if m.get("id") == id_ and "method" not in m:
                return m

    def initialize(self, **options):
        self.request(1, "initialize", {"rootUri": FIXTURES.as_uri(), "capabilities": {}, "initializationOptions": options})
        result = self.response(1)["result"]
        self.notify("initialized")
        return result

    def finish(self, timeout=10):
        self.request(999, "shutdown")
        assert self.response(999)["result"] is None
        self.notify("exit")
        return self.proc.wait(timeout)


def test_lifecycle_and_exit_codes():
    c = RawClient()
    result = c.initialize()
    assert result["capabilities"]["positionEncoding"] == "utf-16"
    assert c.finish() == 0
    # `exit` without `shutdown` exits with 1, as the specification says.
    c = RawClient()
    c.initialize()
    c.notify("exit")
    assert c.proc.wait(10) == 1


def test_utf8_position_encoding_is_negotiated():
    c = RawClient()
    c.request(1, "initialize", {"capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}})
    assert c.response(1)["result"]["capabilities"]["positionEncoding"] == "utf-8"
    text = 'name: a\nversion: 1.0.0\nvariables:\n  who: {type: string}\ntemplate: "é😀 {{who}}"\n'
    uri = "file:///tmp/utf8.prompt.yaml"
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    # Column of `who` in UTF-8 bytes: `template: "` is 11 bytes, é is 2, 😀 is 4, a space, `{{`.
    c.request(2, "textDocument/definition", {"textDocument": {"uri": uri}, "position": {"line": 4, "character": 11 + 2 + 4 + 1 + 2}})
    loc = c.response(2)["result"]
    assert loc["range"]["start"] == {"line": 3, "character": 2}
    assert c.finish() == 0


def test_requests_before_initialize_and_unknown_methods():
    c = RawClient()
    c.request(5, "textDocument/hover", {"textDocument": {"uri": "file:///x"}, "position": {"line": 0, "character": 0}})
    assert c.response(5)["error"]["code"] == -32002
    c.initialize()
    c.request(6, "textDocument/noSuchThing")
    assert c.response(6)["error"]["code"] == -32601
    c.request(7, "initialize", {"capabilities": {}})
    assert c.response(7)["error"]["code"] == -32600
    c.request(8, "textDocument/hover", {"textDocument": {"uri": "file:///not-open"}, "position": {"line": 0, "character": 0}})
    assert c.response(8)["error"]["code"] == -32602
    c.request(9, "textDocument/hover", {"textDocument": {"uri": "file:///x"}, "position": {"line": -1}})
    assert c.response(9)["error"]["code"] == -32602
    assert c.finish() == 0


def test_malformed_frames_and_invalid_json_get_errors_and_the_server_carries_on():
    c = RawClient()
    c.initialize()
    c.write(b"Content-Length: 5\r\n\r\n{oops")
    assert c.read()["error"]["code"] == -32700
    c.write(b"Content-Length: nope\r\n\r\n")
    assert c.read()["error"]["code"] == -32700
    c.write(b"this is not a header\r\n\r\n")
    assert c.read()["error"]["code"] == -32700
    body = json.dumps({"jsonrpc": "1.0", "id": 41, "method": "shutdown"}).encode()
    c.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    reply = c.read()
    assert reply["error"]["code"] == -32600 and reply["id"] == 41
    c.write(b"Content-Length: 2\r\n\r\n[]")
    assert c.read()["error"]["code"] == -32600
    # Still alive and answering in order.
    c.request(42, "workspace/symbol", {"query": "triage"})
    assert c.response(42)["result"][0]["name"] == "support/triage"
    assert c.finish() == 0


def test_a_client_that_vanishes_mid_message_ends_the_server_cleanly():
    c = RawClient()
    c.initialize()
    c.write(b"Content-Length: 100\r\n\r\n{\"jsonrpc\": \"2.0\", ")
    c.proc.stdin.close()
    assert c.proc.wait(10) == 1  # no shutdown was received
    assert b"Fatal" not in c.proc.stderr.read()


def test_every_request_gets_exactly_one_response_and_stale_ones_are_refused():
    c = RawClient()
    c.initialize(diagnosticsDelay=0)
    text = TRIAGE.read_text()
    uri = TRIAGE.as_uri()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    line, col = position_of(text, "{{plan}}", 3)
    # A burst: hover, a cancelled hover, an edit, then a request that was stale when it was sent.
    frames = []
    for i in range(100, 160):
        frames.append({"jsonrpc": "2.0", "id": i, "method": "textDocument/hover",
                       "params": {"textDocument": {"uri": uri}, "position": {"line": line, "character": col}}})
        if i % 3 == 0:
            frames.append({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": i}})
        if i % 7 == 0:
            frames.append({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": i},
                "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "#\n"}]}})
            line += 1
    c.write(b"".join(b"Content-Length: %d\r\n\r\n%s" % (len(b), b) for b in (json.dumps(f).encode() for f in frames)))
    answers = {}
    while len(answers) < 60:
        m = c.read()
        if "id" in m and "method" not in m:
            assert m["id"] not in answers, "two responses to one request"
            answers[m["id"]] = m
    codes = {m.get("error", {}).get("code") for m in answers.values()}
    assert None in codes  # answered
    assert all(code in (None, -32800, -32801) for code in codes)
    assert c.finish() == 0


def test_a_20_mb_document_is_accepted_and_answered():
    c = RawClient()
    c.initialize(diagnosticsDelay=0)
    body = "name: big\nversion: 1.0.0\ntemplate: |\n" + "  lorem ipsum dolor sit amet {{x}}\n" * (20_000_000 // 35)
    uri = "file:///tmp/big.prompt.yaml"
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": body}})
    while True:
        m = c.read(timeout=60)
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
            break
    assert m["params"]["diagnostics"][0]["code"] == "size-limit"
    c.request(2, "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 3}})
    assert c.response(2, timeout=30)["result"] is None
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}}, "text": "  more\n"}]})
    c.request(3, "textDocument/codeLens", {"textDocument": {"uri": uri}})
    assert c.response(3, timeout=30)["result"] == []
    assert c.finish() == 0


def test_stdout_carries_only_the_protocol():
    c = RawClient()
    c.initialize()
    c.request(2, "workspace/executeCommand", {"command": "promptkit.nope", "arguments": []})
    assert c.response(2)["error"]["code"] == -32602
    assert c.finish() == 0
    # Everything the server wrote to stdout was consumed as frames above; nothing is left over.
    assert c.proc.stdout.read() == b"" and c.buffer == b""


def test_configuration_file_changes_apply_at_once(workspace):
    c = RawClient()
    c.request(1, "initialize", {"rootUri": workspace.as_uri(), "capabilities": {}, "initializationOptions": {"diagnosticsDelay": 0}})
    c.response(1)
    c.notify("initialized")
    typos = workspace / "broken" / "typos.prompt.yaml"
    c.notify("textDocument/didOpen", {"textDocument": {"uri": typos.as_uri(), "languageId": "yaml", "version": 1, "text": typos.read_text()}})

    def next_diagnostics():
        while True:
            m = c.read()
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == typos.as_uri():
                return [d["code"] for d in m["params"]["diagnostics"]]

    before = next_diagnostics()
    assert "PK105" in before
    (workspace / "promptkit.yaml").write_text("rules:\n  ignore: [invalid-semver]\n")
    c.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": (workspace / "promptkit.yaml").as_uri(), "type": 1}]})
    after = next_diagnostics()
    assert "PK105" not in after and len(after) == len(before) - before.count("PK105")
    assert c.finish() == 0
