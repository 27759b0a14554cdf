import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { RESTART_SETTINGS } from "../src/core/settings";

// Compiled to out/test/: the manifest is two folders up.
const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8"));
const properties: Record<string, { default?: unknown; description?: string; markdownDescription?: string }> =
  manifest.contributes.configuration.properties;

describe("package.json contract", () => {
  it("declares every setting with a default and a description", () => {
    const expected = [
      "enable",
      "select",
      "ignore",
      "severity",
      "scriptsDir",
      "dialect",
      "openFilesOnly",
      "path",
      "interpreter",
      "trace.server",
    ];
    assert.deepEqual(Object.keys(properties).sort(), expected.map((k) => `ddlguard.${k}`).sort());
    for (const [key, spec] of Object.entries(properties)) {
      assert.ok("default" in spec, `${key} has no default`);
      assert.ok((spec.description ?? spec.markdownDescription ?? "").length > 20, `${key} has no description`);
    }
  });

  it("restarts on settings that exist", () => {
    for (const key of RESTART_SETTINGS) {
      assert.ok(key in properties, key);
    }
  });

  it("activates on Alembic projects and Python files only", () => {
    assert.deepEqual(manifest.activationEvents, ["workspaceContains:**/alembic.ini", "onLanguage:python"]);
  });

  it("contributes the four commands", () => {
    const titles = manifest.contributes.commands.map((c: { command: string; title: string }) => `${c.command}: ${c.title}`);
    assert.deepEqual(titles, [
      "ddlguard.restart: Restart Server",
      "ddlguard.showOutput: Show Output",
      "ddlguard.checkWorkspace: Check Workspace",
      "ddlguard.moveAll: Move All Data Operations in This File",
    ]);
  });

  it("never depends on the Python extension", () => {
    assert.equal(manifest.extensionDependencies, undefined);
    assert.equal(manifest.extensionPack, undefined);
  });

  it("points main at the esbuild bundle and ships an icon", () => {
    assert.equal(manifest.main, "./dist/extension.js");
    assert.ok(fs.existsSync(path.resolve(__dirname, "../..", manifest.icon)));
  });
});
