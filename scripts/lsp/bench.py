#!/usr/bin/env python3
"""Language-server benchmarks: the real `promptkit lsp` binary driven over stdio, as an editor drives it.

    swift build -c release --product promptkit
    python3 scripts/lsp/bench.py [--bin .build/release/promptkit] [--edits 2000] [--starts 20]

Workload: a generated ~100 KB prompt file (40 messages, 60 declared variables, sections, a sample)
inside a temporary workspace. Measures, with diagnosticsDelay 0 (debounce excluded):
  * process start → initialize response; process start → first publishDiagnostics of the file;
  * didChange → the publishDiagnostics for that version (one character typed per change);
  * hover on variables; inlay hints for the whole file; code lenses;
  * resident memory (VmRSS) with both encodings loaded, after 1,000 and after all edits;
  * the reference: a round trip of a request the server rejects at once (transport and JSON only),
    in the same run, so ratios stay meaningful on a shared, noisy machine.
docs/benchmarks.md records the results.
"""
import argparse, json, os, random, select, statistics, subprocess, sys, tempfile, time


def generate(path, target_bytes=100_000):
    rng = random.Random(11)
    words = "the a customer ticket order refund account billing outage region service latency error please reply summarize classify".split()
    names = [f"field_{i}" for i in range(60)]
    out = ["name: bench/large", "version: 1.0.0", "model: gpt-4o", "params:", "  max_tokens: 800", "variables:"]
    for n in names:
        out += [f"  {n}:", "    type: string", f"    description: Value number {n}."]
    out += ["  items:", "    type: array", "    items:", "      properties:", "        title: string", "        body: string"]
    out.append("messages:")
    body_lines = []
    size = sum(len(l) + 1 for l in out)
    i = 0
    while size < target_bytes - 4000:
        role = "system" if i == 0 else ("user" if i % 2 else "assistant")
        out += [f"  - role: {role}", "    content: |"]
        for _ in range(12):
            line = " ".join(rng.choice(words) for _ in range(14))
            line += f" {{{{{rng.choice(names)}}}}}"
            out.append("      " + line)
        out += ["      {{#items}}", "      - {{title}}: {{body}}", "      {{/items}}"]
        size = sum(len(l) + 1 for l in out)
        i += 1
    out += ["samples:", "  main:"]
    for n in names:
        out.append(f"    {n}: sample value for {n}")
    out += ["    items:", "      - title: first", "        body: one", "      - title: second", "        body: two"]
    text = "\n".join(out) + "\n"
    with open(path, "w") as f:
        f.write(text)
    return text


