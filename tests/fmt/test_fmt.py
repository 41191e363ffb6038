"""`promptkit fmt` never changes meaning: parse → format → parse gives the same data (checked with
PyYAML, an independent parser), comments survive in order, and formatting is idempotent.

Besides the fixtures and hand-written edge cases, 400 seeded random documents are generated here:
nested mappings, lists and flow collections in mixed indentation, strings in every scalar style
(plain, quoted, literal and folded blocks with every chomping), tags, anchors, aliases, blank lines
and numbered comments in every place a comment can go.
"""
import json
import os
import pathlib
import random
import re
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("PROMPTKIT_BIN", str(ROOT / ".build" / "debug" / "promptkit"))


def fmt(text, *args):
    return subprocess.run([BIN, "fmt", *args, "-"], input=text.encode(), capture_output=True)


def comments(text):
    return re.findall(r"# c\d+\b", text)


def assert_formats_faithfully(source):
    done = fmt(source)
    assert done.returncode == 0, done.stderr.decode() + "\n" + source
    out = done.stdout.decode()
    assert yaml.safe_load(out) == yaml.safe_load(source), f"data changed\n--- in\n{source}\n--- out\n{out}"
    # Keys in canonical order carry their comments along: the same comments, maybe reordered.
    assert sorted(comments(out)) == sorted(comments(source)), f"comments changed\n--- in\n{source}\n--- out\n{out}"
    again = fmt(out)
    assert again.returncode == 0 and again.stdout.decode() == out, f"not idempotent\n--- once\n{out}\n--- twice\n{again.stdout.decode()}"
    return out


# --- fixtures and the CLI contract -------------------------------------------------------------

def test_fixtures_are_formatted():
    done = subprocess.run([BIN, "fmt", "--check", "fixtures/prompts"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 files would be reformatted" in done.stderr


@pytest.mark.parametrize("path", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "fixtures/prompts").rglob("*.yaml")))
def test_fixture_round_trips(path):
    assert_formats_faithfully((ROOT / path).read_text())


def test_check_and_write(tmp_path):
    messy = "version: 1.0.0\nname: demo/x   # the name\ntemplate: \"Hello\\nworld\"\n"
    path = tmp_path / "x.prompt.yaml"
    path.write_text(messy)
    path.chmod(0o640)
    check = subprocess.run([BIN, "fmt", "--check", "--diff", str(path)], capture_output=True, text=True)
    assert check.returncode == 1
    assert "would reformat" in check.stdout and "+name: demo/x  # the name" in check.stdout
    assert path.read_text() == messy, "--check writes nothing"
    write = subprocess.run([BIN, "fmt", str(path)], capture_output=True, text=True)
    assert write.returncode == 0, write.stderr
    assert path.read_text() == "name: demo/x  # the name\nversion: 1.0.0\ntemplate: |-\n  Hello\n  world\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert subprocess.run([BIN, "fmt", "--check", str(path)], capture_output=True).returncode == 0


