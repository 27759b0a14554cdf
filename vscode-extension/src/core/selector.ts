/**
 * Which documents the server gets: Python files on disk (the server decides which are
 * migrations) and SQL files in a scripts folder (`scripts/sql`, or `ddlguard.scriptsDir`), for
 * the DG4xx checks. Untitled and virtual documents never match: the `file` scheme is required.
 */

export interface DocumentFilter {
  scheme: "file";
  language: "python" | "sql";
  pattern?: string;
}

function globSafe(dir: string): string {
  // Settings may say `./db/scripts/` or `db\scripts`: normalise to a relative glob segment.
  return dir
    .trim()
    .replace(/\\/g, "/")
    .replace(/^\.\//, "")
    .replace(/^\/+|\/+$/g, "")
    .replace(/[[\]{}?*!]/g, "");
}

export function documentSelector(scriptsDirs: readonly (string | undefined)[] = []): DocumentFilter[] {
  const dirs = ["scripts/sql"];
  for (const dir of scriptsDirs) {
    const clean = dir ? globSafe(dir) : "";
    if (clean && !clean.split("/").includes("..") && !dirs.includes(clean)) {
      dirs.push(clean);
    }
  }
  return [
    { scheme: "file", language: "python" },
    ...dirs.map((dir): DocumentFilter => ({ scheme: "file", language: "sql", pattern: `**/${dir}/**/*.sql` })),
  ];
}
