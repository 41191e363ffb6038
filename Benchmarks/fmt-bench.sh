#!/usr/bin/env bash
# promptkit fmt's cost: N copies of the fixture prompts (with their comments, block scalars, flow
# lists and sidecar), shuffled into non-canonical key order so every file is rewritten, timed
# against `promptkit lint` on the same files in the same run (the reference; the machine is
# shared and noisy). `fmt --check` formats and verifies (re-parses) every file but writes nothing.
# Usage: Benchmarks/fmt-bench.sh [N=2000] [BIN=.build/release/promptkit]
set -euo pipefail
n="${1:-2000}"
bin="$(cd "$(dirname "${2:-.build/release/promptkit}")" && pwd)/$(basename "${2:-.build/release/promptkit}")"
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
python3 - "$repo" "$dir" "$n" <<'PY'
import pathlib, re, sys
repo, root, n = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
sources = sorted((repo / "fixtures/prompts").rglob("*.prompt.yaml"))
for i in range(n):
    src = sources[i % len(sources)]
    text = src.read_text()
    # Move `version:` to the end: fmt has a file to rewrite.
    version = re.search(r"^version: .*\n", text, re.M).group(0)
    text = text.replace(version, "", 1) + version
    text = re.sub(r"^name: (.*)$", lambda m: f"name: {m.group(1)}-{i}", text, count=1, flags=re.M)
    (root / f"p{i}.prompt.yaml").write_text(text)
PY
cd "$dir"
best() { local b=999999; for _ in 1 2 3 4 5; do local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); b=$(( (e - s) / 1000000 < b ? (e - s) / 1000000 : b )); done; echo "$b"; }
changed=$("$bin" fmt --check . 2>&1 | grep -c "would reformat" || true)
lint_ms=0; fmt_ms=0
for _ in 1 2 3; do  # interleaved rounds, best of each
  l=$(best "$bin" lint .); f=$(best "$bin" fmt --check .)
  lint_ms=$(( lint_ms == 0 || l < lint_ms ? l : lint_ms )); fmt_ms=$(( fmt_ms == 0 || f < fmt_ms ? f : fmt_ms ))
done
bytes=$(cat ./*.prompt.yaml | wc -c)
echo "$n files ($((bytes / 1024)) KiB, $changed would change): promptkit fmt --check ${fmt_ms} ms ($(python3 -c "print(f'{$fmt_ms*1000/$n:.0f}')") µs per file); promptkit lint on the same files ${lint_ms} ms (ratio $(python3 -c "print(f'{$fmt_ms/max($lint_ms,1):.2f}')"))"
