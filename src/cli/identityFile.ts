// The terminal peer's identity key and known people, in files: the key in a file only its owner can
// read (mode 0600, like ~/.ssh/id_*), known people beside it (like known_hosts).
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Identity } from '../core/identity';
import { decodeIdentity, encodeIdentity, IdentityError, newIdentity } from '../core/identity';
import type { TrustData, TrustStorage } from '../core/trust';

/** $UDP_CHAT_HOME, else $XDG_CONFIG_HOME/udp-chat, else %APPDATA%\udp-chat on Windows, else ~/.config/udp-chat. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.UDP_CHAT_HOME) return env.UDP_CHAT_HOME;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'udp-chat');
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'udp-chat');
  return join(homedir(), '.config', 'udp-chat');
}

export function defaultIdentityPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'identity.json');
}

/** Known people live beside the identity they were met with. */
export function trustPathFor(identityPath: string): string {
  return `${identityPath.replace(/\.json$/i, '')}.known-people.json`;
}

/** Groups live beside the identity too (the group book of spec section 2: members are person ids of keys). */
export function groupsPathFor(identityPath: string): string {
  return `${identityPath.replace(/\.json$/i, '')}.groups.json`;
}

export interface LoadedIdentity { identity: Identity; created: boolean; path: string; warning?: string }

/**
 * Reads the identity file, or creates it (0600, in a 0700 folder) when it does not exist. A file
 * that exists but cannot be read or parsed is an error: it is never replaced (that would silently
 * change who you are to everyone who knows you).
 */
export function loadOrCreateIdentity(path: string): LoadedIdentity {
  if (!existsSync(path)) {
    const identity = newIdentity();
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${encodeIdentity(identity)}\n`, { mode: 0o600, flag: 'wx' });
    try {
      // link() fails if the file exists: two peers started at once cannot both create one and
      // then run with different keys; the loser reads the winner's (complete) file below.
      linkSync(tmp, path);
      return { identity, created: true, path };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new IdentityError(`cannot create the identity file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    } finally {
      try { unlinkSync(tmp); } catch { /* already gone */ }
    }
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new IdentityError(`cannot read the identity file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let identity: Identity;
  try {
    identity = decodeIdentity(text);
  } catch (e) {
    throw new IdentityError(`the identity file ${path} is damaged (${(e as Error).message}). Move it away to create a new identity; people who know you will see a key-change warning.`);
  }
  let warning: string | undefined;
  if (process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) {
      try { chmodSync(path, 0o600); warning = `the identity file ${path} was readable by others (mode ${mode.toString(8)}); it is now 600.`; } catch {
        warning = `the identity file ${path} is readable by others (mode ${mode.toString(8)}): run chmod 600 on it.`;
      }
    }
  }
  return { identity, created: false, path, warning };
}

/** Known people in a JSON file; a damaged file is set aside, never trusted, never silently lost. */
export class FileTrustStorage implements TrustStorage {
  warning?: string;
  constructor(private readonly path: string) {}

  load(): TrustData | undefined {
    if (!existsSync(this.path)) return undefined;
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as TrustData;
    } catch (e) {
      const aside = `${this.path}.damaged-${Date.now()}`;
      try { renameSync(this.path, aside); } catch { /* keep it where it is */ }
      this.warning = `the known-people file ${this.path} could not be read (${(e as Error).message}); it was moved to ${aside} and everyone counts as new.`;
      return undefined;
    }
  }

  save(data: TrustData): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(data, null, 1)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}

/**
 * The groups in a file only its owner can read (0600): written whole to a temporary file, then
 * renamed over the old one, so a crash leaves either the old or the new file, never half of one.
 */
export class FileGroupStorage {
  warning?: string;
  constructor(readonly path: string) {}

  load(): string | undefined {
    try {
      return readFileSync(this.path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.warning = `cannot read the groups file ${this.path} (${code ?? (e as Error).message}); starting without groups, and it is not overwritten until a group changes.`;
      return undefined;
    }
  }

  save(data: string): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    try { unlinkSync(tmp); } catch { /* none left over */ }
    writeFileSync(tmp, data.endsWith('\n') ? data : `${data}\n`, { mode: 0o600, flag: 'wx' });
    if (process.platform !== 'win32') chmodSync(tmp, 0o600); // a umask cannot widen it, but be explicit
    renameSync(tmp, this.path);
  }
}
