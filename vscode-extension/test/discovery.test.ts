import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { candidates, discover, Probe, ProbeResult } from "../src/core/discovery";
import { processProbe } from "../src/core/probe";

/** A probe that answers from a table keyed by the full command line, and records the calls. */
function fakeProbe(table: Record<string, ProbeResult>): Probe & { calls: string[] } {
  const calls: string[] = [];
  const probe = (async (command: string, args: string[]) => {
    const line = [command, ...args].join(" ");
    calls.push(line);
    return table[line] ?? { kind: "spawn-error", code: "ENOENT", message: `spawn ${command} ENOENT` };
  }) as Probe & { calls: string[] };
  probe.calls = calls;
  return probe;
}

const ok = (version: string): ProbeResult => ({ kind: "exit", code: 0, stdout: `ddlguard ${version}\n`, stderr: "" });
const noModule: ProbeResult = { kind: "exit", code: 1, stdout: "", stderr: "/venv/bin/python: No module named ddlguard\n" };

describe("server discovery order", () => {
  it("lists path, interpreter, Python extension, ddlguard on PATH, python3 -m ddlguard", () => {
    const list = candidates({
      path: "/opt/ddlguard",
      interpreter: "/venv/bin/python",
      pythonExtensionCommand: ["/conda/bin/python"],
      platform: "linux",
    });
    assert.deepEqual(
      list.map((c) => [c.source, c.command, c.prefix.join(" "), c.explicit]),
      [
        ["setting-path", "/opt/ddlguard", "", true],
        ["setting-interpreter", "/venv/bin/python", "-P -m ddlguard", true],
        ["python-extension", "/conda/bin/python", "-P -m ddlguard", false],
        ["path-ddlguard", "ddlguard", "", false],
        ["path-python", "python3", "-P -m ddlguard", false],
      ],
    );
  });

  it("skips settings left empty or blank, and uses python on Windows", () => {
    const list = candidates({ path: "  ", interpreter: "", platform: "win32" });
    assert.deepEqual(
      list.map((c) => c.source),
      ["path-ddlguard", "path-python"],
    );
    assert.equal(list[1].command, "python");
  });

  it("keeps a multi-part Python extension command (conda run) before -m ddlguard", () => {
    const [c] = candidates({ pythonExtensionCommand: ["conda", "run", "-n", "app", "python"], platform: "linux" });
    assert.equal(c.command, "conda");
    assert.deepEqual(c.prefix, ["run", "-n", "app", "python", "-P", "-m", "ddlguard"]);
  });

  it("uses ddlguard.path first and runs `<path> lsp`", async () => {
    const probe = fakeProbe({ "/opt/ddlguard --version": ok("0.1.0"), "ddlguard --version": ok("0.1.0") });
    const result = await discover(candidates({ path: "/opt/ddlguard", platform: "linux" }), probe, "0.1.0");
    assert.equal(result.server?.command, "/opt/ddlguard");
    assert.deepEqual(result.server?.args, ["lsp"]);
    assert.deepEqual(probe.calls, ["/opt/ddlguard --version"]);
  });

  it("runs the interpreter as `<python> -m ddlguard lsp`", async () => {
    const probe = fakeProbe({ "/venv/bin/python -P -m ddlguard --version": ok("0.2.0") });
    const result = await discover(candidates({ interpreter: "/venv/bin/python", platform: "linux" }), probe, "0.1.0");
    assert.deepEqual([result.server?.command, ...(result.server?.args ?? [])], ["/venv/bin/python", "-P", "-m", "ddlguard", "lsp"]);
    assert.deepEqual(result.server?.version, [0, 2, 0]);
  });

  it("stops at a configured setting that does not work instead of running another ddlguard", async () => {
    const probe = fakeProbe({ "/venv/bin/python -P -m ddlguard --version": noModule, "ddlguard --version": ok("0.1.0") });
    const result = await discover(candidates({ interpreter: "/venv/bin/python", platform: "linux" }), probe, "0.1.0");
    assert.equal(result.server, undefined);
    assert.deepEqual(probe.calls, ["/venv/bin/python -P -m ddlguard --version"]);
    assert.equal(result.summary, "ddlguard.interpreter (/venv/bin/python): ddlguard is not installed in /venv/bin/python");
  });

  it("falls through automatic candidates: Python extension without ddlguard, then PATH", async () => {
    const probe = fakeProbe({ "/env/python -P -m ddlguard --version": noModule, "ddlguard --version": ok("0.1.0") });
    const result = await discover(candidates({ pythonExtensionCommand: ["/env/python"], platform: "linux" }), probe, "0.1.0");
    assert.equal(result.server?.candidate.source, "path-ddlguard");
    assert.deepEqual(
      result.attempts.map((a) => [a.candidate.source, a.ok, a.reason]),
      [
        ["python-extension", false, "ddlguard is not installed in /env/python"],
        ["path-ddlguard", true, "ddlguard 0.1.0"],
      ],
    );
  });

  it("runs Python with -P, so the workspace (the server's current folder) is never on sys.path", () => {
    const list = candidates({ interpreter: "/venv/bin/python", pythonExtensionCommand: ["/env/python"], platform: "linux" });
    for (const c of list.filter((c) => c.prefix.includes("-m"))) {
      assert.deepEqual(c.prefix.slice(-3), ["-P", "-m", "ddlguard"], c.label);
    }
  });

  it("names a Python older than 3.11 (no -P) instead of its usage text", async () => {
    const old = { kind: "exit" as const, code: 2, stdout: "", stderr: "Unknown option: -P\nusage: python3 [option] ...\n" };
    const probe = fakeProbe({ "/py310/bin/python -P -m ddlguard --version": old });
    const result = await discover(candidates({ interpreter: "/py310/bin/python", platform: "linux" }), probe, "0.1.0");
    assert.equal(
      result.summary,
      "ddlguard.interpreter (/py310/bin/python): /py310/bin/python is older than Python 3.11, which ddlguard needs",
    );
  });

  it("falls back to python3 -m ddlguard last", async () => {
    const probe = fakeProbe({ "python3 -P -m ddlguard --version": ok("0.1.0") });
    const result = await discover(candidates({ platform: "linux" }), probe, "0.1.0");
    assert.deepEqual([result.server?.command, ...(result.server?.args ?? [])], ["python3", "-P", "-m", "ddlguard", "lsp"]);
    assert.deepEqual(probe.calls, ["ddlguard --version", "python3 -P -m ddlguard --version"]);
  });

  it("never uses a server older than the minimum, and names it when nothing else works", async () => {
    const probe = fakeProbe({ "ddlguard --version": ok("0.0.9") });
    const result = await discover(candidates({ platform: "linux" }), probe, "0.1.0");
    assert.equal(result.server, undefined);
    assert.match(result.summary ?? "", /^ddlguard on PATH: ddlguard 0\.0\.9 is older than 0\.1\.0/);
  });

  it("skips an old server for a newer one further down the list", async () => {
    const probe = fakeProbe({ "ddlguard --version": ok("0.0.9"), "python3 -P -m ddlguard --version": ok("0.1.1") });
    const result = await discover(candidates({ platform: "linux" }), probe, "0.1.0");
    assert.equal(result.server?.candidate.source, "path-python");
    assert.equal(result.attempts[0].ok, false);
  });

  it("explains each failure kind: missing, timeout, crash, unexpected output", async () => {
    const probe = fakeProbe({
      "ddlguard --version": { kind: "timeout" },
      "python3 -P -m ddlguard --version": { kind: "exit", code: 0, stdout: "hello\n", stderr: "" },
    });
    const result = await discover(candidates({ path: "", platform: "linux", pythonExtensionCommand: ["/nope/python"] }), probe, "0.1.0");
    assert.deepEqual(
      result.attempts.map((a) => a.reason),
      ["/nope/python not found", "ddlguard did not answer --version in time", 'unexpected --version output: "hello"'],
    );
    assert.equal(result.summary, "ddlguard is not installed in any environment VS Code can see");
  });
});

