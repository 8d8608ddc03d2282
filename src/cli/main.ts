// Entry point of the terminal peer (`udp-chat`, `node dist/cli.js`). Exit status: 0 normal end,
// 1 runtime error, 2 usage error. Never a stack trace: unexpected errors print one line.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { derivePskAsync } from '../core/noise';
import { TrustStore } from '../core/trust';
import { defaultIdentityPath, FileGroupStorage, FileTrustStorage, groupsPathFor, loadOrCreateIdentity, trustPathFor } from './identityFile';
import type { CliOptions } from './args';
import { parseArgs, usage } from './args';
import { runInteractive } from './interactive';
import { jsonEmitter, runJson } from './jsonMode';

/** Same minimum as the extension's Set Passphrase. */
const MIN_PASSPHRASE_LENGTH = 8;

/** The version in the package.json above the bundle (dist/cli.js → ../package.json). */
function version(): string {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'udp-chat' && pkg.version) return pkg.version;
    } catch { /* not here */ }
    dir = dirname(dir);
  }
  return 'unknown';
}

function osUserName(): string {
  try {
    return userInfo().username || process.env.USER || 'me';
  } catch {
    return process.env.USER || process.env.USERNAME || 'me';
  }
}

function exit(code: number): void {
  // Let stdout drain (it may be a pipe) before leaving.
  process.stdout.write('', () => process.exit(code));
}

type PassResult = { ok: true; passphrase?: string } | { ok: false; error: string; usage?: boolean };

/** From --passphrase-file, --passphrase (terminal prompt) or UDP_CHAT_PASSPHRASE; none means unencrypted. */
async function readPassphrase(o: CliOptions): Promise<PassResult> {
  let p: string | undefined;
  if (o.passphraseFile) {
    try {
      p = readFileSync(o.passphraseFile, 'utf8').split(/\r?\n/)[0];
    } catch (e) {
      return { ok: false, error: `cannot read the passphrase file ${o.passphraseFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
  } else if (o.passphrasePrompt) {
    if (!process.stdin.isTTY) return { ok: false, error: '--passphrase needs a terminal to ask on; use --passphrase-file or UDP_CHAT_PASSPHRASE.', usage: true };
    p = await promptHidden('Passphrase: ');
  } else if (process.env.UDP_CHAT_PASSPHRASE) {
    p = process.env.UDP_CHAT_PASSPHRASE;
  }
  if (p === undefined) return { ok: true };
  if (o.plain) return { ok: false, error: '--plain cannot be encrypted: unset UDP_CHAT_PASSPHRASE or drop --plain.', usage: true };
  if (p.length < MIN_PASSPHRASE_LENGTH) return { ok: false, error: `the passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters.` };
  return { ok: true, passphrase: p };
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    process.stderr.write(prompt);
    const stdin = process.stdin;
    stdin.setRawMode(true);
    stdin.resume();
    let text = '';
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.removeListener('data', onData);
          process.stderr.write('\n');
          resolve(text);
          return;
        }
        if (ch === '\u0003') { process.stderr.write('\n'); process.exit(130); }
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const parsed = parseArgs(argv, osUserName());
  // Errors are JSON events when --json was asked for (before a `--`, which ends the options).
  const optionsEnd = argv.indexOf('--');
  const json = (optionsEnd < 0 ? argv : argv.slice(0, optionsEnd)).includes('--json');
  const emit = jsonEmitter(process.stdout);
  const fatal = (what: unknown) => {
    const message = what instanceof Error ? what.message : String(what);
    if (json) emit({ event: 'error', code: 'EINTERNAL', message });
    process.stderr.write(`udp-chat: internal error: ${message}\n`);
    exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  // A closed stdout (piped into head, a test that went away) is not worth a crash.
  process.stdout.on('error', () => process.exit(0));

  if (!parsed.ok) {
    if (json) emit({ event: 'error', code: 'EUSAGE', message: parsed.error });
    process.stderr.write(`udp-chat: ${parsed.error}\n\n${usage()}\n`);
    exit(2);
    return;
  }
  const o = parsed.options;
  if (o.help) { process.stdout.write(`${usage()}\n`); exit(0); return; }
  if (o.version) { process.stdout.write(`udp-chat ${version()}\n`); exit(0); return; }
  const pass = await readPassphrase(o);
  if (!pass.ok) {
    if (json) emit({ event: 'error', code: 'EPASSPHRASE', message: pass.error });
    process.stderr.write(`udp-chat: ${pass.error}\n`);
    exit(pass.usage ? 2 : 1);
    return;
  }
  if (pass.passphrase !== undefined) o.psk = await derivePskAsync(pass.passphrase);
  let groups: FileGroupStorage | undefined;
  if (!o.plain) {
    const path = o.identityPath ?? defaultIdentityPath();
    try {
      const loaded = loadOrCreateIdentity(path);
      o.identity = loaded.identity;
      const storage = new FileTrustStorage(trustPathFor(path));
      o.trust = new TrustStore(storage);
      groups = new FileGroupStorage(groupsPathFor(path));
      for (const w of [loaded.warning, storage.warning]) if (w) process.stderr.write(`udp-chat: warning: ${w}\n`);
    } catch (e) {
      const message = (e as Error).message;
      if (json) emit({ event: 'error', code: 'EIDENTITY', message });
      process.stderr.write(`udp-chat: ${message}\n`);
      exit(1);
      return;
    }
  }
  // The groups file is read when the service starts; a warning about it is known only then.
  const groupStorage = groups && {
    load: () => {
      const text = groups.load();
      if (groups.warning) process.stderr.write(`udp-chat: warning: ${groups.warning}\n`);
      return text;
    },
    save: (data: string) => groups.save(data),
  };
  const code = o.json
    ? await runJson(o, process.stdin, emit, (l) => process.stderr.write(`${l}\n`), groupStorage)
    : await runInteractive(o, process.stdin, process.stdout, process.stderr, groupStorage);
  exit(code);
}

void main();
