#!/usr/bin/env python3
"""Tokenizer benchmarks, promptkit side by side with tiktoken 0.14 in the same run (single thread).

    swift build -c release --product promptkit-tokenizer-bench
    .venv/bin/python scripts/tokenizer/bench.py [--mb 8]

Corpus: the repository's own text (Swift/Python sources, docs, fixtures, schemas) plus seeded
generated prose, code, JSON and multilingual text from parity.py, cut to --mb megabytes. Reports:
  * counting throughput, MB/s, best of 5, and the ratio to tiktoken's encode_ordinary;
  * pathological 1 MB inputs (one repeated letter, spaces, newlines, random letters with no
    whitespace, base64): time to count;
  * load time and resident memory per encoding; incremental counting per keystroke on 1 MB.
docs/benchmarks.md records the results.
"""
import argparse, json, os, random, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tiktoken_env import ENCODINGS  # noqa: E402
import parity  # noqa: E402  (seeds tiktoken's cache before importing it)

import tiktoken  # noqa: E402

TOOL = parity.TOOL


def corpus(megabytes):
    rng = random.Random(7)
    parts = [t.decode("utf-8", "replace") for t in parity.repository_texts(megabytes * 400_000)]
    parts += [c.decode("utf-8", "replace") for c in parity.generated_cases(rng, 20_000)]
    rng.shuffle(parts)
    text, size = [], 0
    for p in parts:
        text.append(p)
        size += len(p.encode())
        if size >= megabytes * 1_000_000:
            break
    return "\n".join(text)


def tiktoken_seconds(enc, text, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        enc.encode_ordinary(text)
        best = min(best, time.perf_counter() - t0)
    return best


def ours(*args):
    return json.loads(subprocess.run([TOOL, *args], check=True, capture_output=True, text=True).stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=8)
    args = parser.parse_args()
    text = corpus(args.mb)
    data = text.encode()
    rng = random.Random(3)
    pathological = {
        "1 MB 'a'": "a" * 1_000_000,
        "1 MB spaces": " " * 1_000_000,
        "1 MB spaces then x": " " * 1_000_000 + "x",
        "1 MB newlines": "\n" * 1_000_000,
        "1 MB random letters, no whitespace": "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(1_000_000)),
        "1 MB base64": __import__("base64").b64encode(rng.randbytes(750_000)).decode(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        corpus_path = os.path.join(tmp, "corpus.txt")
        open(corpus_path, "wb").write(data)
        print(f"corpus: {len(data) / 1e6:.2f} MB")
        for name in ENCODINGS:
            enc = tiktoken.get_encoding(name)
            theirs = tiktoken_seconds(enc, text)
            mine = ours("count", name, corpus_path, "5")
            tk_rate = len(data) / 1e6 / theirs
            assert mine["tokens"] == len(enc.encode_ordinary(text)), "token counts differ"
            print(f"{name}: tiktoken {tk_rate:.1f} MB/s, promptkit {mine['mb_per_s']:.1f} MB/s, ratio {mine['mb_per_s'] / tk_rate:.2f}x")
        for label, t in pathological.items():
            path = os.path.join(tmp, "p.txt")
            open(path, "w").write(t)
            row = []
            for name in ENCODINGS:
                mine = ours("count", name, path, "3")
                try:
                    enc = tiktoken.get_encoding(name)
                    t0 = time.perf_counter()
                    enc.encode_ordinary(t)
                    tk = f"{(time.perf_counter() - t0) * 1000:.0f} ms"
                except BaseException as e:  # pyo3 panics are BaseExceptions
                    if isinstance(e, KeyboardInterrupt):
                        raise
                    tk = f"fails ({type(e).__name__})"
                row.append(f"{name} {mine['seconds'] * 1000:.1f} ms (tiktoken {tk})")
            print(f"{label}: " + "; ".join(row))
        print("load:", json.dumps(ours("load")))
        one_mb = os.path.join(tmp, "1mb.txt")
        open(one_mb, "wb").write(data[:1_000_000].decode("utf-8", "ignore").encode())
        for name in ENCODINGS:
            print(f"incremental {name}:", json.dumps(ours("incremental", name, one_mb, "2000")))


if __name__ == "__main__":
    main()