describe("process probe", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ddlguard-probe-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function script(name: string, body: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  }

  it("reads the version of a real executable", async function () {
    if (process.platform === "win32") {
      this.skip(); // shell scripts as executables are a POSIX test
    }
    const exe = script("ddlguard", 'echo "ddlguard 0.4.2"');
    const result = await discover(candidates({ path: exe, platform: process.platform }), processProbe(), "0.1.0");
    assert.deepEqual(result.server?.version, [0, 4, 2]);
    assert.deepEqual(result.server?.args, ["lsp"]);
  });

  it("reports a missing executable as not found", async () => {
    const missing = path.join(dir, "does-not-exist");
    const result = await discover(candidates({ path: missing, platform: process.platform }), processProbe(), "0.1.0");
    assert.equal(result.summary, `ddlguard.path (${missing}): ${missing} not found`);
  });

  it("reports a failing executable with its last stderr line", async function () {
    if (process.platform === "win32") {
      this.skip();
    }
    const exe = script("broken", 'echo "Traceback" >&2; echo "ImportError: pygls" >&2; exit 1');
    const result = await discover(candidates({ path: exe, platform: process.platform }), processProbe(), "0.1.0");
    assert.equal(result.attempts[0].reason, `${exe} failed: ImportError: pygls`);
  });

  it("gives up on an executable that hangs", async function () {
    if (process.platform === "win32") {
      this.skip();
    }
    const exe = script("hangs", "sleep 5");
    const started = Date.now();
    const result = await processProbe({ timeoutMs: 300 })(exe, ["--version"]);
    assert.deepEqual(result, { kind: "timeout" });
    assert.ok(Date.now() - started < 3000);
  });
});
