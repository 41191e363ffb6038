"""Features of `promptkit lsp`, driven by pytest-lsp's client, which checks every message the
server sends against the LSP 3.17 type definitions (lsprotocol)."""
import asyncio
import json
import pathlib
import subprocess
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features
from pygls.protocol import default_converter

from conftest import BIN, FIXTURES, cli, position_of

TRIAGE = FIXTURES / "prompts" / "support" / "triage.prompt.yaml"
AGENT = FIXTURES / "prompts" / "agent" / "system.prompt.yaml"


def make_client() -> LanguageClient:
    """pytest-lsp's client, also recording every publishDiagnostics with its version."""
    client = LanguageClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)

    def publish(ls: LanguageClient, params: types.PublishDiagnosticsParams):
        ls.diagnostics[params.uri] = params.diagnostics
        ls.published.append((params.uri, params.version, params.diagnostics))

    def register_capability(ls: LanguageClient, params: types.RegistrationParams):
        ls.registrations.extend(params.registrations)

    def refresh(ls: LanguageClient, params: None):
        ls.refreshes += 1

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.WORKSPACE_INLAY_HINT_REFRESH] = refresh
    features[types.WORKSPACE_CODE_LENS_REFRESH] = refresh
    features[types.CLIENT_REGISTER_CAPABILITY] = register_capability
    register_lsp_features(client, features)
    client.published = []
    client.registrations = []
    client.refreshes = 0
    return client


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BIN, "lsp"], client_factory=make_client))
async def client(lsp_client: LanguageClient):
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=FIXTURES.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=FIXTURES.as_uri(), name="fixtures")],
        initialization_options={"diagnosticsDelay": 0},
    )
    result = await lsp_client.initialize_session(params)
    assert result.server_info.name == "promptkit"
    yield
    await lsp_client.shutdown_session()


def open_doc(client: LanguageClient, path: pathlib.Path, text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1,
                                             text=text if text is not None else path.read_text())))
    return uri


async def diagnostics_for(client: LanguageClient, uri: str, version: int | None = None, after: int = 0, where=None):
    """The first diagnostics for `uri` published after the `after`-th publication (for `version`
    and satisfying `where`, when given), waiting for them up to 10 s."""
    async def arrived():
        while True:
            for u, v, ds in client.published[after:]:
                if u == uri and (version is None or v == version) and (where is None or where(ds)):
                    return ds
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return await asyncio.wait_for(arrived(), 10)


def change(client, uri, version, start, end, text):
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(*start), end=types.Position(*end)), text=text)]))


@pytest.mark.asyncio
async def test_diagnostics_are_exactly_what_lint_reports(client: LanguageClient):
    for path in sorted((FIXTURES / "broken").glob("*.prompt.yaml")) + [TRIAGE]:
        uri = open_doc(client, path)
        got = await diagnostics_for(client, uri, 1)
        report = cli("lint", "--format", "json", str(path), cwd=FIXTURES)
        expected = [(d["code"], d["start"]["line"] - 1, d["message"]) for d in report["diagnostics"]]
        assert [(d.code, d.range.start.line, d.message.split("\nhelp: ")[0]) for d in got] == expected, path.name
        for d in got:
            assert d.code_description.href.startswith("https://") and d.source == "promptkit"


@pytest.mark.asyncio
async def test_an_edit_republishes_with_its_version_and_offers_the_fix(client: LanguageClient):
    text = TRIAGE.read_text()
    uri = open_doc(client, TRIAGE, text)
    assert list(await diagnostics_for(client, uri, 1)) == []
    line, col = position_of(text, "{{customer_name}}", 2)
    change(client, uri, 2, (line, col), (line, col + len("customer_name")), "custmer_name")
    got = await diagnostics_for(client, uri, 2)
    # The misspelt use, and the declaration it no longer uses (in file order: declaration first).
    assert [d.code for d in got] == ["PK302", "PK301"]
    undeclared = got[1]
    assert "custmer_name" in undeclared.message
    # The misspelling's related location is the declaration it probably meant.
    assert undeclared.related_information[0].location.range.start.line == position_of(text, "customer_name:")[0]

    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=undeclared.range,
        context=types.CodeActionContext(diagnostics=[undeclared])))
    titles = [a.title for a in actions]
    assert "Change to `customer_name`" in titles
    assert "Declare `custmer_name` under `variables`" in titles
    fix = next(a for a in actions if a.title == "Change to `customer_name`")
    (edit,) = fix.edit.changes[uri]
    assert edit.new_text == "customer_name" and edit.range.start == types.Position(line, col)

    pulled = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [d.code for d in pulled.items] == ["PK302", "PK301"]


