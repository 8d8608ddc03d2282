// Entry point of the terminal peer (`udp-chat`, `node dist/cli.js`). Exit status: 0 normal end,
// 1 runtime error, 2 usage error. Never a stack trace: unexpected errors print one line.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs, usage } from './args';
import { runInteractive } from './interactive';
import { jsonEmitter, runJson } from './jsonMode';

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

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const parsed = parseArgs(argv, osUserName());
  const json = argv.includes('--json');
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
  const code = o.json
    ? await runJson(o, process.stdin, emit, (l) => process.stderr.write(`${l}\n`))
    : await runInteractive(o, process.stdin, process.stdout, process.stderr);
  exit(code);
}

void main();
