// VS Code client for `promptkit lsp`. Diagnostics, hovers, inlay hints, code lenses, completion,
// navigation and quick fixes come from the server; this file starts it and adds a preview panel.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function serverOptions() {
  const command = vscode.workspace.getConfiguration("promptkit").get("path") || "promptkit";
  return { command, args: ["lsp"], options: { env: process.env } };
}

function initializationOptions() {
  const config = vscode.workspace.getConfiguration("promptkit");
  return { diagnosticsDelay: config.get("diagnosticsDelay"), hoverModels: config.get("hoverModels") };
}

async function start(context) {
  client = new LanguageClient("promptkit", "promptkit", serverOptions(), {
    documentSelector: [{ scheme: "file", language: "promptkit" }, { scheme: "untitled", language: "promptkit" }],
    initializationOptions: initializationOptions(),
    synchronize: { configurationSection: "promptkit" },
  });
  await client.start();
}

async function showPreview() {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !client) return;
  const result = await client.sendRequest("promptkit/renderPreview", { textDocument: { uri: editor.document.uri.toString() } });
  const text = result.messages.map((m) => `── ${m.role} (${m.tokens} tokens) ──\n${m.content}`).join("\n");
  const doc = await vscode.workspace.openTextDocument({ content: `sample: ${result.sample ?? "none"} · ${result.totalTokens} tokens\n\n${text}`, language: "markdown" });
  await vscode.window.showTextDocument(doc, vscode.ViewColumn.Beside, true);
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("promptkit.showPreview", showPreview),
    vscode.commands.registerCommand("promptkit.restartServer", async () => {
      if (client) await client.stop();
      await start(context);
    })
  );
  await start(context);
}

async function deactivate() {
  if (client) await client.stop();
}

module.exports = { activate, deactivate };