@pytest.mark.asyncio
async def test_token_hints_and_lens_match_the_tokens_command(client: LanguageClient):
    text = TRIAGE.read_text()
    uri = open_doc(client, TRIAGE, text)
    expected = cli("tokens", "--format", "json", str(TRIAGE))
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(0, 0), end=types.Position(text.count("\n") + 1, 0))))
    token_labels = [h.label for h in hints if h.label.endswith("tokens")]
    assert token_labels == [f"{m['tokens']} tokens" for m in expected["messages"]]
    values = {h.label for h in hints if h.label.startswith("= ")}
    assert '= "Ada Lovelace"' in values and '= "enterprise"' in values and "= [1 item]" in values

    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert lenses[0].command.title.startswith(f"{expected['total']} tokens · ")
    assert "gpt-4o-mini" in lenses[0].command.title and "/call" in lenses[0].command.title
    assert lenses[1].command.command == "promptkit.selectSample"
    assert list(lenses[1].command.arguments) == [uri, "billing"]

    # Switching the sample changes what previews and hints show.
    await client.workspace_execute_command_async(types.ExecuteCommandParams(command="promptkit.selectSample", arguments=[uri, "billing"]))
    # Views the client can refresh (inlay hints, code lenses) are asked to.
    ws = client.capabilities.workspace
    expected_refreshes = sum(1 for c in (ws.inlay_hint, ws.code_lens) if c is not None and c.refresh_support)
    assert expected_refreshes >= 1
    for _ in range(100):
        if client.refreshes >= expected_refreshes:
            break
        await asyncio.sleep(0.02)
    assert client.refreshes == expected_refreshes
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(0, 0), end=types.Position(text.count("\n") + 1, 0))))
    assert '= "Grace Hopper"' in {h.label for h in hints}
    billing = cli("tokens", "--format", "json", "--sample", "billing", str(TRIAGE))
    assert [h.label for h in hints if h.label.endswith("tokens")] == [f"{m['tokens']} tokens" for m in billing["messages"]]


@pytest.mark.asyncio
async def test_hints_follow_every_keystroke(client: LanguageClient):
    text = TRIAGE.read_text()
    uri = open_doc(client, TRIAGE, text)
    line, col = position_of(text, "You are a support triage assistant")
    whole = types.Range(start=types.Position(0, 0), end=types.Position(text.count("\n") + 1, 0))
    before = await client.text_document_inlay_hint_async(types.InlayHintParams(text_document=types.TextDocumentIdentifier(uri=uri), range=whole))
    change(client, uri, 2, (line, col), (line, col), "Always answer politely. ")
    after = await client.text_document_inlay_hint_async(types.InlayHintParams(text_document=types.TextDocumentIdentifier(uri=uri), range=whole))
    first = lambda hints: int(next(h.label for h in hints if h.label.endswith("tokens")).split()[0])
    assert first(after) == first(before) + 4  # " Always answer politely." is 4 o200k tokens... plus the space join


@pytest.mark.asyncio
async def test_render_preview_matches_render(client: LanguageClient):
    uri = open_doc(client, TRIAGE)
    expected = cli("render", "--format", "json", str(TRIAGE), "--sample", "billing")
    result = await client.protocol.send_request_async("promptkit/renderPreview",
                                                      {"textDocument": {"uri": uri}, "sample": "billing"})
    assert [(m.role, m.content) for m in result.messages] == [(m["role"], m["content"]) for m in expected]
    assert result.sample == "billing" and result.samples == ["outage", "billing"]
    via_command = await client.workspace_execute_command_async(types.ExecuteCommandParams(command="promptkit.preview", arguments=[uri]))
    assert via_command["sample"] == "outage"


@pytest.mark.asyncio
async def test_hover_on_a_variable_and_in_a_message(client: LanguageClient):
    text = TRIAGE.read_text()
    uri = open_doc(client, TRIAGE, text)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(*position_of(text, "{{ticket}}", 3))))
    value = hover.contents.value
    assert "ticket: string" in value and "untrusted" in value and "Our dashboards have returned 502" in value
    assert "The ticket body exactly as the customer wrote it." in value

    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(*position_of(text, "Rate urgency"))))
    table = hover.contents.value
    assert "| gpt-4o-mini | 73 | 139 |" in table and "claude-sonnet-4-5 | ≈" in table


