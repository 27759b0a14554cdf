/**
 * The commands that need the server: "Move All Data Operations in This File" asks the server for
 * its move-all code action and applies it; "Check Workspace" asks it to scan every migration.
 */
import * as vscode from "vscode";
import {
  CodeAction,
  CodeActionParams,
  CodeActionRequest,
  CodeActionResolveRequest,
  CodeActionTriggerKind,
  Command,
  ExecuteCommandRequest,
} from "vscode-languageclient/node";
import { pickMoveAll } from "./core/actions";
import type { ServerManager } from "./server";

/** Server commands (workspace/executeCommand) that rescan the workspace, in order of preference. */
export const SCAN_COMMANDS = ["ddlguard.server.checkWorkspace", "ddlguard.scanWorkspace"];

function isFileMigrationEditor(editor: vscode.TextEditor | undefined): editor is vscode.TextEditor {
  return editor !== undefined && editor.document.uri.scheme === "file" && editor.document.languageId === "python";
}

/**
 * Asks the server for its code actions over the whole file (with every ddlguard diagnostic of
 * the file as context, `data` included), picks the move-all one, resolves its edit lazily when
 * needed and applies it as one WorkspaceEdit (one undo).
 */
export async function moveAllInActiveFile(manager: ServerManager, output: vscode.LogOutputChannel): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  if (!isFileMigrationEditor(editor)) {
    void vscode.window.showInformationMessage("ddlguard: open a migration file to move its data operations.");
    return false;
  }
  const client = manager.languageClient;
  if (!client) {
    void vscode.window.showWarningMessage("ddlguard: the language server is not running.");
    return false;
  }
  const doc = editor.document;
  const diagnostics = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === "ddlguard");
  if (diagnostics.length === 0) {
    void vscode.window.showInformationMessage("ddlguard: this file has no data operations to move.");
    return false;
  }
  const params: CodeActionParams = {
    textDocument: { uri: client.code2ProtocolConverter.asUri(doc.uri) },
    range: client.code2ProtocolConverter.asRange(new vscode.Range(0, 0, doc.lineCount, 0)),
    context: { diagnostics: await client.code2ProtocolConverter.asDiagnostics(diagnostics), triggerKind: CodeActionTriggerKind.Invoked },
  };
  const listed = (await client.sendRequest(CodeActionRequest.type, params)) ?? [];
  const actions = listed.filter((a): a is CodeAction => !Command.is(a));
  let action = pickMoveAll(actions);
  if (!action) {
    output.info(`move all: no move action for ${doc.uri.fsPath} (got: ${actions.map((a) => a.title).join("; ") || "none"})`);
    void vscode.window.showInformationMessage("ddlguard: no data operation in this file can be moved automatically.");
    return false;
  }
  const provider = client.initializeResult?.capabilities.codeActionProvider;
  if (!action.edit && typeof provider === "object" && provider.resolveProvider) {
    action = await client.sendRequest(CodeActionResolveRequest.type, action);
  }
  if (action.edit) {
    const edit = await client.protocol2CodeConverter.asWorkspaceEdit(action.edit);
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage("ddlguard: VS Code could not apply the move.");
      return false;
    }
  }
  if (action.command) {
    await client.sendRequest(ExecuteCommandRequest.type, {
      command: action.command.command,
      arguments: action.command.arguments,
    });
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
