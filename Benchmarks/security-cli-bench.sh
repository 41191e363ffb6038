#!/usr/bin/env bash
# What the security rules add to `promptkit lint fixtures/prompts` as users run it: one process
# per run, start-up and the phrase lexicon's build included. Two copies of the fixture prompts,
# one with a promptkit.yaml that ignores the security category, linted in turns (the machine is
# shared and noisy: neighbours' load falls on both sides alike); medians of N runs each.
# Usage: Benchmarks/security-cli-bench.sh [N=40] [BIN=.build/release/promptkit]
set -euo pipefail
n="${1:-40}"
bin="$(cd "$(dirname "${2:-.build/release/promptkit}")" && pwd)/$(basename "${2:-.build/release/promptkit}")"
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/with" "$dir/without"
cp -r "$repo/fixtures/prompts" "$dir/with/"
cp -r "$repo/fixtures/prompts" "$dir/without/"
printf 'rules:\n  ignore: []\n' > "$dir/with/promptkit.yaml"
printf 'rules:\n  ignore: [security]\n' > "$dir/without/promptkit.yaml"
python3 - "$bin" "$n" "$dir" <<'PY'
import statistics, subprocess, sys, time
bin, n, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs = {"with": [], "without": []}
for _ in range(n):
    for side in ("without", "with"):
        start = time.perf_counter()
        subprocess.run([bin, "lint", f"{root}/{side}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        runs[side].append(time.perf_counter() - start)
without, with_ = (statistics.median(runs[s]) * 1e3 for s in ("without", "with"))
print(f"promptkit lint fixtures/prompts, median of {n} processes: without security rules {without:.1f} ms, "
      f"with them {with_:.1f} ms (security adds {(with_ / without - 1) * 100:.1f}%)")
PY
