// Workspace Trust, the pure part (no vscode import, unit-tested): which udpChat.* settings a folder
// may not choose until the user trusts it, finding them in a settings file, and where Set Peer Address saves (what the user is told: trustNotices.ts).
//
// In Restricted Mode VS Code drops the workspace and folder values of the settings package.json lists
// under capabilities.untrustedWorkspaces.restrictedConfigurations: `get` returns the user value (or the
// default) and `inspect` shows no workspaceValue. The extension cannot ask VS Code which values it
// dropped, so it reads the settings file itself (workspaceTrust.ts) and compares with `inspect`.

/**
 * The settings a cloned repository could use against the user: where we send (peer), where we bind
 * (localAddress, localPort), whether and where we announce ourselves on the LAN (discoverable,
 * discoveryInterface), and who may start a conversation (whoCanReachMe). Keys without the section.
 * package.json's restrictedConfigurations must list exactly these (a unit test compares).
 */
export const RESTRICTED_KEYS = ['peer', 'localAddress', 'localPort', 'discoverable', 'discoveryInterface', 'whoCanReachMe'] as const;
export type RestrictedKey = typeof RESTRICTED_KEYS[number];

export const SECTION = 'udpChat';

/** A setting the folder sets and VS Code ignores because the folder is not trusted. */
export interface IgnoredSetting {
  /** Full id, e.g. "udpChat.peer". */
  readonly id: string;
  readonly key: RestrictedKey;
  /** The folder's value (from its settings file). */
  readonly value: unknown;
}

/** What `WorkspaceConfiguration.inspect` tells about one key (the fields used here). */
export interface InspectedValue {
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * JSON with comments and trailing commas (the settings.json dialect) parsed to a value; undefined when
 * it is not valid even so. Comments inside strings are kept.
 */
export function parseJsonc(text: string): unknown {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      // Copy the string as is, escapes included.
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      out += ' ';
    } else {
      out += c;
      i++;
    }
  }
  // Trailing commas: a comma followed (after white space) by } or ].
  out = out.replace(/,(\s*[}\]])/g, '$1');
  if (!out.trim()) return {};
  try { return JSON.parse(out); } catch { return undefined; }
}

/**
 * The restricted udpChat.* values a settings object sets (a .vscode/settings.json, or the "settings"
 * of a .code-workspace file), in RESTRICTED_KEYS order. Dotted keys only: that is how settings files
 * name them (a nested {"udpChat": {...}} object is not a setting).
 */
export function restrictedValuesIn(settings: unknown): Map<RestrictedKey, unknown> {
  const found = new Map<RestrictedKey, unknown>();
  if (!settings || typeof settings !== 'object' || Array.isArray(settings)) return found;
  const obj = settings as Record<string, unknown>;
  for (const key of RESTRICTED_KEYS) {
    const id = `${SECTION}.${key}`;
    if (Object.prototype.hasOwnProperty.call(obj, id) && obj[id] !== undefined && obj[id] !== null) found.set(key, obj[id]);
  }
  return found;
}

/**
 * The folder's values that do not apply: set in the file, absent from what VS Code applies (`inspect`
 * shows neither a workspace nor a folder value). A trusted folder (or VS Code with trust turned off)
 * shows the file's values through `inspect`, so nothing is reported then.
 */
export function ignoredSettings(found: Map<RestrictedKey, unknown>, inspect: (key: RestrictedKey) => InspectedValue | undefined): IgnoredSetting[] {
  const out: IgnoredSetting[] = [];
  for (const [key, value] of found) {
    const seen = inspect(key);
    if (seen?.workspaceValue !== undefined || seen?.workspaceFolderValue !== undefined) continue;
    out.push({ id: `${SECTION}.${key}`, key, value });
  }
  return out;
}


export function shownValue(value: unknown): string {
  return typeof value === 'string' ? (value === '' ? '""' : value) : JSON.stringify(value);
}

/**
 * Where Set Peer Address (and the local port prompt) saves: the workspace settings when a folder is open
 * and trusted; the user settings otherwise (a restricted setting written to an untrusted folder would be
 * ignored at once, so the session could not use what the user just typed).
 */
export function settingsTarget(hasFolder: boolean, trusted: boolean, key: string): 'workspace' | 'user' {
  if (!hasFolder) return 'user';
  if (!trusted && (RESTRICTED_KEYS as readonly string[]).includes(key)) return 'user';
  return 'workspace';
}
