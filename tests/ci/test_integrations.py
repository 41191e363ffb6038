"""The GitHub Action, the pre-commit hooks and the example workflow, checked as far as a machine
without GitHub can: against the schemas GitHub's own files are validated with (SchemaStore's, as
vendored by check-jsonschema), with pre-commit's manifest validator, and by running them for real:
the action's shell steps in the order and with the environment a runner gives them, and the hooks
through `pre-commit run` in a scratch git repository."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("PROMPTKIT_BIN", str(ROOT / ".build" / "debug" / "promptkit")))
VENV_BIN = pathlib.Path(sys.executable).parent

BROKEN = "name: demo/broken\nversion: 1.0.0\ntemplate: \"Dear {{cusomer}},\"\nvariables:\n  customer: string\n"
MESSY = "version: 1.0.0\nname: demo/messy\ntemplate: \"Hello\\nworld\\n\"\n"


def check_jsonschema(builtin, path):
    done = subprocess.run([str(VENV_BIN / "check-jsonschema"), "--builtin-schema", builtin, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_action_satisfies_the_github_actions_schema():
    check_jsonschema("vendor.github-actions", ROOT / "action.yml")


def test_example_workflow_satisfies_the_github_workflows_schema():
    check_jsonschema("vendor.github-workflows", ROOT / "docs/examples/github-workflow.yml")


def test_example_workflow_uploads_what_the_action_writes():
    workflow = yaml.safe_load((ROOT / "docs/examples/github-workflow.yml").read_text())
    steps = workflow["jobs"]["promptkit"]["steps"]
    ours = next(s for s in steps if s.get("uses", "").startswith("promptkit/"))
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] == ours["with"]["sarif-file"]
    assert workflow["permissions"]["security-events"] == "write"
    action_inputs = yaml.safe_load((ROOT / "action.yml").read_text())["inputs"]
    assert set(ours["with"]) <= set(action_inputs)


# --- the action's steps, run ------------------------------------------------------------------------

def action_steps():
    return yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]


def run_step(step, inputs, workspace, github_env):
    """One composite `run` step as a runner runs it: `${{ inputs.* }}` and `${{ github.action_path }}`
    substituted in env and working-directory, bash with `-e -o pipefail`, GITHUB_OUTPUT/PATH files."""
    def expand(text):
        text = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m.group(1)], text)
        return text.replace("${{ github.action_path }}", str(ROOT))
    assert "${{" not in step["run"], "inputs reach scripts through env, never by text substitution (script injection)"
    env = {**os.environ, **github_env, **{k: expand(v) for k, v in step.get("env", {}).items()}}
    cwd = workspace / expand(step.get("working-directory", "."))
    return subprocess.run(["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step["run"]], cwd=cwd, env=env,
                          capture_output=True, text=True)


@pytest.fixture()
def project(tmp_path):
    subprocess.run([str(BIN), "init", "project"], cwd=tmp_path, check=True, capture_output=True)
    return tmp_path / "project"


def runner_env(tmp_path):
    (tmp_path / "gh").mkdir(exist_ok=True)
    output = tmp_path / "gh" / "output"
    output.write_text("")
    # The build step puts .build/release on PATH; here the tested build stands in for it.
    return {"GITHUB_OUTPUT": str(output), "GITHUB_PATH": str(tmp_path / "gh" / "path"),
            "PATH": f"{BIN.parent}:{os.environ['PATH']}"}, output


def test_action_steps_lint_with_annotations_and_sarif(project, tmp_path):
    (project / "prompts" / "broken.prompt.yaml").write_text(BROKEN)
    inputs = {k: v.get("default", "") for k, v in yaml.safe_load((ROOT / "action.yml").read_text())["inputs"].items()}
    inputs.update({"paths": "prompts", "sarif-file": "promptkit.sarif", "working-directory": "."})
    env, output = runner_env(tmp_path)
    steps = action_steps()
    build = next(s for s in steps if s.get("name") == "Build promptkit")
    assert "swift build -c release" in build["run"] and "GITHUB_PATH" in build["run"]
    lint = next(s for s in steps if s.get("id") == "lint")
    done = run_step(lint, inputs, project, env)
    assert done.returncode == 1, done.stderr
    assert re.search(r"^::error file=prompts/broken\.prompt\.yaml,line=3,col=\d+,endLine=3,endColumn=\d+,title=PK301 ", done.stdout, re.M), done.stdout
    sarif = json.loads((project / "promptkit.sarif").read_text())
    assert sarif["runs"][0]["results"], "findings reach the SARIF file even though lint failed"
    assert "sarif-file=promptkit.sarif" in output.read_text()

    (project / "prompts" / "broken.prompt.yaml").unlink()
    assert run_step(lint, inputs, project, env).returncode == 0


def test_action_steps_fmt_check_and_test(project, tmp_path):
    inputs = {"paths": ".", "working-directory": ".", "test-args": ""}
    env, _ = runner_env(tmp_path)
    steps = action_steps()
    fmt = next(s for s in steps if s.get("name") == "promptkit fmt --check")
    test = next(s for s in steps if s.get("name") == "promptkit test")
    assert run_step(fmt, inputs, project, env).returncode == 0
    done = run_step(test, inputs, project, env)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr
    (project / "prompts" / "messy.prompt.yaml").write_text(MESSY)
    done = run_step(fmt, inputs, project, env)
    assert done.returncode == 1 and "would reformat prompts/messy.prompt.yaml" in done.stdout
    done = run_step(test, {**inputs, "test-args": "--min-pass-rate 1 --no-color"}, project, env)
    assert done.returncode == 0, done.stderr


# --- pre-commit ------------------------------------------------------------------------------------

def test_hooks_manifest_is_valid():
    done = subprocess.run([str(VENV_BIN / "pre-commit"), "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hooks_run_through_pre_commit(project, tmp_path):
    """The manifest's hooks, as pre-commit runs them: its file filters, filename passing and
    serial runs. Only the language changes (`system`, with the tested build as entry) so the
    test does not rebuild promptkit in release mode, which `language: swift` would."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    for hook in hooks:
        hook["language"] = "system"
        hook["entry"] = hook["entry"].replace("promptkit", str(BIN), 1)
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}))
    (project / "prompts" / "broken.prompt.yaml").write_text(BROKEN)
    (project / "prompts" / "messy.prompt.yaml").write_text(MESSY)
    (project / "README.md").write_text("not a prompt\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}
    subprocess.run(["git", "init", "-q"], cwd=project, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=project, check=True, env=env)
    done = subprocess.run([str(VENV_BIN / "pre-commit"), "run", "--all-files"], cwd=project, capture_output=True, text=True, env=env)
    report = done.stdout + done.stderr
    assert done.returncode == 1, report
    assert re.search(r"promptkit lint\.+Failed", report) and "PK301" in report, report
    assert re.search(r"promptkit fmt\.+Failed", report) and "files were modified by this hook" in report, report
    assert re.search(r"promptkit test\.+Passed", report), report
    assert (project / "prompts" / "messy.prompt.yaml").read_text().startswith("name: demo/messy\nversion: 1.0.0\n")
    assert (project / "README.md").read_text() == "not a prompt\n"
