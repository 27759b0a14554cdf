/**
 * A cheap textual test for "this Python file is an Alembic migration", used only to decide
 * whether to start the server in a workspace without alembic.ini (so activation on every
 * Python project stays cheap). The server does the real detection.
 */
const REVISION = /^revision\s*(?::[^=\n]*)?=/m;
const DOWN_REVISION = /^down_revision\s*(?::[^=\n]*)?=/m;
const UPGRADE = /^def\s+upgrade\s*\(/m;

export function looksLikeMigration(text: string): boolean {
  return REVISION.test(text) && DOWN_REVISION.test(text) && UPGRADE.test(text);
}

/** Whether a path names a Python file directly inside a `versions` folder (Alembic's layout). */
export function isUnderVersionsFolder(path: string): boolean {
  return /(^|[\\/])versions[\\/][^\\/]+\.py$/.test(path);
}
