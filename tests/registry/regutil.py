"""Registry tests drive the built CLI (`PROMPTKIT_BIN`, default .build/debug/promptkit) against
real SQLite files in temporary folders, the way deploy scripts and CI use it."""
import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("PROMPTKIT_BIN", str(REPO / ".build" / "debug" / "promptkit"))


def run(*args, db=None, cwd=None, check=None, user_cmd=()):
    """Runs `promptkit registry ARGS`; returns the CompletedProcess (text)."""
    cmd = list(user_cmd) + [BIN, "registry", *args]
    if db is not None:
        cmd += ["--db", str(db)]
        cwd = cwd or next(p for p in Path(db).parents if p.exists())
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=120,
                       env={**os.environ, "NO_COLOR": "1", "GIT_CONFIG_GLOBAL": "/dev/null"})
    if check is not None:
        assert p.returncode == check, f"{cmd}: exit {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    return p


def run_json(*args, db=None):
    p = run(*args, "--format", "json", db=db, check=0)
    return json.loads(p.stdout)


def prompt(name: str, version: str, body: str = "Summarize the ticket.") -> str:
    return f"name: {name}\nversion: {version}\nmodel: gpt-4o\ntemplate: {body}\n"


@pytest.fixture
def make_file(tmp_path):
    def make(name, version, body="Summarize the ticket.", folder=None):
        # One folder per file: two versions of a name in one workspace are duplicate names (PK109).
        d = tmp_path / (folder or f"{name.replace('/', '-')}-{version}")
        d.mkdir(parents=True, exist_ok=True)
        (d / "promptkit.yaml").write_text("# a workspace of its own\n")
        p = d / (name.replace("/", "-") + "-" + version + ".prompt.yaml")
        p.write_text(prompt(name, version, body))
        return p
    return make
