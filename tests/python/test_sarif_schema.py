"""`promptkit lint --format sarif` validates against the official OASIS SARIF 2.1.0 JSON schema.

The schema is not on PyPI as a package of its own; the sdist of sarif-pydantic 0.6.2 ships an exact
copy of `sarif-schema-2.1.0.json` from oasis-tcs/sarif-spec. It is fetched from the package registry
(the only network CI may use), pinned by SHA-256 so a changed copy cannot pass silently, and kept in
`.build/sarif-schema/` between runs. It is not committed: it is OASIS's file, not ours.
"""
import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tarfile
import tempfile

import jsonschema
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("PROMPTKIT_BIN", str(ROOT / ".build" / "debug" / "promptkit"))
SDIST = "sarif-pydantic==0.6.2"
MEMBER = "sarif_pydantic-0.6.2/sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "6352a05f9d03f181b8d9c71a46bdacc4fcff9d8ade5364858b425ba0c0994ed7"
OFFICIAL_ID = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def sarif_schema():
    cached = ROOT / ".build" / "sarif-schema" / "sarif-schema-2.1.0.json"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.check_call([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
                                   "--no-deps", "--no-binary", ":all:", "-d", tmp, SDIST])
            [archive] = pathlib.Path(tmp).glob("*.tar.gz")
            with tarfile.open(archive) as tar:
                data = tar.extractfile(MEMBER).read()
            cached.write_bytes(data)
    data = cached.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SCHEMA_SHA256, "the fetched SARIF schema is not the pinned copy"
    schema = json.loads(data)
    assert schema["$id"] == OFFICIAL_ID
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def lint_sarif(*paths):
    done = subprocess.run([BIN, "lint", "--format", "sarif", *paths], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("paths", [["fixtures/prompts"], ["fixtures/broken"], ["fixtures"]], ids=" ".join)
def test_lint_sarif_satisfies_official_schema(sarif_schema, paths):
    log = lint_sarif(*paths)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in sarif_schema.iter_errors(log)]
    assert errors == []
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "promptkit"
    assert run["tool"]["driver"]["rules"], "rules carry their help text"
    if paths != ["fixtures/prompts"]:
        assert run["results"], "the broken fixtures have findings"
        for result in run["results"]:
            assert result["partialFingerprints"]["promptkit/v1"]
            region = result["locations"][0]["physicalLocation"]["region"]
            assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_clean_run_is_still_a_valid_log(sarif_schema, tmp_path):
    clean = tmp_path / "clean.prompt.yaml"
    clean.write_text("name: demo/clean\nversion: 1.0.0\ntemplate: Say hello.\n")
    done = subprocess.run([BIN, "lint", "--format", "sarif", str(clean)], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    log = json.loads(done.stdout)
    assert list(sarif_schema.iter_errors(log)) == []
    assert log["runs"][0]["results"] == []
