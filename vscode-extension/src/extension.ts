/**
 * Entry point. Activation is cheap for projects without Alembic: the server only starts once
 * the workspace holds an `alembic.ini` or a Python file that looks like a migration is opened.
 */
import * as vscode from "vscode";
import { checkWorkspace, moveAllInActiveFile } from "./commands";
import { isUnderVersionsFolder, looksLikeMigration } from "./core/migration";
import { RESTART_SETTINGS } from "./core/settings";
import { onActiveEnvironmentChanged } from "./pythonExtension";
import { ServerManager } from "./server";
import { StatusItem } from "./status";

let manager: ServerManager | undefined;

function isMigrationDocument(doc: vscode.TextDocument): boolean {
  return (
    doc.uri.scheme === "file" && doc.languageId === "python" && (isUnderVersionsFolder(doc.uri.fsPath) || looksLikeMigration(doc.getText()))
  );
}

async function workspaceHasAlembic(): Promise<boolean> {
  const found = await vscode.workspace.findFiles("**/alembic.ini", "{**/node_modules/**,**/.venv/**,**/.git/**}", 1);
  return found.length > 0;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("ddlguard", { log: true });
  const status = new StatusItem();
  const servers = new ServerManager(context, output, status);
  manager = servers;
  context.subscriptions.push(output, status, servers);

  context.subscriptions.push(
    vscode.commands.registerCommand("ddlguard.restart", () => servers.restart()),
    vscode.commands.registerCommand("ddlguard.showOutput", () => output.show()),
    vscode.commands.registerCommand("ddlguard.checkWorkspace", () => checkWorkspace(servers, output)),
    vscode.commands.registerCommand("ddlguard.moveAll", () => moveAllInActiveFile(servers, output)),
  );

  let wanted = false;
  const startWhenWanted = (): void => {
    if (!wanted) {
      wanted = true;
      void servers.start();
    }
  };

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (wanted && RESTART_SETTINGS.some((key) => event.affectsConfiguration(key))) {
        output.info(`${RESTART_SETTINGS.filter((key) => event.affectsConfiguration(key)).join(", ")} changed: restarting the server`);
        void servers.restart();
      }
      // Other ddlguard.* settings reach the running server through workspace/didChangeConfiguration.
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(async () => {
      if (!wanted && (await workspaceHasAlembic())) {
        startWhenWanted();
      }
    }),
  );

  const envListener = await onActiveEnvironmentChanged(() => {
    const config = vscode.workspace.getConfiguration("ddlguard");
    if (wanted && !config.get<string>("path") && !config.get<string>("interpreter")) {
      output.info("the Python extension's environment changed: restarting the server");
      void servers.restart();
    }
  });
  if (envListener) {
    context.subscriptions.push(envListener);
  }

  if (await workspaceHasAlembic()) {
    startWhenWanted();
    return;
  }
  if (vscode.workspace.textDocuments.some(isMigrationDocument)) {
    startWhenWanted();
    return;
  }
  output.info("no alembic.ini in the workspace: the server starts when a migration is opened");
  const listener = vscode.workspace.onDidOpenTextDocument((doc) => {
    if (isMigrationDocument(doc)) {
      listener.dispose();
      startWhenWanted();
    }
  });
  context.subscriptions.push(listener);
}

export async function deactivate(): Promise<void> {
  const current = manager;
  manager = undefined;
  await current?.stop();
}
