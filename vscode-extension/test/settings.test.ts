import * as assert from "node:assert/strict";
import { objectReader, toServerSettings } from "../src/core/settings";

describe("settings mapping", () => {
  it("sends only the defaults the server needs when nothing is set", () => {
    const { settings, problems } = toServerSettings(
      objectReader({ enable: true, select: [], ignore: [], severity: {}, scriptsDir: "", dialect: "", openFilesOnly: false }),
    );
    assert.deepEqual(settings, { enable: true, openFilesOnly: false });
    assert.deepEqual(problems, []);
  });

  it("defaults when keys are missing altogether", () => {
    assert.deepEqual(toServerSettings(objectReader({})).settings, { enable: true, openFilesOnly: false });
  });

  it("maps every setting onto the server's keys, normalised", () => {
    const { settings, problems } = toServerSettings(
      objectReader({
        enable: false,
        select: ["dg0", " DG101 ", "DG0"],
        ignore: ["DG005"],
        severity: { dg005: "Error", DG006: "info" },
        scriptsDir: " db/scripts ",
        dialect: "MySQL",
        openFilesOnly: true,
        path: "/ignored/by/the/server",
      }),
    );
    assert.deepEqual(settings, {
      enable: false,
      openFilesOnly: true,
      select: ["DG0", "DG101"],
      ignore: ["DG005"],
      severity: { DG005: "error", DG006: "info" },
      scriptsDir: "db/scripts",
      dialect: "mysql",
    });
    assert.deepEqual(problems, []);
  });

  it("accepts a comma-separated string for select", () => {
    assert.deepEqual(toServerSettings(objectReader({ select: "DG001,DG002" })).settings.select, ["DG001", "DG002"]);
  });

  it("drops invalid values and says why", () => {
    const { settings, problems } = toServerSettings(
      objectReader({
        enable: "yes",
        select: ["DG001", "E501", 3],
        ignore: 42,
        severity: { DG001: "fatal", E501: "error", DG002: "warning" },
        dialect: "cobol",
        scriptsDir: 7,
      }),
    );
    assert.deepEqual(settings, { enable: true, openFilesOnly: false, select: ["DG001"], severity: { DG002: "warning" } });
    assert.equal(problems.length, 8, problems.join("\n"));
    assert.ok(problems.some((p) => p.startsWith("ddlguard.enable:")));
    assert.ok(problems.some((p) => p.includes('"E501"')));
    assert.ok(problems.some((p) => p.startsWith("ddlguard.ignore:")));
    assert.ok(problems.some((p) => p.startsWith("ddlguard.severity.DG001:")));
    assert.ok(problems.some((p) => p.startsWith("ddlguard.dialect:") && p.includes("cobol")));
    assert.ok(problems.some((p) => p.startsWith("ddlguard.scriptsDir:")));
  });

  it("rejects a severity map that is not an object", () => {
    const { settings, problems } = toServerSettings(objectReader({ severity: ["DG001"] }));
    assert.equal(settings.severity, undefined);
    assert.equal(problems.length, 1);
  });
});
