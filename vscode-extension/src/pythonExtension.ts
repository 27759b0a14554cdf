/**
 * Optional integration with the Microsoft Python extension (`ms-python.python`): its active
 * environment is the third place the server is looked for. It is never a dependency: code-server,
 * VSCodium and Cursor users may not have it, so every access here tolerates its absence.
 */
import * as vscode from "vscode";

const PYTHON_EXTENSION_ID = "ms-python.python";

/** The parts of the Python extension's public API this extension uses. */
interface PythonEnvironmentsApi {
  getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
  resolveEnvironment(env: { path: string } | string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
  onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
}

interface PythonApi {
  environments?: PythonEnvironmentsApi;
  settings?: { getExecutionDetails?(resource?: vscode.Uri): { execCommand: string[] | undefined } };
}

async function api(): Promise<PythonApi | undefined> {
  const ext = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION_ID);
  if (!ext) {
    return undefined;
  }
  try {
    return ext.isActive ? ext.exports : await ext.activate();
  } catch {
    return undefined;
  }
}

export function isPythonExtensionInstalled(): boolean {
  return vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
}

/** The command that runs the active environment's Python, or undefined. */
export async function activePythonCommand(resource?: vscode.Uri): Promise<string[] | undefined> {
  const python = await api();
  if (!python) {
    return undefined;
  }
  try {
    const envs = python.environments;
    if (envs) {
      const active = envs.getActiveEnvironmentPath(resource);
      if (active) {
        const env = await envs.resolveEnvironment(active);
        const exe = env?.executable.uri?.fsPath;
        if (exe) {
          return [exe];
        }
      }
    }
    const exec = python.settings?.getExecutionDetails?.(resource).execCommand;
    return exec && exec.length > 0 ? exec : undefined;
  } catch {
    return undefined;
  }
}

/** Calls `listener` when the user picks another interpreter in the Python extension. */
export async function onActiveEnvironmentChanged(listener: () => void): Promise<vscode.Disposable | undefined> {
  const python = await api();
  try {
    return python?.environments?.onDidChangeActiveEnvironmentPath(() => listener());
  } catch {
    return undefined;
  }
}
