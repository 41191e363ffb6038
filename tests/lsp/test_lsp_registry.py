"""The registry in the editor: a code lens says which environments run the file's version, and
PK601 warns when the buffer differs from the published content of the same name and version.
The registry is a real SQLite file written by the real CLI while the server runs."""
import asyncio
import os
import subprocess
import tempfile

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from conftest import BIN, FIXTURES, REPO
from test_lsp_features import change, diagnostics_for, make_client, open_doc, position_of

TRIAGE = FIXTURES / "prompts" / "support" / "triage.prompt.yaml"
REGISTRY = os.path.join(tempfile.mkdtemp(prefix="promptkit-lsp-registry-"), "registry.sqlite")


def registry(*args):
    p = subprocess.run([BIN, "registry", *args, "--db", REGISTRY], capture_output=True, text=True, cwd=REPO)
    assert p.returncode == 0, p.stderr


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BIN, "lsp"], client_factory=make_client))
async def client(lsp_client: LanguageClient):
    registry("publish", str(TRIAGE), "--author", "test")
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=FIXTURES.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=FIXTURES.as_uri(), name="fixtures")],
        initialization_options={"diagnosticsDelay": 0, "registryPath": REGISTRY},
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def lens_titles(client, uri):
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    return [l.command.title for l in lenses if l.command.title.startswith("registry:")], lenses


@pytest.mark.asyncio
async def test_lens_shows_environments_and_edits_after_publishing_are_flagged(client: LanguageClient):
    text = TRIAGE.read_text()
    uri = open_doc(client, TRIAGE, text)
    assert [d.code for d in await diagnostics_for(client, uri, 1)] == []
    titles, lenses = await lens_titles(client, uri)
    assert titles == ["registry: 1.4.0 runs in development"]
    lens = next(l for l in lenses if l.command.title.startswith("registry:"))
    assert lens.range.start.line == position_of(text, "version: 1.4.0")[0]

    # A promotion from a terminal shows at the next request, without a file-watch event.
    registry("promote", "support/triage@1.4.0", "--to", "production")
    titles, _ = await lens_titles(client, uri)
    assert titles == ["registry: 1.4.0 runs in production, development"]

    # Editing the published version without bumping it: PK601 on the version, and the lens says so.
    line, col = position_of(text, "Acme Cloud")
    change(client, uri, 2, (line, col), (line, col + 4), "Zeta")
    got = await diagnostics_for(client, uri, 2)
    assert [d.code for d in got] == ["PK601"]
    assert got[0].range.start.line == position_of(text, "version: 1.4.0")[0]
    assert "production" in got[0].message
    titles, _ = await lens_titles(client, uri)
    assert titles == ["registry: ⚠ edited since 1.4.0 was published (bump version)"]
    status = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="promptkit.registryStatus", arguments=[uri]))
    assert status["published"] is True and status["published_hash"] != status["current_hash"]
    assert status["environments"] == {"development": "1.4.0", "production": "1.4.0"}

    # Bumping the version clears the warning; the lens says the new version is not published.
    vline, vcol = position_of(text, "1.4.0")
    change(client, uri, 3, (vline, vcol), (vline, vcol + 5), "1.5.0")
    assert [d.code for d in await diagnostics_for(client, uri, 3)] == []
    titles, _ = await lens_titles(client, uri)
    assert titles == ["registry: 1.5.0 not published · development 1.4.0, production 1.4.0"]
