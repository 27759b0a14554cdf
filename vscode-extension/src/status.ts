/** The status bar item: the server's state at a glance; a click opens the output channel. */
import * as vscode from "vscode";

export type ServerState =
  | { kind: "idle"; detail: string }
  | { kind: "starting" }
  | { kind: "running"; version: string; command: string }
  | { kind: "stopped"; detail: string }
  | { kind: "error"; detail: string };

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem("ddlguard.status", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "ddlguard";
    this.item.command = "ddlguard.showOutput";
    this.set({ kind: "idle", detail: "waiting for an Alembic project" });
  }

  set(state: ServerState): void {
    this.item.backgroundColor = undefined;
    switch (state.kind) {
      case "idle":
        this.item.text = "$(circle-outline) ddlguard";
        this.item.tooltip = `ddlguard: ${state.detail}`;
        break;
      case "starting":
        this.item.text = "$(sync~spin) ddlguard";
        this.item.tooltip = "ddlguard: starting the language server";
        break;
      case "running":
        this.item.text = "$(check) ddlguard";
        this.item.tooltip = `ddlguard ${state.version} running (${state.command}). Click to show the output.`;
        break;
      case "stopped":
        this.item.text = "$(circle-slash) ddlguard";
        this.item.tooltip = `ddlguard: ${state.detail}`;
        break;
      case "error":
        this.item.text = "$(error) ddlguard";
        this.item.tooltip = `ddlguard: ${state.detail}. Click to show the output.`;
        this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
        break;
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
