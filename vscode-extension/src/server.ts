/**
 * The server's life cycle: find it, start one LanguageClient for the whole window (the server
 * handles every workspace folder itself), restart it when the way to run it changes, and report
 * clearly when it cannot be found.
 */
import * as vscode from "vscode";
import {
  ConfigurationParams,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
} from "vscode-languageclient/node";
import { candidates, discover, DiscoveryResult } from "./core/discovery";
import { processProbe } from "./core/probe";
import { documentSelector } from "./core/selector";
import { MappedSettings, toServerSettings } from "./core/settings";
import { formatVersion, MIN_SERVER_VERSION } from "./core/version";
import { activePythonCommand, isPythonExtensionInstalled } from "./pythonExtension";
import { StatusItem } from "./status";

export const CLIENT_ID = "ddlguard";

/** `ddlguard.scriptsDir` of every folder, so their SQL scripts reach the server too. */
function configuredScriptsDirs(): string[] {
  const scopes = vscode.workspace.workspaceFolders ?? [];
  const values = [undefined, ...scopes].map((scope) => vscode.workspace.getConfiguration("ddlguard", scope).get<string>("scriptsDir"));
  return values.filter((v): v is string => typeof v === "string" && v.trim() !== "");
}

function settingsFor(scope?: vscode.Uri | vscode.WorkspaceFolder): MappedSettings {
  const section = vscode.workspace.getConfiguration("ddlguard", scope);
  return toServerSettings((key) => section.get(key));
}

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private pending: Promise<void> = Promise.resolve();
  private notified = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
    private readonly status: StatusItem,
  ) {}

  get languageClient(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  /** Serialises start/stop so rapid setting changes cannot start two servers. */
  private enqueue(job: () => Promise<void>): Promise<void> {
    this.pending = this.pending.then(job, job).catch((error: unknown) => {
      this.output.error(`ddlguard: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    });
    return this.pending;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(detail = "stopped"): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      this.status.set({ kind: "stopped", detail });
    });
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      this.notified = false;
      await this.doStart();
    });
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.output.warn(`stopping the server: ${String(error)}`);
      }
      await client.dispose();
    }
  }

  private async find(): Promise<DiscoveryResult> {
    const config = vscode.workspace.getConfiguration("ddlguard");
    const folder = vscode.workspace.workspaceFolders?.[0];
    const list = candidates({
      path: config.get<string>("path"),
      interpreter: config.get<string>("interpreter"),
      pythonExtensionCommand: await activePythonCommand(folder?.uri),
      platform: process.platform,
    });
    return discover(list, processProbe({ cwd: folder?.uri.fsPath }), MIN_SERVER_VERSION);
  }

  private async doStart(): Promise<void> {
    if (this.client) {
      return;
    }
    if (!vscode.workspace.getConfiguration("ddlguard").get<boolean>("enable", true)) {
      this.status.set({ kind: "stopped", detail: "disabled by ddlguard.enable" });
      return;
    }
    this.status.set({ kind: "starting" });
    const result = await this.find();
    for (const attempt of result.attempts) {
      this.output.info(`server discovery: ${attempt.candidate.label}: ${attempt.reason}`);
    }
    if (!result.server) {
      const summary = result.summary ?? "ddlguard not found";
      this.output.error(`no usable ddlguard language server: ${summary}`);
      this.status.set({ kind: "error", detail: summary });
      void this.notifyNotFound(summary);
      return;
    }
    const { command, args, version } = result.server;
    this.output.info(`starting ${command} ${args.join(" ")} (ddlguard ${formatVersion(version)})`);
    const folder = vscode.workspace.workspaceFolders?.[0];
    const serverOptions: ServerOptions = { command, args, options: { cwd: folder?.uri.fsPath } };
    const initial = settingsFor(folder);
    initial.problems.forEach((p) => this.output.warn(p));
    const clientOptions: LanguageClientOptions = {
      documentSelector: documentSelector(configuredScriptsDirs()),
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: initial.settings,
      synchronize: { configurationSection: "ddlguard" },
      middleware: {
        workspace: {
          // Answer workspace/configuration for our section with normalised, per-folder values.
          configuration: (params: ConfigurationParams, token, next) => {
            if (!params.items.some((item) => item.section === "ddlguard")) {
              return next(params, token);
            }
            return params.items.map((item) => {
              if (item.section !== "ddlguard") {
                return null;
              }
              const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
              const mapped = settingsFor(scope);
              mapped.problems.forEach((p) => this.output.warn(p));
              return mapped.settings;
            });
          },
        },
      },
    };
    const client = new LanguageClient(CLIENT_ID, "ddlguard", serverOptions, clientOptions);
    client.onDidChangeState((event) => {
      if (this.client !== client) {
        return;
      }
      if (event.newState === State.Running) {
        this.status.set({ kind: "running", version: formatVersion(version), command: `${command} ${args.join(" ")}` });
      } else if (event.newState === State.Stopped) {
        this.status.set({ kind: "error", detail: "the server stopped; see the output" });
      }
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.output.error(`the server did not start: ${error instanceof Error ? error.message : String(error)}`);
      this.status.set({ kind: "error", detail: "the server did not start" });
      void vscode.window
        .showErrorMessage("ddlguard: the language server did not start. The output has the details.", "Show Output")
        .then((choice) => choice && this.output.show());
    }
  }

  /** One notification per discovery failure, with actions that lead to a working set-up. */
  private async notifyNotFound(summary: string): Promise<void> {
    if (this.notified) {
      return;
    }
    this.notified = true;
    const select = "Select Interpreter";
    const install = "Show How to Install";
    const output = "Show Output";
    const choice = await vscode.window.showErrorMessage(`ddlguard: no usable language server. ${summary}.`, select, install, output);
    if (choice === select) {
      if (isPythonExtensionInstalled()) {
        await vscode.commands.executeCommand("python.setInterpreter");
      } else {
        await vscode.commands.executeCommand("workbench.action.openSettings", "ddlguard.interpreter");
      }
    } else if (choice === install) {
      const readme = vscode.Uri.joinPath(this.context.extensionUri, "README.md");
      await vscode.commands.executeCommand("markdown.showPreview", readme);
    } else if (choice === output) {
      this.output.show();
    }
  }

  dispose(): void {
    void this.doStop();
  }
}
