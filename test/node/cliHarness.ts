// Real processes and real sockets for the terminal peer tests: builds the CLI bundle once, spawns it
// (or nc), collects output, and waits for conditions with bounded timeouts and readable failures.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

/** Bundles src/cli/main.ts the way scripts/build.mjs does, so the tests run the current sources. */
export async function buildCli(): Promise<string> {
  const esbuild = await import('esbuild');
  const out = join(mkdtempSync(join(tmpdir(), 'udp-chat-cli-')), 'cli.js');
  await esbuild.build({
    entryPoints: [join(root, 'src', 'cli', 'main.ts')], outfile: out, bundle: true, platform: 'node', format: 'cjs',
    target: 'node20', logLevel: 'error', banner: { js: '#!/usr/bin/env node' },
  });
  return out;
}

export type JsonEvent = Record<string, unknown> & { event: string };

export class Proc {
  stdout = '';
  stderr = '';
  exitCode: number | null = null;
  exited: Promise<number | null>;

  constructor(readonly label: string, readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => { this.stdout += d; });
    child.stderr.on('data', (d: string) => { this.stderr += d; });
    child.stdin.on('error', () => { /* the process may be gone already */ });
    this.exited = new Promise((resolve) => child.on('close', (code) => { this.exitCode = code; resolve(code); }));
  }

  /** stdout lines parsed as JSON; a line that is not JSON fails the test (JSON mode writes nothing else). */
  get events(): JsonEvent[] {
    return this.stdout.split('\n').filter((l) => l !== '').map((l) => {
      try { return JSON.parse(l) as JsonEvent; } catch { throw new Error(`${this.label}: stdout line is not JSON: ${l}`); }
    });
  }

  of(event: string): JsonEvent[] { return this.events.filter((e) => e.event === event); }

  write(text: string): void { this.child.stdin.write(text); }
  end(): void { this.child.stdin.end(); }

  kill(): void {
    if (this.exitCode === null && this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  describe(): string {
    return `--- ${this.label} (exit ${this.exitCode}) stdout:\n${this.stdout.slice(-3000)}\n--- ${this.label} stderr:\n${this.stderr.slice(-2000)}`;
  }
}

export class Procs {
  private readonly all: Proc[] = [];

  start(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
    const p = new Proc(label, spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } }));
    this.all.push(p);
    return p;
  }

  /** Each terminal peer gets its own config folder (identity key, known people) unless `env` names one. */
  cli(cliPath: string, label: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
    return this.start(label, process.execPath, [cliPath, ...args], { UDP_CHAT_HOME: mkdtempSync(join(tmpdir(), 'udp-chat-home-')), ...env });
  }

  describe(): string { return this.all.map((p) => p.describe()).join('\n'); }

  async killAll(): Promise<void> {
    const procs = this.all.splice(0);
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => Promise.race([p.exited, sleep(2000)])));
  }

  /** Polls until `check` returns a truthy value; fails with `what` and every process's output. */
  async waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 8000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`);
      await sleep(25);
    }
  }

  async waitExit(p: Proc, timeoutMs = 8000): Promise<number | null> {
    const code = await Promise.race([p.exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
    if (code === 'timeout') throw new Error(`Timed out after ${timeoutMs} ms waiting for ${p.label} to exit\n${this.describe()}`);
    return code;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export { freeUdpPort as freePort } from '../support/udp';

export const STACK_TRACE = /^\s+at .+[(:]\d+/m;
