#!/usr/bin/env python3
"""Token-id parity between promptkit's tokenizer and tiktoken 0.14 (encode_ordinary).

    .venv/bin/python scripts/tokenizer/parity.py            # full run (all code points, big corpus)
    .venv/bin/python scripts/tokenizer/parity.py --quick    # the subset scripts/test.sh runs in CI
    .venv/bin/python scripts/tokenizer/parity.py --write-golden   # refresh Tests/TokenizerTests/Resources

Cases are raw bytes; both sides see bytes.decode("utf-8", "replace"). tiktoken runs in this
process; promptkit's side is Benchmarks/tokenizer-bench (`encode`), built in release mode.
Corpus (seeded, so every run checks the same inputs):
  * tests/tokenizer/tricky-cases.json: short traps (contractions, case classes, digits,
    whitespace runs, CRLF, marks, ZWJ emoji, RTL, invalid UTF-8);
  * the repository's own text: Swift and Python sources, prompt-file fixtures, JSON Schemas, docs;
  * generated prose, code, JSON/YAML, CJK and other scripts, emoji sequences, pathological runs
    (long runs of one letter, spaces, newlines, digits, punctuation), random Unicode scalars,
    random bytes;
  * full run only: every Unicode scalar in several contexts, and long pieces (100 B to 64 KB).
Inputs on which tiktoken itself fails (its regex engine's backtrack limit, hit by long runs of
whitespace followed by text) are reported and skipped.
"""
import argparse, base64, glob, json, os, random, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tiktoken_env import ROOT, ENCODINGS, seed_cache  # noqa: E402

seed_cache()
import tiktoken  # noqa: E402

# The release build by default; CI's quick run uses the debug build scripts/test.sh already made.
TOOL = os.environ.get("PROMPTKIT_TOKENIZER_BENCH", os.path.join(ROOT, ".build", "release", "promptkit-tokenizer-bench"))
GOLDEN = os.path.join(ROOT, "Tests", "TokenizerTests", "Resources", "tiktoken-expected.json")

WORDS = ("the of and to in is you that it he was for on are as with his they I at be this have from or one had by "
         "word but not what all were we when your can said there use an each which she do how their if will up other "
         "about out many then them these so some her would make like him into time has look two more write go see "
         "number no way could people my than first water been call who oil its now find long down day did get come "
         "made may part prompt model token context window budget assistant system user JSON YAML").split()


def tricky_cases():
    cases = []
    for item in json.load(open(os.path.join(ROOT, "tests", "tokenizer", "tricky-cases.json"), encoding="utf-8")):
        if isinstance(item, dict):
            cases.append(bytes.fromhex(item["hex"]))
        else:
            cases.append(item.encode("utf-8", "surrogatepass"))
    return cases


def repository_texts(limit_bytes):
    paths = []
    for pattern in ("Sources/**/*.swift", "scripts/**/*.py", "fixtures/**/*.yaml", "Schemas/*.json", "docs/*.md", "tests/**/*.py"):
        paths += sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True))
    out, total = [], 0
    for p in paths:
        data = open(p, "rb").read()
        out.append(data)
        out.append(data.replace(b"\n", b"\r\n"))
        total += 2 * len(data)
        if total > limit_bytes:
            break
    return out


SCRIPTS = [(0x4E00, 0x9FFF), (0x3040, 0x30FF), (0xAC00, 0xD7A3), (0x0600, 0x06FF), (0x0590, 0x05FF), (0x0900, 0x097F),
           (0x0E00, 0x0E7F), (0x0400, 0x04FF), (0x0370, 0x03FF), (0x1F300, 0x1FAFF), (0x0300, 0x036F), (0x1D400, 0x1D7FF)]
