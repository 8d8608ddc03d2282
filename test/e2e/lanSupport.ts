// Helpers for the LAN end-to-end tests (lan.test.ts): the private network namespace they run in
// (test/lab/loopns.sh), terminal peers (the real CLI bundle in LAN mode, JSON events), the chat
// view's roster, and the roster's text contrast.
import * as assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { FrameLocator } from 'playwright-core';
import type { TextSample } from './a11y';
import { repoRoot } from './harness';
import { exactText, waitFor } from './support';

/** The interface loopns.sh gives the namespace (a veth pair whose ends both stay inside). */
export const LAN_INTERFACE = 'lan0';
export const LAN_ADDRESS = '10.80.0.1';
export const LOOPNS = path.join(repoRoot, 'test', 'lab', 'loopns.sh');

/** This process's network namespace (e.g. "net:[4026531840]"). */
export function netNamespace(): string { return fs.readlinkSync('/proc/self/ns/net'); }

/**
 * Throws unless this process runs in a network namespace other than `outside` (the namespace of
 * the process that made it) and that namespace is loopns.sh's: discovery must never be switched on
 * anywhere else.
 */
export function assertInPrivateNamespace(outside: string | undefined): void {
  assert.ok(outside, 'the namespace of the launching process is unknown (UDP_CHAT_LOOPNS_OUTSIDE): refusing to turn discovery on');
  assert.notEqual(netNamespace(), outside, 'this process runs in the launching process\'s network namespace: refusing to turn discovery on');
  const nets = os.networkInterfaces();
  const names = Object.keys(nets).sort();
  assert.ok(names.every((n) => n === 'lo' || n === 'lan0' || n === 'lan1'), `unexpected interfaces in the namespace: ${names.join(', ')}`);
  assert.ok((nets[LAN_INTERFACE] ?? []).some((a) => a.address === LAN_ADDRESS), `${LAN_INTERFACE} lacks ${LAN_ADDRESS} (not a loopns.sh namespace?)`);
}

export type CliEvent = Record<string, unknown> & { event: string };

/** The terminal peer (node dist/cli.js --json) in LAN mode, discovering on the namespace's lan0. */
export class TerminalPeer {
  readonly events: CliEvent[] = [];
  readonly garbage: string[] = [];
  stderr = '';
  exitCode: number | null = null;
  readonly exited: Promise<void>;
  readonly child: ChildProcessWithoutNullStreams;
  readonly home: string;

  constructor(readonly name: string, readonly port: number) {
    this.home = fs.mkdtempSync(path.join(os.tmpdir(), 'udp-chat-e2e-cli-'));
    const cli = path.join(repoRoot, 'dist', 'cli.js');
    this.child = spawn(process.execPath, [cli, '--json', '--interface', LAN_INTERFACE, '--name', name, '--port', String(port)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', UDP_CHAT_HOME: this.home, UDP_CHAT_PASSPHRASE: '' },
    });
    createInterface({ input: this.child.stdout }).on('line', (l) => {
      try {
        const v = JSON.parse(l) as unknown;
        if (v && typeof v === 'object' && typeof (v as { event?: unknown }).event === 'string') this.events.push(v as CliEvent);
        else this.garbage.push(l);
      } catch { this.garbage.push(l); }
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (d: string) => { this.stderr += d; });
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => this.child.on('close', (code) => { this.exitCode = code; resolve(); }));
  }

  of(event: string): CliEvent[] { return this.events.filter((e) => e.event === event); }

  /** Message events with this text (group: only those of that group; undefined: one-to-one only). */
  messages(text: string, group?: string): CliEvent[] {
    return this.of('message').filter((e) => e.text === text && (group === undefined ? e.group === undefined : e.group === group));
  }

  send(line: Record<string, unknown>): void { this.child.stdin.write(`${JSON.stringify(line)}\n`); }

  async waitEvent(what: string, pick: (e: CliEvent) => boolean, timeoutMs = 20_000): Promise<CliEvent> {
    return waitFor(`${this.name}: ${what}`, () => this.events.find(pick), timeoutMs).catch((e: Error) => {
      throw new Error(`${e.message}\n${this.describe()}`);
    });
  }

