"""Shared helpers for the language-server end-to-end tests.

The server is the built binary (`PROMPTKIT_BIN`, default .build/debug/promptkit), started as an
editor starts it: `promptkit lsp` on stdio.
"""
import json
import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("PROMPTKIT_BIN", str(REPO / ".build" / "debug" / "promptkit"))
FIXTURES = REPO / "fixtures"


def position_of(text: str, needle: str, delta: int = 0) -> tuple[int, int]:
    """Zero-based (line, UTF-16 column) of `needle` in `text`, moved `delta` characters."""
    index = text.index(needle) + delta
    before = text[:index]
    line = before.count("\n")
    column = index - (before.rfind("\n") + 1)
    return line, len(text[index - column:index].encode("utf-16-le")) // 2


def cli(*args: str, cwd=None) -> dict:
    out = subprocess.run([BIN, *args], capture_output=True, text=True, cwd=cwd)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


@pytest.fixture()
def workspace(tmp_path):
    """A writable copy of fixtures/ (tests edit files and promptkit.yaml)."""
    dest = tmp_path / "ws"
    shutil.copytree(FIXTURES, dest)
    return dest
