import * as assert from "node:assert/strict";
import { isUnderVersionsFolder, looksLikeMigration } from "../src/core/migration";

const MIGRATION = `"""add active flag

Revision ID: 1a2b3c
"""
from alembic import op

revision = "1a2b3c"
down_revision: str | None = None


def upgrade() -> None:
    op.execute("UPDATE users SET active = true")
`;

describe("migration sniffing (decides when to start the server)", () => {
  it("recognises an Alembic migration", () => {
    assert.ok(looksLikeMigration(MIGRATION));
    assert.ok(looksLikeMigration(MIGRATION.replace(/\n/g, "\r\n")));
  });

  it("ignores ordinary Python files", () => {
    assert.equal(looksLikeMigration("def upgrade():\n    pass\n"), false);
    assert.equal(looksLikeMigration(MIGRATION.replace("down_revision", "parent")), false);
    assert.equal(looksLikeMigration("x = 1\n# revision = 'a'\n"), false);
  });

  it("recognises files in a versions folder", () => {
    assert.ok(isUnderVersionsFolder("backend/alembic/versions/0001_init.py"));
    assert.ok(isUnderVersionsFolder("C:\\app\\versions\\0001.py"));
    assert.equal(isUnderVersionsFolder("backend/versions.py"), false);
    assert.equal(isUnderVersionsFolder("versions/sub/x.py"), false);
  });
});
