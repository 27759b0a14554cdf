/**
 * Version check of the server: `ddlguard --version` prints `ddlguard X.Y.Z`. An older server
 * than the extension supports is reported rather than used, because its protocol (code action
 * kinds, settings) may not match what the extension sends.
 */

/** Oldest ddlguard whose language server this extension works with. */
export const MIN_SERVER_VERSION = "0.1.0";

export type Version = readonly [number, number, number];

/** The version in the output of `ddlguard --version` (`ddlguard X.Y[.Z]`, else the first `X.Y[.Z]`). */
export function parseVersion(output: string): Version | undefined {
  const match = /\bddlguard\s+v?(\d+)\.(\d+)(?:\.(\d+))?/i.exec(output) ?? /(?:^|[^\d.])(\d+)\.(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) {
    return undefined;
  }
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

/** Negative, zero or positive like a comparator. */
export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) {
      return a[i] - b[i];
    }
  }
  return 0;
}

export function formatVersion(v: Version): string {
  return v.join(".");
}

export type VersionVerdict =
  { kind: "ok"; version: Version } | { kind: "too-old"; version: Version; minimum: Version } | { kind: "unknown"; output: string };

/** Judges the output of `--version` against the minimum this extension supports. */
export function checkVersion(output: string, minimum: string = MIN_SERVER_VERSION): VersionVerdict {
  const version = parseVersion(output);
  const min = parseVersion(minimum);
  if (!min) {
    throw new Error(`invalid minimum version ${minimum}`);
  }
  if (!version) {
    return { kind: "unknown", output: output.trim() };
  }
  if (compareVersions(version, min) < 0) {
    return { kind: "too-old", version, minimum: min };
  }
  return { kind: "ok", version };
}
