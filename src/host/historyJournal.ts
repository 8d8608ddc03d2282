// The conversation on disk: an append-only journal of JSON lines (no `vscode` here, so it is tested
// with real files). Saving a message appends one line, so its cost is that message's size; a torn
// write loses at most that last line. The file is rewritten (temporary file + rename) only to
// compact it. A file that does not load cleanly is never overwritten: it is renamed aside, what
// can be read is recovered, and the caller is told where the damaged file is.
//
// Format (docs/PROTOCOL.md has the wire; this is local storage only):
//   line 1      {"udpChatHistory":2}
//   then        {"add":<entry>} | {"set":{"id":…,"status"?:…,"uid"?:…}} | {"clear":true}
// Each batch of lines is written as "\n" + lines joined by "\n": a torn earlier batch ends as one
// bad line instead of spoiling the next.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChatEntry, DeliveryStatus } from '../shared/protocol';
import * as vscode from 'vscode';

export const JOURNAL_VERSION = 2;
export const JOURNAL_FILE = 'history.jsonl';
/** The first version's single JSON file, migrated on first load. */
export const LEGACY_FILE = 'history.json';

export type HistoryRecord =
  | { add: ChatEntry }
  | { set: { id: string; status?: DeliveryStatus; uid?: string; to?: string; delivery?: { label: string; tooltip: string } } }
  | { clear: true };

export interface LoadResult {
  entries: ChatEntry[];
  /** Set when something could not be read: what happened and where the damaged file was kept. */
  problem?: string;
  /** Where the damaged or foreign file was moved, if it was. */
  setAside?: string;
}

const HEADER = JSON.stringify({ udpChatHistory: JOURNAL_VERSION });
const STATUSES = new Set(['queued', 'sending', 'delivered', 'failed', 'unsent', 'unconfirmed', 'textSent']);

export function isEntry(x: unknown): x is ChatEntry {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return typeof e.id === 'string' && typeof e.text === 'string' && typeof e.time === 'number' && (e.kind === 'own' || e.kind === 'peer' || e.kind === 'notice')
    && (e.status === undefined || STATUSES.has(e.status as string));
}

