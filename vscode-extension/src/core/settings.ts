/**
 * Maps the `ddlguard.*` settings of VS Code onto the object the server receives, both as
 * `initializationOptions` and as the answer to `workspace/configuration` (section `ddlguard`).
 *
 * The server owns the meaning of each key (the project's `[tool.ddlguard]` wins over these);
 * this module only normalises what users can type in settings.json so the server gets clean
 * values, and reports what it dropped. Empty values are left out so the server's defaults apply.
 */

export type Severity = "error" | "warning" | "info";

export const DIALECTS = ["postgresql", "mysql", "sqlite", "mssql", "oracle", "generic"] as const;
export type Dialect = (typeof DIALECTS)[number];

/** What the server receives. Keys are the VS Code setting names (camelCase). */
export interface ServerSettings {
  enable: boolean;
  openFilesOnly: boolean;
  select?: string[];
  ignore?: string[];
  severity?: Record<string, Severity>;
  scriptsDir?: string;
  dialect?: Dialect;
}

export interface MappedSettings {
  settings: ServerSettings;
  /** Human-readable reasons for values that were dropped, for the output channel. */
  problems: string[];
}

/** Read access to a settings section, like `vscode.WorkspaceConfiguration.get`. */
export type SettingsReader = (key: string) => unknown;

const CODE = /^DG\d{0,3}$/;
const SEVERITIES: readonly string[] = ["error", "warning", "info"];

function codes(key: string, raw: unknown, problems: string[]): string[] | undefined {
  if (raw === undefined || raw === null) {
    return undefined;
  }
  const items = typeof raw === "string" ? raw.split(",") : raw;
  if (!Array.isArray(items)) {
    problems.push(`ddlguard.${key}: expected a list of rule codes, got ${JSON.stringify(raw)}`);
    return undefined;
  }
  const out: string[] = [];
  for (const item of items) {
    const code = typeof item === "string" ? item.trim().toUpperCase() : "";
    if (CODE.test(code)) {
      if (!out.includes(code)) {
        out.push(code);
      }
    } else {
      problems.push(`ddlguard.${key}: ignored ${JSON.stringify(item)} (not a rule code like DG001)`);
    }
  }
  return out.length > 0 ? out : undefined;
}

function severities(raw: unknown, problems: string[]): Record<string, Severity> | undefined {
  if (raw === undefined || raw === null) {
    return undefined;
  }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    problems.push(`ddlguard.severity: expected an object like {"DG005": "error"}`);
    return undefined;
  }
  const out: Record<string, Severity> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const code = key.trim().toUpperCase();
    const sev = typeof value === "string" ? value.trim().toLowerCase() : "";
    if (!/^DG\d{3}$/.test(code)) {
      problems.push(`ddlguard.severity: ignored ${JSON.stringify(key)} (not a rule code like DG001)`);
    } else if (!SEVERITIES.includes(sev)) {
      problems.push(`ddlguard.severity.${code}: ignored ${JSON.stringify(value)} (use error, warning or info)`);
    } else {
      out[code] = sev as Severity;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function nonEmpty(key: string, raw: unknown, problems: string[]): string | undefined {
  if (raw === undefined || raw === null) {
    return undefined;
  }
  if (typeof raw !== "string") {
    problems.push(`ddlguard.${key}: expected a string`);
    return undefined;
  }
  const value = raw.trim();
  return value === "" ? undefined : value;
}

function bool(key: string, raw: unknown, fallback: boolean, problems: string[]): boolean {
  if (raw === undefined || raw === null) {
    return fallback;
  }
  if (typeof raw !== "boolean") {
    problems.push(`ddlguard.${key}: expected true or false, using ${fallback}`);
    return fallback;
  }
  return raw;
}

/** Builds the server's settings from a reader over the `ddlguard` section. */
export function toServerSettings(get: SettingsReader): MappedSettings {
  const problems: string[] = [];
  const settings: ServerSettings = {
    enable: bool("enable", get("enable"), true, problems),
    openFilesOnly: bool("openFilesOnly", get("openFilesOnly"), false, problems),
  };
  const select = codes("select", get("select"), problems);
  if (select) {
    settings.select = select;
  }
  const ignore = codes("ignore", get("ignore"), problems);
  if (ignore) {
    settings.ignore = ignore;
  }
  const severity = severities(get("severity"), problems);
  if (severity) {
    settings.severity = severity;
  }
  const scriptsDir = nonEmpty("scriptsDir", get("scriptsDir"), problems);
  if (scriptsDir) {
    settings.scriptsDir = scriptsDir;
  }
  const dialect = nonEmpty("dialect", get("dialect"), problems)?.toLowerCase();
  if (dialect !== undefined) {
    if ((DIALECTS as readonly string[]).includes(dialect)) {
      settings.dialect = dialect as Dialect;
    } else {
      problems.push(`ddlguard.dialect: ignored ${JSON.stringify(dialect)} (use one of ${DIALECTS.join(", ")})`);
    }
  }
  return { settings, problems };
}

/** A reader over a plain object (what `workspace.getConfiguration` returns, or a test's literal). */
export function objectReader(section: Record<string, unknown>): SettingsReader {
  return (key) => section[key];
}

/**
 * Settings whose change needs a new server process (or, for scriptsDir, a new document selector)
 * rather than a configuration refresh.
 */
export const RESTART_SETTINGS = ["ddlguard.path", "ddlguard.interpreter", "ddlguard.enable", "ddlguard.scriptsDir"] as const;
