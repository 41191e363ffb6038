"""`promptkit init` scaffolds a project that passes lint, test and fmt --check as written, whose
files satisfy the JSON Schemas, and never overwrites a file without --force."""
import json
import os
import pathlib
import subprocess

import jsonschema
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("PROMPTKIT_BIN", str(ROOT / ".build" / "debug" / "promptkit"))


def run(*args, cwd):
    return subprocess.run([BIN, *args], cwd=cwd, capture_output=True, text=True)


def test_init_scaffolds_a_working_project(tmp_path):
    done = run("init", "project", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    project = tmp_path / "project"
    files = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert files == sorted(["promptkit.yaml", "prompts/welcome.prompt.yaml", "prompts/welcome.recorded.json"])
    for args in (["lint"], ["test"], ["fmt", "--check"]):
        result = run(*args, cwd=project)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        assert "warning" not in result.stderr, result.stderr
    assert "1 passed" in run("test", cwd=project).stdout
    rendered = run("render", "prompts/welcome.prompt.yaml", "--sample", "ada", cwd=project)
    assert rendered.returncode == 0 and "Ada Lovelace" in rendered.stdout

    config_schema = json.loads((ROOT / "Schemas/promptkit.schema.json").read_text())
    prompt_schema = json.loads((ROOT / "Schemas/prompt.schema.json").read_text())
    config = yaml.safe_load((project / "promptkit.yaml").read_text())
    assert list(jsonschema.Draft202012Validator(config_schema).iter_errors(config)) == []
    prompt = yaml.safe_load((project / "prompts/welcome.prompt.yaml").read_text())
    assert list(jsonschema.Draft202012Validator(prompt_schema).iter_errors(prompt)) == []


def test_init_keeps_existing_files_unless_forced(tmp_path):
    (tmp_path / "promptkit.yaml").write_text("include: [\"mine/**\"]\n")
    done = run("init", cwd=tmp_path)
    assert done.returncode == 0
    assert "kept    promptkit.yaml" in done.stdout and "created prompts/welcome.prompt.yaml" in done.stdout
    assert (tmp_path / "promptkit.yaml").read_text() == "include: [\"mine/**\"]\n"
    forced = run("init", "--force", cwd=tmp_path)
    assert forced.returncode == 0 and "created promptkit.yaml" in forced.stdout
    assert "prompts/**/*.prompt.yaml" in (tmp_path / "promptkit.yaml").read_text()


def test_init_reports_an_unwritable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    done = run("init", "file/project", cwd=tmp_path)
    assert done.returncode == 2
    assert "cannot be written" in done.stderr