def test_bad_input_is_refused_and_left_alone(tmp_path):
    broken = tmp_path / "broken.prompt.yaml"
    broken.write_text("name: demo/x\nmessages:\n  - role: user\n    content: {{question}}\n")
    bad_yaml = tmp_path / "bad.prompt.yaml"
    bad_yaml.write_text("name: \"unterminated\n")
    dup = tmp_path / "dup.prompt.yaml"
    dup.write_text("name: a/b\nname: a/c\n")
    before = {p: p.read_bytes() for p in (broken, bad_yaml, dup)}
    done = subprocess.run([BIN, "fmt", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "broken.prompt.yaml:4:15: error:" in done.stderr and "unquoted `{{variable}}`" in done.stderr
    assert "bad.prompt.yaml:2:1: error: not formatted: the file is not valid YAML" in done.stderr
    assert "dup.prompt.yaml:2:1: error:" in done.stderr and "appears twice" in done.stderr
    assert {p: p.read_bytes() for p in before} == before


def test_crlf_files_keep_crlf():
    out = fmt("version: 1.0.0\r\nname: a/b\r\ntemplate: |\r\n  hi\r\n  there\r\n").stdout
    assert out == b"name: a/b\r\nversion: 1.0.0\r\ntemplate: |\r\n  hi\r\n  there\r\n"


def test_sidecar_key_order(tmp_path):
    sidecar = tmp_path / "x.tests.yaml"
    sidecar.write_text("tests:\n- assert: [{contains: x}]\n  name: t\nprompt: x.prompt.yaml\n")
    assert subprocess.run([BIN, "fmt", str(sidecar)], capture_output=True).returncode == 0
    assert sidecar.read_text() == "prompt: x.prompt.yaml\ntests:\n  - name: t\n    assert: [{contains: x}]\n"


# --- key order is the schema's -------------------------------------------------------------------

def schema_order(*path):
    node = json.loads((ROOT / "Schemas/prompt.schema.json").read_text())
    for step in path:
        node = node[step]
    return list(node["properties"])


def keys_in_order(text, indent):
    """Keys written at `indent` columns (a `- ` counts as indentation)."""
    return [m.group(2) for m in re.finditer(r"^((?: |- )*)([a-z_]+):", text, re.M) if len(m.group(1)) == indent]


def test_root_order_is_schema_order():
    keys = schema_order()
    source = "".join(f"{k}: {json.dumps(k) if k not in ('messages',) else '[]'}\n" for k in reversed(keys) if k != "template")
    out = fmt(source).stdout.decode()
    assert keys_in_order(out, 0) == [k for k in keys if k != "template"]


@pytest.mark.parametrize("path,wrap,indent", [
    (("$defs", "variable", "oneOf", 2), lambda body: "variables:\n  v:\n" + body, 4),
    (("properties", "messages", "items"), lambda body: "messages:\n  -\n" + body, 4),
    (("$defs", "test"), lambda body: "tests:\n  -\n" + body, 4),
    (("properties", "params"), lambda body: "params:\n" + body, 2),
])
def test_nested_order_is_schema_order(path, wrap, indent):
    keys = schema_order(*path)
    body = "".join(f"    {k}: x\n" for k in reversed(keys))
    out = fmt(wrap(body)).stdout.decode()
    assert [k for k in keys_in_order(out, indent) if k in keys] == keys, out


# --- hand-written edge cases ---------------------------------------------------------------------

EDGE_CASES = {
    "folded keeps its lines": "content: >\n    one two\n    three\n\n    four\n",
    "keep chomping then a key": "a: |+\n  keep\n\nb: 1\n",
    "keep chomping at the end": "a: |+\n  keep\n\n\n# c1\n",
    "leading spaces need an indicator": "a: \"  indented\\nnext\\n\"\n",
    "blank first line with spaces": "a: \"\\n  x\\n\"\n",
    "only newlines": "a: \"\\n\\n\"\n",
    "control characters stay quoted": "a: \"x\\u0007y\\nz\"\n",
    "tabs and trailing spaces": "a: \"\\tx  \\ny\\t\\n\"\n",
    "tags and anchors": "a: &x !!str 1\nb: *x\nc: !!map {k: v}\nd: &m\n  k: v\n",
    "comment after block header": "a: |  # c1\n  text\nb: >-  # c2\n  more\n",
    "comments everywhere": "# c1\nname: a/b  # c2\n# c3\nvariables:  # c4\n  # c5\n  x:\n    type: string  # c6\n\n# c7\nmessages:\n  # c8\n  - role: user  # c9\n    content: hi  # c10\n# c11\n",
    "multi-line flow with comments": "a: [1,  # c1\n  2, {k: v,  # c2\n  w: x}]\n",
    "multi-line plain": "a: one\n  two\n  three\n",
    "multi-line quoted": "a: 'one\n  two'\nb: \"x\n\n  y\"\n",
    "empty values": "a:\nb: []\nc: {}\nd: ''\ne:\n  -\n  - ~\n",
    "nested sequences": "a:\n- - 1\n  - 2\n- - [3]\n",
    "unicode": "a: \"Grüße 👋\\nzweite Zeile — ok\"\nb: Ελληνικά\n",
    "document start": "---\nname: a/b\n",
    "hash in values": "a: 'x # y'\nb: x#y\nc: \"#\"\nd: |\n  # not a comment\n",
    "windows of blank lines": "a: 1\n\n\n\nb: 2\n",
    "flow with empty value": "a: {b, c: d}\n",
    "mustache everywhere": "template: \"{{#items}}\\n- {{name}}\\n{{/items}}\\n\"\nsamples:\n  s: {items: [{name: x}]}\n",
}


@pytest.mark.parametrize("source", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_case(source):
    assert_formats_faithfully(source)


def test_schema_modeline_stays_first():
    source = "# yaml-language-server: $schema=../schemas/prompt.schema.json\nversion: 1.0.0\nname: a/b\ntemplate: hi\n"
    out = assert_formats_faithfully(source)
    assert out.startswith("# yaml-language-server: $schema=../schemas/prompt.schema.json\nname: a/b\n")


def test_multiline_strings_become_blocks():
    out = assert_formats_faithfully('template: "You are {{role}}.\\nAnswer {{q}}.\\n"\n')
    assert out == "template: |\n  You are {{role}}.\n  Answer {{q}}.\n"


# --- random documents -------------------------------------------------------------------------------

STRINGS = ["hello", "Hello, world", "x: y", "a #b", "#", "-", "- item", "? q", "yes", "no", "on", "null", "~", "1.0", "0x1F",
           "012", "1e3", ".inf", "true", "", " ", " lead", "trail ", "tab\there", "{{var}}", "{{#s}}x{{/s}}", "[x]", "{y}",
           "'quoted'", '"dq"', "back\\slash", "Grüße", "日本語", "🙂", "ĸ", "multi\nline", "multi\nline\n", "trailing\n\n",
           "\nleading blank", "  indented\nx", "x\n  y\n", "CR\rhere", "bell\x07", "%percent", "@at", "`tick", "| bar",
           "> gt", "!bang", "&amp", "*star", "a: b: c", "line one\n\nline three\n", "ends with space \n", "\tx\ny", "---", "..."]
KEYS = ["name", "version", "description", "model", "params", "variables", "messages", "samples", "tests", "metadata",
        "role", "content", "type", "items", "assert", "k1", "k2", "zeta", "alpha", "with space", "x-y", "über"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.n = 0
        self.step = self.r.choice([2, 4])
        self.indent_seqs = self.r.random() < 0.5

    def comment(self):
        self.n += 1
        return f"# c{self.n}"

    def eol(self):
        return f"  {self.comment()}" if self.r.random() < 0.25 else ""

    def scalar(self, s, indent):
        """Lines for a scalar value: the first is inline text after `key:`."""
        r = self.r
        if "\n" in s and s.strip("\n") and not any(c in s for c in "\r\x07\t") and not s.startswith("\n") \
                and not s.split("\n")[0].startswith(" ") and r.random() < 0.6:
            body = s.rstrip("\n")
            trailing = len(s) - len(body)
            chomp = "-" if trailing == 0 else ("" if trailing == 1 else "+")
            pad = " " * (indent + self.step)
            lines = [pad + line if line else "" for line in body.split("\n")] + [""] * max(0, trailing - 1)
            return [f"|{chomp}" + self.eol()] + lines
        choice = r.random()
        if choice < 0.4:
            text = json.dumps(s, ensure_ascii=False)
        elif choice < 0.6 and "\n" not in s and "'" not in s and not any(ord(c) < 32 for c in s):
            text = "'" + s + "'"
        else:
            dumped = yaml.safe_dump(s, allow_unicode=True, width=10_000, default_flow_style=True)
            text = dumped.split("\n...")[0].strip()
            if "\n" in text:
                text = json.dumps(s, ensure_ascii=False)
        return [text + self.eol()]

    def value(self, depth):
        r = self.r
        roll = r.random()
        if depth >= 4 or roll < 0.45:
            kind = r.random()
            if kind < 0.7:
                return r.choice(STRINGS)
            return r.choice([1, -7, 2.5, True, False, None, 10**6])
        if roll < 0.75:
            return {r.choice(KEYS) + ("" if r.random() < 0.7 else str(i)): self.value(depth + 1) for i in range(r.randint(1, 4))}
        return [self.value(depth + 1) for _ in range(r.randint(1, 4))]

    def emit(self, value, indent):
        """Block lines for a mapping or list at `indent`."""
        r = self.r
        pad = " " * indent
        lines = []
        entries = list(value.items()) if isinstance(value, dict) else [(None, v) for v in value]
        for i, (key, child) in enumerate(entries):
            if i and r.random() < 0.2:
                lines.append("")
            if r.random() < 0.2:
                lines.append(pad + self.comment())
            head = pad + (yaml.safe_dump(key, allow_unicode=True).split("\n")[0] + ":" if key is not None else "-")
            if isinstance(child, (dict, list)) and child:
                if r.random() < 0.2:
                    lines.append(head + " " + json.dumps(child, ensure_ascii=False) + self.eol())
                    continue
                inner = indent + (self.step if key is not None or True else 0)
                if key is not None and isinstance(child, list) and not self.indent_seqs:
                    inner = indent
                lines.append(head + self.eol())
                lines += self.emit(child, inner)
            elif isinstance(child, (dict, list)):
                lines.append(head + " " + json.dumps(child) + self.eol())
            elif isinstance(child, str):
                first, *rest = self.scalar(child, indent)
                lines.append(head + " " + first)
                lines += rest
            else:
                lines.append(head + " " + json.dumps(child) + self.eol())
        return lines

    def document(self):
        root = {k: self.value(1) for k in self.r.sample(KEYS, self.r.randint(2, 6))}
        lines = ([self.comment()] if self.r.random() < 0.3 else []) + self.emit(root, 0)
        if self.r.random() < 0.2:
            lines += ["", self.comment()]
        return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(400))
def test_random_document(seed):
    source = Gen(seed).document()
    try:
        yaml.safe_load(source)
    except yaml.YAMLError:
        pytest.fail(f"generator produced invalid YAML (a bug in the test)\n{source}")
    assert_formats_faithfully(source)


def test_a_large_commented_file_is_formatted_in_linear_time():
    """20,000 entries with 40,000 comments (1 MB). Attaching comments was quadratic once (100 s);
    the timeout is a hang guard, not a speed target (those live in Benchmarks/fmt-bench.sh)."""
    lines = ["version: 1.0.0", "name: big/x", "samples:"]
    for i in range(20_000):
        lines += [f"  # sample {i}", f"  s{i}:", f"      q: value {i}  # c{i}"]
    source = "\n".join(lines) + "\n"
    done = subprocess.run([BIN, "fmt", "-"], input=source.encode(), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert out.startswith("name: big/x\nversion: 1.0.0\nsamples:\n  # sample 0\n  s0:\n    q: value 0  # c0\n")
    assert len(comments(out)) == 20_000
