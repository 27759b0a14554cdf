/**
 * Finding the language server. The order is a contract (documented in docs/vscode.md):
 *
 *  1. `ddlguard.path`         → `<path> lsp`
 *  2. `ddlguard.interpreter`  → `<python> -P -m ddlguard lsp`
 *  3. the Python extension's active environment, when that extension is installed
 *  4. `ddlguard` on PATH      → `ddlguard lsp`
 *  5. `python3 -m ddlguard`   → `python3 -P -m ddlguard lsp` (`python` on Windows)
 *
 * Python always runs with `-P` (3.11+, which ddlguard requires): without it `python -m` puts
 * the current folder, the workspace, first on `sys.path`, and a repository's `types.py` or
 * `ddlguard/` folder would run in place of the standard library or the server.
 *
 * Each candidate is probed with `--version` before use. A setting the user wrote is
 * authoritative: if it does not work, discovery stops there and says why, instead of silently
 * running some other ddlguard. Automatic candidates fall through to the next one. A server older
 * than MIN_SERVER_VERSION is never used.
 *
 * Pure: the process runner is injected, so the order and the verdicts are unit-tested.
 */
import { checkVersion, formatVersion, MIN_SERVER_VERSION, Version } from "./version";

export type CandidateSource = "setting-path" | "setting-interpreter" | "python-extension" | "path-ddlguard" | "path-python";

export interface Candidate {
  source: CandidateSource;
  /** How the candidate is named to the user, e.g. `ddlguard.interpreter (/venv/bin/python)`. */
  label: string;
  command: string;
  /** Arguments before `lsp` / `--version`: `[]` for an executable, `PYTHON_MODULE` for Python. */
  prefix: string[];
  /** Came from a setting the user wrote: no fall-through when it fails. */
  explicit: boolean;
}

export interface DiscoveryInputs {
  path?: string;
  interpreter?: string;
  /** The active environment of the Python extension: the command that runs its Python. */
  pythonExtensionCommand?: string[];
  platform: string;
}

/** `-P`: never the workspace (the server's current folder) on `sys.path`. */
export const PYTHON_MODULE: readonly string[] = ["-P", "-m", "ddlguard"];

export function candidates(inputs: DiscoveryInputs): Candidate[] {
  const out: Candidate[] = [];
  const path = inputs.path?.trim();
  if (path) {
    out.push({ source: "setting-path", label: `ddlguard.path (${path})`, command: path, prefix: [], explicit: true });
  }
  const interpreter = inputs.interpreter?.trim();
  if (interpreter) {
    out.push({
      source: "setting-interpreter",
      label: `ddlguard.interpreter (${interpreter})`,
      command: interpreter,
      prefix: [...PYTHON_MODULE],
      explicit: true,
    });
  }
  const py = inputs.pythonExtensionCommand?.filter((part) => part.trim() !== "");
  if (py && py.length > 0) {
    out.push({
      source: "python-extension",
      label: `the Python extension's environment (${py.join(" ")})`,
      command: py[0],
      prefix: [...py.slice(1), ...PYTHON_MODULE],
      explicit: false,
    });
  }
  out.push({ source: "path-ddlguard", label: "ddlguard on PATH", command: "ddlguard", prefix: [], explicit: false });
  const python = inputs.platform === "win32" ? "python" : "python3";
  out.push({
    source: "path-python",
    label: `${python} -m ddlguard on PATH`,
    command: python,
    prefix: [...PYTHON_MODULE],
    explicit: false,
  });
  return out;
}

/** What running a process gave: it could not start, it timed out, or it exited. */
export type ProbeResult =
  | { kind: "spawn-error"; code?: string; message: string }
  | { kind: "timeout" }
  | { kind: "exit"; code: number | null; stdout: string; stderr: string };

export type Probe = (command: string, args: string[]) => Promise<ProbeResult>;

export interface Attempt {
  candidate: Candidate;
  ok: boolean;
  /** One line for the output channel, e.g. `not found` or `ddlguard 0.0.9 is older than 0.1.0`. */
  reason: string;
  version?: Version;
}

export interface Resolved {
  candidate: Candidate;
  command: string;
  args: string[];
  version: Version;
}

export interface DiscoveryResult {
  server?: Resolved;
  attempts: Attempt[];
  /** The best single sentence to show when no server was found. */
  summary?: string;
}

function lastLine(text: string): string {
  const lines = text
    .trim()
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  return lines.length > 0 ? lines[lines.length - 1].trim() : "";
}

function judge(candidate: Candidate, result: ProbeResult, minimum: string): Attempt {
  if (result.kind === "spawn-error") {
    const reason = result.code === "ENOENT" ? `${candidate.command} not found` : `cannot run ${candidate.command}: ${result.message}`;
    return { candidate, ok: false, reason };
  }
  if (result.kind === "timeout") {
    return { candidate, ok: false, reason: `${candidate.command} did not answer --version in time` };
  }
  if (result.code !== 0) {
    const detail = lastLine(result.stderr) || lastLine(result.stdout) || `exit code ${result.code}`;
    const python = candidate.prefix.includes("-m");
    const reason =
      python && /No module named/.test(result.stderr)
        ? `ddlguard is not installed in ${candidate.command}`
        : python && /unknown option:? -P/i.test(result.stderr)
          ? `${candidate.command} is older than Python 3.11, which ddlguard needs`
          : `${candidate.command} failed: ${detail}`;
    return { candidate, ok: false, reason };
  }
  const verdict = checkVersion(`${result.stdout}\n${result.stderr}`, minimum);
  if (verdict.kind === "unknown") {
    return { candidate, ok: false, reason: `unexpected --version output: ${JSON.stringify(verdict.output.slice(0, 200))}` };
  }
  if (verdict.kind === "too-old") {
    return {
      candidate,
      ok: false,
      version: verdict.version,
      reason: `ddlguard ${formatVersion(verdict.version)} is older than ${formatVersion(verdict.minimum)}, the oldest this extension supports (pip install -U ddlguard)`,
    };
  }
  return { candidate, ok: true, version: verdict.version, reason: `ddlguard ${formatVersion(verdict.version)}` };
}

/** Tries the candidates in order and returns the first that works, with every attempt made. */
export async function discover(list: Candidate[], probe: Probe, minimum: string = MIN_SERVER_VERSION): Promise<DiscoveryResult> {
  const attempts: Attempt[] = [];
  for (const candidate of list) {
    const result = await probe(candidate.command, [...candidate.prefix, "--version"]);
    const attempt = judge(candidate, result, minimum);
    attempts.push(attempt);
    if (attempt.ok && attempt.version) {
      return {
        server: { candidate, command: candidate.command, args: [...candidate.prefix, "lsp"], version: attempt.version },
        attempts,
      };
    }
    if (candidate.explicit) {
      return { attempts, summary: `${candidate.label}: ${attempt.reason}` };
    }
  }
  const tooOld = attempts.find((a) => a.version !== undefined);
  const summary = tooOld ? `${tooOld.candidate.label}: ${tooOld.reason}` : "ddlguard is not installed in any environment VS Code can see";
  return { attempts, summary };
}
