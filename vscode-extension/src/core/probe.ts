/** Runs `<command> ... --version` for discovery, bounded in time and output; never throws. */
import { execFile } from "node:child_process";
import type { Probe, ProbeResult } from "./discovery";

export function processProbe(options: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Probe {
  const timeout = options.timeoutMs ?? 15000;
  return (command, args) =>
    new Promise<ProbeResult>((resolve) => {
      try {
        execFile(
          command,
          args,
          { timeout, cwd: options.cwd, env: options.env, maxBuffer: 1024 * 1024, windowsHide: true },
          (error, stdout, stderr) => {
            if (!error) {
              resolve({ kind: "exit", code: 0, stdout: String(stdout), stderr: String(stderr) });
              return;
            }
            const err = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: unknown };
            if (err.killed && err.signal) {
              resolve({ kind: "timeout" });
            } else if (typeof err.code === "number") {
              resolve({ kind: "exit", code: err.code, stdout: String(stdout), stderr: String(stderr) });
            } else if (typeof err.code === "string") {
              resolve({ kind: "spawn-error", code: err.code, message: err.message });
            } else {
              resolve({ kind: "exit", code: null, stdout: String(stdout), stderr: String(stderr) || err.message });
            }
          },
        );
      } catch (error) {
        resolve({ kind: "spawn-error", message: error instanceof Error ? error.message : String(error) });
      }
    });
}
