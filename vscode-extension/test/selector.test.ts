import * as assert from "node:assert/strict";
import { documentSelector } from "../src/core/selector";

describe("document selector", () => {
  it("sends Python files and scripts/sql files from disk only", () => {
    assert.deepEqual(documentSelector(), [
      { scheme: "file", language: "python" },
      { scheme: "file", language: "sql", pattern: "**/scripts/sql/**/*.sql" },
    ]);
  });

  it("adds each configured scriptsDir once, normalised", () => {
    const selector = documentSelector(["./db/data/", "db\\data", "", undefined, "scripts/sql"]);
    assert.deepEqual(
      selector.map((f) => f.pattern),
      [undefined, "**/scripts/sql/**/*.sql", "**/db/data/**/*.sql"],
    );
  });

  it("never widens the selector with glob characters or parent folders", () => {
    const selector = documentSelector(["**", "../outside", "{a,b}"]);
    assert.deepEqual(
      selector.map((f) => f.pattern),
      [undefined, "**/scripts/sql/**/*.sql", "**/a,b/**/*.sql"],
    );
    assert.ok(selector.every((f) => f.scheme === "file"));
  });
});