@pytest.mark.asyncio
async def test_completion(client: LanguageClient):
    text = TRIAGE.read_text()
    uri = open_doc(client, TRIAGE, text)
    line, col = position_of(text, "Earlier ticket: {{subject}}", len("Earlier ticket: "))
    change(client, uri, 2, (line, col), (line, col + len("{{subject}}")), "{{")
    items = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, col + 2)))
    labels = [i.label for i in items.items]
    # Inside {{#previous_tickets}}, the items' fields come first.
    assert labels[:2] == ["subject", "status"] and "customer_name" in labels
    assert items.items[0].text_edit.new_text == "subject}}"

    agent_text = AGENT.read_text()
    agent = open_doc(client, AGENT, agent_text)
    line, col = position_of(agent_text, "{{> agent/partials/tools}}", 4)
    items = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=agent), position=types.Position(line, col)))
    assert {"agent/partials/tools", "agent/partials/safety"} <= {i.label for i in items.items}

    line, col = position_of(agent_text, "model: gpt-4.1", len("model: "))
    items = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=agent), position=types.Position(line, col)))
    gpt4o = next(i for i in items.items if i.label == "gpt-4o")
    assert "context" in gpt4o.detail and "$" in gpt4o.detail

    line, _ = position_of(agent_text, "messages:")
    items = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=agent), position=types.Position(line, 0)))
    assert "fallback_models" in {i.label for i in items.items} and "messages" not in {i.label for i in items.items}


@pytest.mark.asyncio
async def test_definition_references_and_rename(client: LanguageClient):
    text = TRIAGE.read_text()
    uri = open_doc(client, TRIAGE, text)
    use = types.Position(*position_of(text, "{{plan}}", 3))
    locs = await client.text_document_definition_async(types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=use))
    decl_line = position_of(text, "  plan:")[0]
    assert locs.range.start.line == decl_line if isinstance(locs, types.Location) else locs[0].range.start.line == decl_line

    refs = await client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=use, context=types.ReferenceContext(include_declaration=True)))
    lines = sorted(r.range.start.line for r in refs)
    # Declaration, the use, and the `plan:` key of the outage sample.
    assert lines == [decl_line, use.line, position_of(text, "    plan: enterprise")[0]]

    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=use, new_name="tier"))
    assert len(edit.changes[uri]) == 3 and all(e.new_text == "tier" for e in edit.changes[uri])

    agent_text = AGENT.read_text()
    agent = open_doc(client, AGENT, agent_text)
    partial = types.Position(*position_of(agent_text, "agent/partials/safety"))
    locs = await client.text_document_definition_async(types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=agent), position=partial))
    assert locs[0].uri.endswith("agent/partials/safety.prompt.yaml")


@pytest.mark.asyncio
async def test_symbols(client: LanguageClient):
    uri = open_doc(client, TRIAGE)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    names = [s.name for s in symbols]
    assert names == ["variables", "1. system", "2. user", "sample outage", "sample billing"]
    assert [c.name for c in symbols[0].children] == ["customer_name", "plan", "ticket", "previous_tickets"]
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="agpart"))
    assert {s.name for s in found} == {"agent/partials/tools", "agent/partials/safety"}


@pytest.mark.asyncio
async def test_editing_a_partial_rechecks_the_files_that_include_it(client: LanguageClient):
    agent = open_doc(client, AGENT)
    assert list(await diagnostics_for(client, agent, 1)) == []
    safety_path = FIXTURES / "prompts" / "agent" / "partials" / "safety.prompt.yaml"
    safety_text = safety_path.read_text()
    safety = open_doc(client, safety_path, safety_text)
    await diagnostics_for(client, safety, 1)
    # Use an undeclared variable in the partial: the includer is re-checked and reports it at its tag.
    line, col = position_of(safety_text, "template:")
    seen = len(client.published)
    change(client, safety, 2, (line + 1, 0), (line + 1, 0), "      {{undeclared_in_partial}}\n")
    got = await diagnostics_for(client, agent, after=seen, where=lambda ds: len(ds) > 0)
    assert any("through the partial `agent/partials/safety`" in d.message for d in got), [d.message for d in got]


