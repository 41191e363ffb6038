#!/usr/bin/env bash
# promptkit test's own cost per test (recorded answers, no network): N generated tests, each with
# is-json, json-schema, contains, rouge-l, bleu and no-prompt-leak, timed against `promptkit lint`
# on the same files in the same run (the reference; the machine is shared and noisy).
# Usage: Benchmarks/test-runner-bench.sh [N=2000] [BIN=.build/release/promptkit]
set -euo pipefail
n="${1:-2000}"
bin="$(cd "$(dirname "${2:-.build/release/promptkit}")" && pwd)/$(basename "${2:-.build/release/promptkit}")"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" "$n" <<'PY'
import json, sys
root, n = sys.argv[1], int(sys.argv[2])
files = 20
per = n // files
for f in range(files):
    lines = [f"name: bench/p{f}", "version: 1.0.0", "model: gpt-4o-mini", "variables:", "  q:", "    type: string",
             "messages:", "  - role: system", "    content: You answer questions about Acme Cloud in JSON with an answer and a confidence.",
             "  - role: user", "    content: \"{{q}}\"", "tests:"]
    rec = {}
    for t in range(per):
        name = f"t{t}"
        lines += [f"  - name: {name}", f"    vars: {{q: question {t} about rotating keys}}", "    assert:", "      - is-json",
                  "      - type: json-schema", "        value: {type: object, required: [answer, confidence], properties: {confidence: {type: number, maximum: 1}}}",
                  "      - contains: keys", "      - type: rouge-l", "        value: Create a second key, deploy it, then revoke the first.", "        threshold: 0.2",
                  "      - type: bleu", "        value: Create a second key, deploy it, then revoke the first.", "        threshold: 0", "      - no-prompt-leak"]
        rec[name] = {"model": "gpt-4o-mini", "output": json.dumps({"answer": f"To rotate keys ({t}), create a second key, deploy it everywhere, then revoke the first one.", "confidence": 0.8})}
    open(f"{root}/p{f}.prompt.yaml", "w").write("\n".join(lines) + "\n")
    open(f"{root}/p{f}.recorded.json", "w").write(json.dumps({"recordings": rec}))
PY
cd "$dir"
best() { local b=999999; for _ in 1 2 3 4 5; do local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); b=$(( (e - s) / 1000000 < b ? (e - s) / 1000000 : b )); done; echo "$b"; }
lint_ms=0; test_ms=0
for _ in 1 2 3; do  # interleaved rounds, best of each
  l=$(best "$bin" lint .); t=$(best "$bin" test --no-cache --parallel 8)
  lint_ms=$(( lint_ms == 0 || l < lint_ms ? l : lint_ms )); test_ms=$(( test_ms == 0 || t < test_ms ? t : test_ms ))
done
total=$(( n / 20 * 20 ))
echo "$total recorded tests (6 assertions each) in 20 files: promptkit test ${test_ms} ms ($(python3 -c "print(f'{$test_ms*1000/$total:.0f}')") µs per test); promptkit lint on the same files ${lint_ms} ms (ratio $(python3 -c "print(f'{$test_ms/$lint_ms:.2f}')"))"