  describe(last = 30): string {
    return `--- ${this.name} (exit ${this.exitCode}, ${this.events.length} events):\n${this.events.slice(-last).map((e) => JSON.stringify(e)).join('\n')}`
      + `${this.garbage.length ? `\nnon-JSON: ${this.garbage.slice(0, 5).join(' | ')}` : ''}\nstderr: ${this.stderr.slice(-1500)}`;
  }

  /** Ends it (stdin closed: goodbye), then kills what is left; removes its home. */
  async stop(): Promise<void> {
    if (this.exitCode === null) this.child.stdin.end();
    const late = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    await Promise.race([this.exited, late(3000)]);
    if (this.exitCode === null && this.child.exitCode === null) this.child.kill('SIGKILL');
    await Promise.race([this.exited, late(2000)]);
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}

// ---- the roster in the chat view ----

/** The roster's option for a person (or, with kind 'group', a group) whose name is exactly `name`. */
export function rosterOption(frame: FrameLocator, name: string, kind: 'person' | 'group' = 'person') {
  return frame.locator(`nav.roster .roster-item[data-kind="${kind}"]`).filter({ has: frame.locator('.roster-name', { hasText: exactText(name) }) });
}

/** Opens the list of conversations if it is closed. */
export async function openRoster(frame: FrameLocator): Promise<void> {
  const toggle = frame.locator('nav.roster .roster-toggle');
  await toggle.waitFor({ timeout: 15_000 });
  // The list opens by itself once there is more than one conversation: a click read against an
  // older state would close it again. Click only while it stays closed, and look again.
  const open = frame.locator('nav.roster .roster-toggle[aria-expanded="true"]');
  for (let i = 0; i < 10; i++) {
    if (await open.isVisible().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 300));
    if (await open.isVisible().catch(() => false)) return;
    if ((await toggle.getAttribute('aria-expanded').catch(() => null)) !== 'true') await toggle.click().catch(() => undefined);
    await open.waitFor({ timeout: 1_500 }).catch(() => undefined);
  }
  await open.waitFor({ timeout: 5_000 });
}

/** What the roster says, for failure messages. */
export async function describeRoster(frame: FrameLocator): Promise<string> {
  return frame.locator('nav.roster').evaluate((n) => (n as HTMLElement).innerText.replace(/\s+/g, ' ').trim()).catch((e: Error) => `(no roster: ${e.message.split('\n')[0]})`);
}

/**
 * Every visible text of the roster with its colour and the backgrounds behind it (as a11y.ts
 * collectTexts does for the conversation), named by its part: "name", "detail", "badge", "tag",
 * "heading", "toggle", "summary", "empty"; "selected …" inside the option of the conversation shown.
 */
export function collectRosterTexts(frame: FrameLocator): Promise<TextSample[]> {
  return frame.locator('nav.roster').evaluate((nav) => {
    const opaque = (c: string) => {
      const m = c.match(/[\d.]+/g) ?? [];
      return m.length >= 3 && (m.length < 4 || Number(m[3]) >= 1);
    };
    const backgroundsOf = (el: Element) => {
      const out: string[] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const bg = getComputedStyle(e).backgroundColor;
        out.push(bg);
        if (opaque(bg)) break;
      }
      return out;
    };
    const partOf = (el: Element): string => {
      for (const [sel, name] of [
        ['.roster-badge', 'badge'], ['.roster-tag', 'tag'], ['.roster-detail', 'detail'], ['.roster-name', 'name'], ['.roster-heading', 'heading'],
        ['.roster-summary', 'summary'], ['.roster-title', 'toggle'], ['.roster-empty', 'empty'], ['button', 'button'],
      ] as const) if (el.closest(sel)) return name;
      return 'other';
    };
    const samples: Array<{ kind: string; text: string; color: string; backgrounds: string[] }> = [];
    const walker = document.createTreeWalker(nav, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = (n.textContent ?? '').trim();
      const el = n.parentElement;
      if (!text || !el || el.closest('.visually-hidden, [hidden], [aria-hidden="true"]')) continue;
      if (el.getClientRects().length === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      const option = el.closest('[role="option"]');
      const kind = `${option?.getAttribute('aria-selected') === 'true' ? 'selected ' : ''}${partOf(el)}`;
      samples.push({ kind, text: text.slice(0, 50), color: getComputedStyle(el).color, backgrounds: backgroundsOf(el) });
    }
    return samples;
  });
}