EMOJI = ["👍", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇺🇸", "❤️", "😀", "🧑🏿‍💻", "👁️‍🗨️", "#️⃣"]
PUNCT = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + ["...", "—", "«", "»", "“", "”", "¿", "·", "→"]
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\n\n", " \n", "\u00a0", "\u3000", "\u2009", "\r", "\x0b", "\x0c", "\u0085"]


def random_scalar(rng):
    while True:
        cp = rng.randrange(0x110000) if rng.random() < 0.3 else rng.randrange(0x30000)
        if not 0xD800 <= cp <= 0xDFFF:
            return chr(cp)


def generated_cases(rng, count):
    cases = []
    for i in range(count):
        kind = i % 9
        parts = []
        if kind == 0:  # prose
            for _ in range(rng.randrange(5, 80)):
                w = rng.choice(WORDS)
                w = w.capitalize() if rng.random() < 0.1 else (w.upper() if rng.random() < 0.03 else w)
                parts.append(w + (rng.choice(["'s", "'t", "'ll", "'RE", "n't"]) if rng.random() < 0.05 else ""))
                parts.append(rng.choice([" ", " ", " ", ", ", ". ", "\n", "  ", "; ", "! "]))
        elif kind == 1:  # code-like
            for _ in range(rng.randrange(3, 30)):
                indent = rng.choice(["", "    ", "\t", "        "])
                keyword = rng.choice(["let", "var", "def", "return", "if"])
                value = rng.choice(["foo(x)", "[1, 2, 3]", '"str"', "a->b", "x//2", "0xFF", "{}", "None"])
                end = rng.choice(["\n", "\r\n", ";\n", " // note\n"])
                parts.append(f"{indent}{keyword} {rng.choice(WORDS)}_{rng.randrange(999)} = {value}{end}")
        elif kind == 2:  # JSON / YAML
            obj = {rng.choice(WORDS): rng.choice([rng.randrange(10**6), rng.random(), rng.choice(WORDS), None, [1, "x"]]) for _ in range(rng.randrange(1, 12))}
            parts.append(json.dumps(obj, indent=rng.choice([None, 2, 4]), ensure_ascii=rng.random() < 0.5))
            parts.append("\n" + "\n".join(f"{k}: {v}" for k, v in obj.items()))
        elif kind == 3:  # other scripts
            for _ in range(rng.randrange(1, 20)):
                lo, hi = rng.choice(SCRIPTS)
                parts.append("".join(chr(rng.randrange(lo, hi + 1)) for _ in range(rng.randrange(1, 12))))
                parts.append(rng.choice(SPACES + PUNCT + [""]))
        elif kind == 4:  # emoji and marks mixed with text
            for _ in range(rng.randrange(1, 20)):
                parts.append(rng.choice(EMOJI + WORDS + ["e\u0301", "\u0301", "a\u0308", "\u200d", "\ufe0f"]))
                parts.append(rng.choice(SPACES + [""]))
        elif kind == 5:  # runs
            unit = rng.choice([" ", "\n", "\r\n", "\t", "a", "Z", "7", "!", "/", "é", "日", "'", " a", "ab", "\u3000", "\u0301"])
            parts.append(rng.choice(["", "x", " ", "\n"]) + unit * rng.randrange(1, 400) + rng.choice(["", "x", " ", "\n", "!"]))
        elif kind == 6:  # random scalars
            parts.append("".join(random_scalar(rng) for _ in range(rng.randrange(1, 60))))
        elif kind == 7:  # mixtures of classes, the pre-tokenizer's decision points
            for _ in range(rng.randrange(2, 40)):
                parts.append(rng.choice(SPACES + PUNCT + WORDS + ["1", "22", "333", "4444", "'s", "'S", "ǅ", "ʰ", "\u0301", "ß", "İ", "Σ", "ſ", "'ſ", "١٢"]))
        else:  # random bytes, mostly valid
            raw = bytearray("".join(random_scalar(rng) for _ in range(rng.randrange(1, 30))).encode())
            for _ in range(rng.randrange(1, 4)):
                raw.insert(rng.randrange(len(raw) + 1), rng.randrange(256))
            cases.append(bytes(raw))
            continue
        cases.append("".join(parts).encode())
    return cases


def all_scalars_cases():
    """Every Unicode scalar next to letters, digits, spaces, apostrophes and itself."""
    cases, buf = [], []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        buf.append(f"x{c}y {c}1 A{c}{c}b '{c}s\n{c} a{c}")
        if len(buf) == 512:
            cases.append("".join(buf).encode())
            buf = []
    cases.append("".join(buf).encode())
    return cases


def long_piece_cases(rng):
    cases = []
    for n in (99, 100, 101, 499, 500, 501, 1000, 4096, 65536):
        cases.append(("a" * n).encode())
        cases.append(("ab" * (n // 2)).encode())
        cases.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n)).encode())
        cases.append(("!" * n).encode())
        cases.append((" " * n).encode())
        cases.append(("\n" * n).encode())
        cases.append(("7" * n).encode())
        cases.append(base64.b64encode(rng.randbytes(n)))
    return cases


def run_promptkit(encoding, cases, workdir):
    path = os.path.join(workdir, f"cases-{encoding}.jsonl")
    with open(path, "w") as f:
        for c in cases:
            f.write(json.dumps({"b64": base64.b64encode(c).decode()}) + "\n")
    out = subprocess.run([TOOL, "encode", encoding, path], check=True, capture_output=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="the CI subset")
    parser.add_argument("--write-golden", action="store_true", help=f"write tiktoken's ids for the tricky cases to {GOLDEN}")
    parser.add_argument("--seed", type=int, default=20261121)
    args = parser.parse_args()

    if args.write_golden:
        golden = {"tiktoken": tiktoken.__version__, "cases": []}
        for c in tricky_cases():
            text = c.decode("utf-8", "replace")
            golden["cases"].append({"hex": c.hex(), **{e: tiktoken.get_encoding(e).encode_ordinary(text) for e in ENCODINGS}})
        os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
        with open(GOLDEN, "w") as f:
            json.dump(golden, f, indent=0)
        print(f"wrote {len(golden['cases'])} cases to {os.path.relpath(GOLDEN, ROOT)}")
        return 0

    if not os.access(TOOL, os.X_OK):
        subprocess.run(["swift", "build", "-c", "release", "--product", "promptkit-tokenizer-bench"], cwd=ROOT, check=True)

    rng = random.Random(args.seed)
    cases = tricky_cases() + repository_texts(400_000 if args.quick else 20_000_000)
    cases += generated_cases(rng, 3_000 if args.quick else 60_000)
    if not args.quick:
        cases += all_scalars_cases() + long_piece_cases(rng)
    total_bytes = sum(map(len, cases))
    print(f"tiktoken {tiktoken.__version__}: {len(cases)} cases, {total_bytes / 1e6:.1f} MB")

    import tempfile
    failures = 0
    with tempfile.TemporaryDirectory() as workdir:
        for name in ENCODINGS:
            enc = tiktoken.get_encoding(name)
            ours = run_promptkit(name, cases, workdir)
            mismatches, skipped = 0, 0
            for case, got in zip(cases, ours):
                text = case.decode("utf-8", "replace")
                try:
                    expected = enc.encode_ordinary(text)
                except BaseException as e:  # tiktoken's own limits (pyo3 panics are BaseExceptions)
                    if isinstance(e, KeyboardInterrupt):
                        raise
                    skipped += 1
                    print(f"  {name}: tiktoken failed ({type(e).__name__}) on a {len(case)}-byte case; skipped")
                    continue
                if got != expected:
                    mismatches += 1
                    if mismatches <= 5:
                        print(f"  MISMATCH {name}: {text[:200]!r}")
                        print(f"    tiktoken: {[enc.decode_single_token_bytes(t) for t in expected][:40]}")
                        print(f"    promptkit: {[enc.decode_single_token_bytes(t) if t < enc.n_vocab else t for t in got][:40]}")
            print(f"{name}: {len(cases) - mismatches - skipped} identical, {mismatches} different, {skipped} skipped")
            failures += mismatches
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
