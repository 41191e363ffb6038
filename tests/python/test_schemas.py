"""The JSON Schemas are valid draft 2020-12 schemas, and every well-formed fixture satisfies them."""
import glob
import json
import pathlib

import jsonschema
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMAS = ["prompt.schema.json", "promptkit.schema.json", "tests.schema.json"]
GOOD_FIXTURES = sorted(glob.glob(str(ROOT / "fixtures/prompts/**/*.prompt.yaml"), recursive=True))


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_valid_against_metaschema(name):
    schema = json.loads((ROOT / "Schemas" / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)


def test_there_are_fixtures():
    assert len(GOOD_FIXTURES) >= 6


@pytest.mark.parametrize("path", GOOD_FIXTURES, ids=lambda p: pathlib.Path(p).name)
def test_fixture_satisfies_prompt_schema(path):
    schema = json.loads((ROOT / "Schemas/prompt.schema.json").read_text())
    document = yaml.safe_load(pathlib.Path(path).read_text())
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(document)]
    assert errors == []


def test_schema_rejects_what_the_linter_rejects():
    schema = json.loads((ROOT / "Schemas/prompt.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    typos = yaml.safe_load((ROOT / "fixtures/broken/typos.prompt.yaml").read_text())
    assert not validator.is_valid(typos)
    both = {"name": "a/b", "version": "1.0.0", "template": "x", "messages": [{"role": "user", "content": "x"}]}
    assert not validator.is_valid(both)
    bad_role = {"name": "a/b", "version": "1.0.0", "messages": [{"role": "sytem", "content": "x"}]}
    assert not validator.is_valid(bad_role)


def test_tests_sidecars_satisfy_their_schema():
    """Sidecars (NAME.tests.yaml) refer to the prompt schema's test definition."""
    from referencing import Registry, Resource
    prompt = json.loads((ROOT / "Schemas/prompt.schema.json").read_text())
    tests = json.loads((ROOT / "Schemas/tests.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(tests)
    registry = Registry().with_resource(prompt["$id"], Resource.from_contents(prompt))
    validator = jsonschema.Draft202012Validator(tests, registry=registry)
    sidecars = sorted(glob.glob(str(ROOT / "fixtures/prompts/**/*.tests.yaml"), recursive=True))
    assert sidecars
    for path in sidecars:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(pathlib.Path(path).read_text()))]
        assert errors == [], path
    assert not validator.is_valid({"tests": [{"name": "x", "assert": [{"contians": "x"}]}]})
    assert not validator.is_valid({"tests": [{"name": "x", "asert": []}]})


def property_definitions(node, pointer=""):
    """(JSON pointer, subschema) of every property definition, through items, maps, choices and $defs."""
    if not isinstance(node, dict):
        return
    for name, sub in node.get("properties", {}).items():
        here = f"{pointer}/properties/{name}"
        yield here, sub
        yield from property_definitions(sub, here)
    for key in ("items", "additionalProperties", "then", "else"):
        if isinstance(node.get(key), dict):
            yield from property_definitions(node[key], f"{pointer}/{key}")
    for key in ("oneOf", "anyOf", "allOf"):
        for i, sub in enumerate(node.get(key, [])):
            yield from property_definitions(sub, f"{pointer}/{key}/{i}")
    for name, sub in node.get("$defs", {}).items():
        yield from property_definitions(sub, f"{pointer}/$defs/{name}")


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_property_is_described_with_valid_examples(name):
    """Editors show descriptions on hover and examples in completion; an example that its own
    schema rejects would teach users a mistake, so each one is validated where it stands."""
    from referencing import Registry, Resource
    schemas = {n: json.loads((ROOT / "Schemas" / n).read_text()) for n in SCHEMAS}
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas.values())
    schema = schemas[name]
    definitions = list(property_definitions(schema))
    assert len(definitions) >= 2
    for pointer, sub in definitions:
        assert sub.get("description"), f"{name}#{pointer} has no description"
        assert sub.get("examples"), f"{name}#{pointer} has no examples"
        validator = jsonschema.Draft202012Validator({"$ref": schema["$id"] + "#" + pointer}, registry=registry)
        for example in sub["examples"]:
            errors = [e.message for e in validator.iter_errors(example)]
            assert errors == [], f"{name}#{pointer}: example {example!r}: {errors}"