/** Applies one record to the entries (in order, by id). Returns false when the record is not valid. */
function apply(entries: Map<string, ChatEntry>, rec: unknown): boolean {
  if (typeof rec !== 'object' || rec === null) return false;
  const r = rec as Record<string, unknown>;
  if ('add' in r) {
    if (!isEntry(r.add)) return false;
    entries.delete(r.add.id);
    entries.set(r.add.id, r.add);
    return true;
  }
  if ('set' in r) {
    const s = r.set as Record<string, unknown> | null;
    if (typeof s !== 'object' || s === null || typeof s.id !== 'string') return false;
    const e = entries.get(s.id);
    if (!e) return true; // an update of an entry dropped by the cap: nothing to do
    if (typeof s.status === 'string' && STATUSES.has(s.status)) e.status = s.status as DeliveryStatus;
    if (typeof s.uid === 'string') e.uid = s.uid;
    if (typeof s.to === 'string') e.to = s.to;
    const d = s.delivery as { label?: unknown; tooltip?: unknown } | undefined;
    if (d && typeof d === 'object' && typeof d.label === 'string' && typeof d.tooltip === 'string') e.delivery = { label: d.label.slice(0, 200), tooltip: d.tooltip.slice(0, 4000) };
    return true;
  }
  if (r.clear === true) { entries.clear(); return true; }
  return false;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export class HistoryJournal {
  private bytes = 0;
  /** The file is known to end in a torn line (a failed append): the next write rewrites it. */
  private dirty = false;

  constructor(readonly dir: string) {}

  get file(): string { return path.join(this.dir, JOURNAL_FILE); }
  /** Size of the journal file as written by this process. */
  get fileBytes(): number { return this.bytes; }

  /** Reads the history. Never throws for damage: it recovers, sets the file aside, and says so. */
  async load(): Promise<LoadResult> {
    let raw: Buffer;
    try {
      raw = await fs.promises.readFile(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      return this.migrateLegacy();
    }
    this.bytes = raw.length;
    if (raw.length === 0) return { entries: [] };
    const lines = splitLines(raw);
    let header: unknown;
    try { header = JSON.parse(strictUtf8.decode(lines[0] ?? Buffer.alloc(0))); } catch { header = undefined; }
    const version = typeof header === 'object' && header !== null ? (header as Record<string, unknown>).udpChatHistory : undefined;
    if (typeof version === 'number' && version !== JOURNAL_VERSION) {
      // Another version (a newer extension wrote it): not ours to read or overwrite.
      const aside = await this.setAside(this.file, `v${version}`);
      this.bytes = 0;
      return {
        entries: [], setAside: aside,
        problem: vscode.l10n.t('The chat history was written by another version of UDP Chat (format {version}); this version reads format {current}. It was kept unchanged as {file}, and a new history was started.', { version: String(version), current: JOURNAL_VERSION, file: aside }),
      };
    }
    const entries = new Map<string, ChatEntry>();
    let bad = version === JOURNAL_VERSION ? 0 : 1;
    let total = 0;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      if (line.length === 0) continue;
      total++;
      let rec: unknown;
      try { rec = JSON.parse(strictUtf8.decode(line)); } catch { bad++; continue; }
      if (!apply(entries, rec)) bad++;
    }
    const list = [...entries.values()];
    if (bad === 0) return { entries: list };
    const aside = await this.setAside(this.file, 'damaged');
    this.rewrite(list);
    return {
      entries: list, setAside: aside,
      problem: vscode.l10n.t('The chat history file was damaged ({bad} of {total} lines could not be read). Everything else was recovered ({count} entries); the damaged file was kept as {file}.', { bad, total: total + 1, count: list.length, file: aside }),
    };
  }

  /** Appends records; synchronous, so nothing is left half done when the window closes. */
  append(records: HistoryRecord[]): void {
    if (records.length === 0) return;
    // Internal: the conversation catches it, rewrites the file and logs it; never shown. l10n-ignore
    if (this.dirty) throw new Error('the history file needs a rewrite');
    const text = `\n${records.map((r) => JSON.stringify(r)).join('\n')}`;
    fs.mkdirSync(this.dir, { recursive: true });
    if (this.bytes === 0 && !fs.existsSync(this.file)) this.rewrite([]);
    try {
      fs.appendFileSync(this.file, text, 'utf8');
    } catch (e) {
      this.dirty = true;
      throw e;
    }
    this.bytes += Buffer.byteLength(text, 'utf8');
  }

  /** Writes exactly these entries (compaction, clear, recovery): temporary file, then rename. */
  rewrite(entries: ChatEntry[]): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const text = [HEADER, ...entries.map((e) => JSON.stringify({ add: e } satisfies HistoryRecord))].join('\n');
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, text, 'utf8');
    fs.renameSync(tmp, this.file);
    this.bytes = Buffer.byteLength(text, 'utf8');
    this.dirty = false;
  }

  get needsRewrite(): boolean { return this.dirty; }

  private async setAside(file: string, why: string): Promise<string> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const ext = path.extname(file);
    const aside = path.join(path.dirname(file), `${path.basename(file, ext)}-${why}-${stamp}${ext}`);
    await fs.promises.rename(file, aside);
    return aside;
  }

  /** The first version kept one JSON file; read it once (recovering what a damaged one still holds). */
  private async migrateLegacy(): Promise<LoadResult> {
    const legacy = path.join(this.dir, LEGACY_FILE);
    let text: string;
    try {
      text = await fs.promises.readFile(legacy, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [] };
      throw e;
    }
    let entries: ChatEntry[] | undefined;
    try {
      const data = JSON.parse(text) as { version?: unknown; entries?: unknown };
      if (data.version === 1 && Array.isArray(data.entries)) entries = data.entries.filter(isEntry);
    } catch { /* damaged: recovered below */ }
    if (entries) {
      this.rewrite(entries);
      await fs.promises.rm(legacy, { force: true });
      return { entries };
    }
    const recovered = recoverObjects(text).filter(isEntry);
    const aside = await this.setAside(legacy, 'damaged');
    this.rewrite(recovered);
    return {
      entries: recovered, setAside: aside,
      problem: vscode.l10n.t('The chat history file could not be read as a whole; {count} entries were recovered from it. The damaged file was kept as {file}.', { count: recovered.length, file: aside }),
    };
  }
}

/** Splits on "\n" into byte lines (a line is decoded, strictly, only when parsed). */
function splitLines(raw: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = raw.indexOf(0x0a, start);
    if (nl < 0) { out.push(raw.subarray(start)); return out; }
    out.push(raw.subarray(start, nl));
    start = nl + 1;
  }
}

/**
 * Recovers the complete top-level objects of the first version's `"entries": [ … ]` array from a
 * truncated or partly damaged file: each object that parses on its own is kept.
 */
export function recoverObjects(text: string): unknown[] {
  const at = text.indexOf('"entries"');
  const open = at < 0 ? -1 : text.indexOf('[', at);
  if (open < 0) return [];
  const out: unknown[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') { if (depth++ === 0) start = i; }
    else if (c === '}' && depth > 0 && --depth === 0) {
      try { out.push(JSON.parse(text.slice(start, i + 1))); } catch { /* this one is damaged */ }
    } else if (c === ']' && depth === 0) break;
  }
  return out;
}