class Server:
    def __init__(self, binary, root):
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.buf = b""
        self.root = root

    def send(self, obj):
        body = json.dumps(obj).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self):
        fd = self.proc.stdout.fileno()
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                n = int(self.buf[:end].split(b":")[1])
                if len(self.buf) >= end + 4 + n:
                    body = self.buf[end + 4:end + 4 + n]
                    self.buf = self.buf[end + 4 + n:]
                    return json.loads(body)
            select.select([fd], [], [], 30)
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise RuntimeError("server exited")
            self.buf += chunk

    def until(self, pred):
        while True:
            m = self.read()
            if pred(m):
                return m

    def request(self, id_, method, params):
        self.send({"jsonrpc": "2.0", "id": id_, "method": method, "params": params})
        return self.until(lambda m: m.get("id") == id_ and "method" not in m)

    def initialize(self, hover_models):
        r = self.request(1, "initialize", {"rootUri": "file://" + self.root, "capabilities": {},
                                            "initializationOptions": {"diagnosticsDelay": 0, "hoverModels": hover_models}})
        t = time.perf_counter() - self.t0
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        return r, t

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024

    def close(self):
        self.request(99999999, "shutdown", None)
        self.send({"jsonrpc": "2.0", "method": "exit"})
        self.proc.wait(10)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def ms(v):
    return f"{v * 1000:.2f} ms"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/promptkit")
    ap.add_argument("--edits", type=int, default=2000)
    ap.add_argument("--starts", type=int, default=20)
    ap.add_argument("--long-edits", type=int, default=10000, help="edits for the memory-growth check")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    root = tempfile.mkdtemp(prefix="promptkit-lsp-bench-")
    path = os.path.join(root, "large.prompt.yaml")
    text = generate(path)
    uri = "file://" + path
    lines = text.split("\n")
    print(f"workload: {len(text.encode())} bytes, {len(lines)} lines, binary {binary}")
    results = {}

    # Start-up: initialize, and first diagnostics of the opened file, from process start.
    init_times, first_diag = [], []
    for _ in range(args.starts):
        s = Server(binary, root)
        _, t_init = s.initialize(["gpt-4o"])
        s.send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
        s.until(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri)
        first_diag.append(time.perf_counter() - s.t0)
        init_times.append(t_init)
        s.close()
    results["initialize"] = init_times
    results["first_diagnostics"] = first_diag

    s = Server(binary, root)
    s.initialize(["gpt-4o", "gpt-4", "claude-sonnet-4-5"])  # gpt-4 is cl100k_base: both encodings load
    s.send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
    s.until(lambda m: m.get("method") == "textDocument/publishDiagnostics")

    # Reference: a request rejected without any work (framing, JSON, dispatch).
    ref = []
    for i in range(500):
        t = time.perf_counter()
        s.request(10_000 + i, "promptkit/unknown", {})
        ref.append(time.perf_counter() - t)
    results["reference_round_trip"] = ref

    # Typing: one character inserted in message text per change, then its diagnostics.
    rng = random.Random(5)
    content_lines = [i for i, l in enumerate(lines) if l.startswith("      ") and "{{" in l]
    version = 1
    change_lat = []

    def type_one():
        nonlocal version
        version += 1
        line = rng.choice(content_lines)
        t = time.perf_counter()
        s.send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": line, "character": 6}, "end": {"line": line, "character": 6}}, "text": "x"}]}})
        v = version
        s.until(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == v)
        return time.perf_counter() - t

    for _ in range(args.edits):
        change_lat.append(type_one())
    results["change_to_diagnostics"] = change_lat

    # Hover on variables ({{field_N}} uses) and in message text (token table across 3 models).
    hover_var, hover_msg, hints, lenses = [], [], [], []
    rid = 100_000
    for i in range(500):
        line = rng.choice(content_lines)
        col = lines[line].index("{{") + 3
        for bucket, character in ((hover_var, col), (hover_msg, 8)):
            rid += 1
            t = time.perf_counter()
            r = s.request(rid, "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
            bucket.append(time.perf_counter() - t)
            assert r.get("result") is not None, r
    for i in range(100):
        rid += 1
        t = time.perf_counter()
        s.request(rid, "textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": len(lines), "character": 0}}})
        hints.append(time.perf_counter() - t)
        rid += 1
        t = time.perf_counter()
        s.request(rid, "textDocument/codeLens", {"textDocument": {"uri": uri}})
        lenses.append(time.perf_counter() - t)
    results["hover_variable"] = hover_var
    results["hover_message"] = hover_msg
    results["inlay_hints"] = hints
    results["code_lens"] = lenses

    rss_loaded = s.rss_mb()
    done = args.edits
    rss_at = {}
    while done < args.long_edits:
        type_one()
        done += 1
        if done in (1000, 2000, 5000) or done == args.long_edits:
            rss_at[done] = s.rss_mb()
    rss_end = s.rss_mb()
    s.close()

    print(f"\n{'measure':28} {'p50':>10} {'p99':>10} {'max':>10}  n")
    for k, v in results.items():
        print(f"{k:28} {ms(statistics.median(v)):>10} {ms(pct(v, 99)):>10} {ms(max(v)):>10}  {len(v)}")
    ref50 = statistics.median(ref)
    print(f"\nchange→diagnostics p50 is {statistics.median(change_lat) / ref50:.1f}× the reference round trip; hover p99 {pct(hover_var, 99) / pct(ref, 99):.1f}× its p99")
    print(f"resident memory: {rss_loaded:.1f} MB with both encodings loaded after {args.edits} edits; "
          + ", ".join(f"{rss:.1f} MB after {n} edits" for n, rss in sorted(rss_at.items())))


if __name__ == "__main__":
    main()
