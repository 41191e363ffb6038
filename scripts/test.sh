#!/usr/bin/env bash
# Runs the whole test suite: the Swift tests, then the Python-side checks (JSON Schemas against
# their metaschema and the fixtures). Installs what is missing on a fresh Debian/Ubuntu machine.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_cmd=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null; then sudo_cmd="sudo"; fi
# neovim: the language server's end-to-end test drives a headless Neovim with editors/nvim.
# chromium: `promptkit tokens --html` pages are rendered and screenshotted in headless Chromium.
if ! pkg-config --exists yaml-0.1 2>/dev/null || ! pkg-config --exists sqlite3 2>/dev/null || ! pkg-config --exists libcrypto 2>/dev/null || ! command -v nvim >/dev/null || ! command -v chromium >/dev/null; then
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq pkg-config libyaml-dev libsqlite3-dev libssl-dev python3-venv neovim chromium >/dev/null
fi

# The Mustache spec suite lives beside the repository (../shared); tests read it from there.
export MUSTACHE_SPEC_DIR="${MUSTACHE_SPEC_DIR:-$(cd .. && pwd)/shared/conformance/mustache-spec}"

swift build --build-tests
# Per-test "started"/"passed" lines are hidden (over 600 of them); failures and the summary are kept.
swift test --skip-build 2>&1 | tee .build/swift-test.log | awk '/Test run with/ || !/^(◇|✔) (Test|Suite) /' || true
if ! grep -q "Test run with .* passed" .build/swift-test.log; then
  echo "swift test failed" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install -q --disable-pip-version-check -r tests/python/requirements.txt
# tests/lsp drives the built server over stdio: pytest-lsp, raw frames, and headless Neovim.
# tests/registry drives `promptkit registry` on real SQLite files: parallel writers, kill -9, bad files.
# tests/eval drives `promptkit test` against a scripted OpenAI-compatible server on 127.0.0.1 and
# checks BLEU/ROUGE against sacrebleu and rouge-score.
# tests/fmt checks `promptkit fmt` against PyYAML on fixtures, edge cases and 400 random documents.
# tests/ci runs the GitHub Action's steps and the pre-commit hooks (through pre-commit) on scratch projects.
PROMPTKIT_REQUIRE_NVIM=1 .venv/bin/python -m pytest -q tests/python tests/lsp tests/registry tests/eval tests/fmt tests/ci

# Token ids against tiktoken on the CI corpus (the full run: scripts/tokenizer/parity.py).
PROMPTKIT_TOKENIZER_BENCH=.build/debug/promptkit-tokenizer-bench .venv/bin/python scripts/tokenizer/parity.py --quick