def apply_edits(text: str, edits) -> str:
    """Applies LSP TextEdits (UTF-16 positions; ASCII text here) from last to first."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    def off(p):
        return offsets[p.line] + p.character
    for e in sorted(edits, key=lambda e: off(e.range.start), reverse=True):
        text = text[:off(e.range.start)] + e.new_text + text[off(e.range.end):]
    return text


@pytest.mark.asyncio
async def test_quick_fixes_quote_a_template_value_and_remove_an_unused_variable(client: LanguageClient, tmp_path):
    text = "name: fixes/demo\nversion: 1.0.0\nvariables:\n  who:\n    type: string\n  spare:\n    type: string\n    required: false\ntemplate: {{who}}\nsamples:\n  one:\n    who: Ada\n"
    path = tmp_path / "demo.prompt.yaml"
    uri = open_doc(client, path, text)
    got = await diagnostics_for(client, uri, 1)
    codes = [d.code for d in got]
    assert "PK107" in codes, codes
    whole = types.Range(start=types.Position(0, 0), end=types.Position(text.count("\n"), 0))
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=whole, context=types.CodeActionContext(diagnostics=[])))
    by_title = {a.title: a for a in actions}
    fixed = apply_edits(text, by_title["Quote the template value"].edit.changes[uri])
    assert 'template: "{{who}}"' in fixed
    change(client, uri, 2, (0, 0), (text.count("\n") + 1, 0), fixed)
    got = await diagnostics_for(client, uri, 2)
    assert [d.code for d in got] == ["PK302"]  # `spare` is now visibly unused
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=got[0].range, context=types.CodeActionContext(diagnostics=list(got))))
    removal = next(a for a in actions if a.title == "Remove the unused variable `spare`")
    cleaned = apply_edits(fixed, removal.edit.changes[uri])
    assert "spare" not in cleaned and "  who:\n    type: string\ntemplate:" in cleaned
    change(client, uri, 3, (0, 0), (fixed.count("\n") + 1, 0), cleaned)
    assert list(await diagnostics_for(client, uri, 3)) == []


@pytest.mark.asyncio
async def test_run_test_lenses_run_a_child_process_and_report_failures_as_diagnostics(client: LanguageClient, tmp_path):
    text = ("name: lens/demo\nversion: 1.0.0\nmodel: gpt-4o-mini\ntemplate: Say hello.\ntests:\n"
            "  - name: greets\n    assert:\n      - icontains: hello\n"
            "  - name: is json\n    assert:\n      - is-json\n")
    path = tmp_path / "demo.prompt.yaml"
    path.write_text(text)  # runs read the saved file, as `promptkit test` does
    (tmp_path / "demo.recorded.json").write_text(json.dumps({"recordings": {"greets": {"output": "Hello!"}, "is json": {"output": "Hello!"}}}))
    uri = open_doc(client, path, text)
    await diagnostics_for(client, uri, 1)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    runs = [(l.range.start.line, l.command.title, list(l.command.arguments)) for l in lenses if l.command.command == "promptkit.runTests"]
    assert runs == [(0, "▶ Run all tests (2)", [uri]), (5, "▶ Run test", [uri, "greets"]), (8, "▶ Run test", [uri, "is json"])]
    before = len(client.published)
    started = await client.workspace_execute_command_async(types.ExecuteCommandParams(command="promptkit.runTests", arguments=[uri]))
    assert started["started"] is True
    got = await diagnostics_for(client, uri, after=before, where=lambda ds: any(d.source == "promptkit test" for d in ds))
    tests = [d for d in got if d.source == "promptkit test"]
    assert len(tests) == 1 and tests[0].code == "is-json" and tests[0].range.start.line == 10
    assert "test `is json`" in tests[0].message and "is not JSON" in tests[0].message
    # An edit makes the findings stale: they go with the next publication.
    change(client, uri, 2, (3, 10), (3, 20), "Say hello!")
    got = await diagnostics_for(client, uri, 2)
    assert not any(d.source == "promptkit test" for d in got)


@pytest.mark.asyncio
async def test_formatting_is_fmt_as_a_minimal_edit(client: LanguageClient, tmp_path):
    text = ("# Grüße: a comment stays\nname: fmt/demo\nversion: 1.0.0\n"
            "variables:\n    who:   # who is greeted\n        type: string\n"
            "template: \"Héllo {{who}},\\nwelcome.\\n\"\nsamples:\n    one:\n        who: Ada\n")
    uri = open_doc(client, tmp_path / "demo.prompt.yaml", text)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=uri), options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
    expected = subprocess.run([BIN, "fmt", "-"], input=text, capture_output=True, text=True, check=True).stdout
    assert apply_edits(text, edits) == expected
    assert len(edits) == 1 and edits[0].range.start.line == 4, "the unchanged first lines are not part of the edit"
    change(client, uri, 2, (0, 0), (text.count("\n") + 1, 0), expected)
    again = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=uri), options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert list(again) == []

    broken = open_doc(client, tmp_path / "broken.prompt.yaml", "name: \"unterminated\n")
    with pytest.raises(Exception, match="not valid YAML"):
        await client.text_document_formatting_async(types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=broken), options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
