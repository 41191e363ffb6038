#!/usr/bin/env bash
# Times `promptkit lint` (and `render` where it matters) on the hostile inputs issue 2 lists.
# Usage: Benchmarks/bad-input.sh [path/to/promptkit]   (default: .build/release/promptkit)
set -euo pipefail
bin="$(cd "$(dirname "${1:-.build/release/promptkit}")" && pwd)/$(basename "${1:-.build/release/promptkit}")"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cd "$dir"
touch promptkit.yaml
python3 - <<'PY'
import os
def w(name, text): open(name, 'wb').write(text if isinstance(text, bytes) else text.encode())
w('binary.prompt.yaml', bytes([0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0x0D]) + os.urandom(100_000))
w('latin1.prompt.yaml', b'name: t/latin1\nversion: 1.0.0\ntemplate: "caf\xe9"\n')
w('nul.prompt.yaml', b'name: t/nul\nversion: 1.0.0\ntemplate: "a\x00b"\n')
line = "  Explain {{topic}} in plain words, with examples and counter-examples, step by step.\n"
w('big.prompt.yaml', "name: t/big\nversion: 1.0.0\nvariables:\n  topic: string\ntemplate: |\n"
  + line * (10_000_000 // len(line) + 1) + "samples:\n  one:\n    topic: caching\n")
bomb = "name: t/bomb\nversion: 1.0.0\nvariables:\n  v: string\ntemplate: \"{{v}}\"\nsamples:\n  bomb:\n    v: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
for i in range(1, 10):
    bomb += f"    x{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 9) + "]\n"
w('bomb.prompt.yaml', bomb + "    v2: *a9\n")
w('deep.prompt.yaml', "name: t/deep\nversion: 1.0.0\ntemplate: hi\nmetadata:\n  deep: " + "[" * 10_000 + "]" * 10_000 + "\n")
w('sections.prompt.yaml', "name: t/sections\nversion: 1.0.0\nvariables:\n  s: boolean\ntemplate: \""
  + "{{#s}}" * 100_000 + "\"\nsamples:\n  x:\n    s: true\n")
PY
printf '%-34s %6s %9s  %s\n' "input" "exit" "seconds" "findings"
run() {
  local label="$1"; shift
  local start end status
  start=$(date +%s%N)
  set +e; "$bin" "$@" > out.txt 2> err.txt; status=$?; set -e
  end=$(date +%s%N)
  printf '%-34s %6s %9.3f  %s\n' "$label" "$status" "$(awk "BEGIN { print ($end - $start) / 1e9 }")" \
    "$(grep -oE '\[PK[0-9]+\]' out.txt | sort | uniq -c | tr -s ' ' | tr '\n' ' ')$(head -c 120 err.txt)"
}
# Each input gets its own workspace, so a run parses that file alone (lint reads the whole workspace).
for f in binary latin1 nul big bomb deep sections; do
  mkdir -p "ws-$f" && mv "$f.prompt.yaml" "ws-$f/" && touch "ws-$f/promptkit.yaml"
done
for f in binary latin1 nul big bomb deep sections; do
  (cd "ws-$f" && run "lint $f ($(wc -c < $f.prompt.yaml) bytes)" lint "$f.prompt.yaml")
done
(cd ws-bomb && run "render bomb" render bomb.prompt.yaml)
(cd ws-sections && run "render sections" render sections.prompt.yaml)
