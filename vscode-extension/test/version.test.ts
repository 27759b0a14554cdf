import * as assert from "node:assert/strict";
import { checkVersion, compareVersions, MIN_SERVER_VERSION, parseVersion } from "../src/core/version";

describe("version check", () => {
  it("parses the output of ddlguard --version", () => {
    assert.deepEqual(parseVersion("ddlguard 0.1.0\n"), [0, 1, 0]);
    assert.deepEqual(parseVersion("ddlguard 1.12.3.dev4"), [1, 12, 3]);
    assert.deepEqual(parseVersion("ddlguard 2.0"), [2, 0, 0]);
    assert.equal(parseVersion("ddlguard: command not found"), undefined);
  });

  it("prefers the version after the program name over other numbers", () => {
    // A Python version printed first must not be taken for ddlguard's.
    assert.deepEqual(parseVersion("Python 3.11.2\nddlguard 0.2.1"), [0, 2, 1]);
    assert.deepEqual(parseVersion("ddlguard 0.2.1 (Python 3.11)"), [0, 2, 1]);
    assert.equal(parseVersion("no version here"), undefined);
  });

  it("compares numerically, not as text", () => {
    assert.ok(compareVersions([0, 10, 0], [0, 9, 0]) > 0);
    assert.ok(compareVersions([1, 0, 0], [0, 99, 99]) > 0);
    assert.equal(compareVersions([0, 1, 0], [0, 1, 0]), 0);
    assert.ok(compareVersions([0, 0, 9], [0, 1, 0]) < 0);
  });

  it("reports a server older than the minimum", () => {
    assert.deepEqual(checkVersion("ddlguard 0.0.9", "0.1.0"), { kind: "too-old", version: [0, 0, 9], minimum: [0, 1, 0] });
    assert.deepEqual(checkVersion("ddlguard 0.1.0", "0.1.0"), { kind: "ok", version: [0, 1, 0] });
    assert.deepEqual(checkVersion("ddlguard 0.3.0", "0.1.0"), { kind: "ok", version: [0, 3, 0] });
    assert.deepEqual(checkVersion("garbage\n", "0.1.0"), { kind: "unknown", output: "garbage" });
  });

  it("accepts the version this repository's server reports", () => {
    assert.equal(checkVersion(`ddlguard ${MIN_SERVER_VERSION}`).kind, "ok");
  });
});
