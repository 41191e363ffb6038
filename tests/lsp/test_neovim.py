"""Headless Neovim (Debian's `neovim` package) with the configuration shipped in editors/nvim:
the diagnostics it shows after opening a fixture and after an edit are what `promptkit lint`
reports for the same text."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import BIN, REPO, cli

NVIM = shutil.which("nvim")


@pytest.mark.skipif(NVIM is None and os.environ.get("PROMPTKIT_REQUIRE_NVIM") != "1",
                    reason="nvim is not installed (scripts/test.sh installs it and sets PROMPTKIT_REQUIRE_NVIM=1)")
def test_neovim_shows_the_lint_diagnostics_and_follows_edits(workspace, tmp_path):
    target = workspace / "broken" / "typos.prompt.yaml"
    original = target.read_text()
    out = tmp_path / "nvim.json"
    env = dict(os.environ, PROMPTKIT_REPO=str(REPO), PROMPTKIT_BIN=BIN, PROMPTKIT_FILE=str(target),
               PROMPTKIT_NVIM_OUT=str(out), PROMPTKIT_EDIT_LINE="3", HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path))
    run = subprocess.run([NVIM, "--headless", "--clean", "-u", str(REPO / "tests" / "lsp" / "nvim_check.lua")],
                         env=env, cwd=workspace, capture_output=True, text=True, timeout=60)
    assert out.exists(), run.stderr
    result = json.loads(out.read_text())
    assert result["attached"] and result["opened_ok"] and result["edited_ok"], result

    def expected(path):
        report = cli("lint", "--format", "json", str(path), cwd=workspace)
        return sorted((d["start"]["line"] - 1, d["code"], d["message"]) for d in report["diagnostics"])

    def shown(items):
        return sorted((d["lnum"], d["code"], d["message"].split("\nhelp: ")[0]) for d in items)

    assert len(result["after_open"]) >= 4
    assert shown(result["after_open"]) == expected(target)
    # The edit removed line 4 (`descripton: …`, the misspelt key): lint the same text from disk.
    lines = original.splitlines(keepends=True)
    target.write_text("".join(lines[:3] + lines[4:]))
    assert shown(result["after_edit"]) == expected(target)
    assert "PK101" not in {d["code"] for d in result["after_edit"]}
