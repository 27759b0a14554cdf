/**
 * The commands that need the server: "Move All Data Operations in This File" asks the server for
 * its move-all code action and applies it; "Check Workspace" asks it to scan every migration.
 */
import * as vscode from "vscode";
import { ExecuteCommandRequest } from "vscode-languageclient/node";
import type { ServerManager } from "./server";

/** Code action kind of the server's move actions; the per-finding move is a `quickfix`. */
export const MOVE_KIND = vscode.CodeActionKind.Refactor.append("move").append("ddlguard");

/** Server commands (workspace/executeCommand) that rescan the workspace, in order of preference. */
export const SCAN_COMMANDS = ["ddlguard.server.checkWorkspace", "ddlguard.scanWorkspace"];

function isFileMigrationEditor(editor: vscode.TextEditor | undefined): editor is vscode.TextEditor {
  return editor !== undefined && editor.document.uri.scheme === "file" && editor.document.languageId === "python";
}

export async function moveAllInActiveFile(manager: ServerManager, output: vscode.LogOutputChannel): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  if (!isFileMigrationEditor(editor)) {
    void vscode.window.showInformationMessage("ddlguard: open a migration file to move its data operations.");
    return false;
  }
  if (!manager.languageClient) {
    void vscode.window.showWarningMessage("ddlguard: the language server is not running.");
    return false;
  }
  const doc = editor.document;
  const whole = new vscode.Range(0, 0, doc.lineCount, 0);
  // Ask every provider (ours is the server) for the move kind and resolve up to 10 edits lazily.
  const actions =
    (await vscode.commands.executeCommand<vscode.CodeAction[]>("vscode.executeCodeActionProvider", doc.uri, whole, MOVE_KIND.value, 10)) ??
    [];
  const moves = actions.filter((a) => a.kind !== undefined && MOVE_KIND.contains(a.kind));
  const action = moves.find((a) => /\ball\b/i.test(a.title)) ?? (moves.length === 1 ? moves[0] : undefined);
  if (!action) {
    output.info(`move all: no ${MOVE_KIND.value} action for ${doc.uri.fsPath} (got: ${actions.map((a) => a.title).join("; ") || "none"})`);
    void vscode.window.showInformationMessage("ddlguard: no data operation in this file can be moved automatically.");
    return false;
  }
  if (action.disabled) {
    void vscode.window.showInformationMessage(`ddlguard: ${action.disabled.reason}`);
    return false;
  }
  if (action.edit && !(await vscode.workspace.applyEdit(action.edit))) {
    void vscode.window.showErrorMessage("ddlguard: VS Code could not apply the move.");
    return false;
  }
  if (action.command) {
    await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
  }
  output.info(`move all: applied "${action.title}" to ${doc.uri.fsPath}`);
  return true;
}

export async function checkWorkspace(manager: ServerManager, output: vscode.LogOutputChannel): Promise<void> {
  const client = manager.languageClient;
  const advertised = client?.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
  const command = SCAN_COMMANDS.find((c) => advertised.includes(c));
  if (client && command) {
    output.info(`check workspace: ${command}`);
    await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [] });
  } else {
    // A fresh server scans every migration at start-up (unless ddlguard.openFilesOnly).
    output.info("check workspace: the server has no scan command; restarting it to rescan");
    await manager.restart();
  }
  await vscode.commands.executeCommand("workbench.actions.view.problems");
}
