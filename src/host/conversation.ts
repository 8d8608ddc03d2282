// The conversation: a capped, persisted log of entries. No `vscode`: the store is injected
// (historyJournal.ts on disk). Each change is one record appended to the journal, so saving a
// message costs its own size, not the history's; the journal is compacted now and then.
import type { ChatEntry, DeliveryStatus } from '../shared/protocol';
import type { HistoryRecord, LoadResult } from './historyJournal';

export interface HistoryStore {
  /** Never throws for damage: recovers what it can and reports it in `problem`. */
  load(): Promise<LoadResult>;
  /** Appends records, synchronously (cost proportional to them). */
  append(records: HistoryRecord[]): void;
  /** Rewrites the whole history (compaction, clear). */
  rewrite(entries: ChatEntry[]): void;
  readonly fileBytes: number;
  /** A failed append may have left a torn line: the next save rewrites the file. */
  readonly needsRewrite: boolean;
}

export const DEFAULT_HISTORY_LIMIT = 10_000;
/** The history is capped by size as well as by entries. */
export const DEFAULT_HISTORY_MAX_BYTES = 64 * 1024 * 1024;
/** Records are written this long after a change (and at once when the window closes). */
const SAVE_DELAY_MS = 100;

/** Own messages that still have to reach the peer: never dropped by the caps. */
function isPending(e: ChatEntry): boolean {
  return e.kind === 'own' && (e.status === 'queued' || e.status === 'sending' || e.status === 'textSent' || e.status === 'unsent');
}

export class Conversation {
  private entries: ChatEntry[] = [];
  private byId = new Map<string, ChatEntry>();
  private sizes = new Map<string, number>();
  private liveBytes = 0;
  private records: HistoryRecord[] = [];
  private saveTimer?: NodeJS.Timeout;
  private seq = 0;
  /** Unique across conversations too (a group message and a direct one may meet in one member's session). */
  private readonly prefix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  /** The history did not load: never write over it (the store set the damaged file aside first). */
  private readOnly = false;

  constructor(
    private readonly store: HistoryStore | undefined,
    public limit = DEFAULT_HISTORY_LIMIT,
    private readonly onSaveError?: (e: unknown) => void,
    public maxBytes = DEFAULT_HISTORY_MAX_BYTES,
  ) {}

  /** Loads the saved history. Returns a problem to show the user, if the file was damaged. */
  async load(): Promise<string | undefined> {
    if (!this.store) return undefined;
    let r: LoadResult;
    try {
      r = await this.store.load();
    } catch (e) {
      // Could not even read it (permissions, I/O): keep it untouched, run without saving.
      this.readOnly = true;
      this.onSaveError?.(e);
      return `The chat history could not be read (${e instanceof Error ? e.message : String(e)}). It was left as it is, and this window does not save the conversation.`;
    }
    this.entries = [];
    this.byId.clear();
    this.sizes.clear();
    this.liveBytes = 0;
    for (const e of r.entries) this.track(e);
    this.applyCaps();
    return r.problem;
  }

  newId(): string { return `${this.prefix}-${++this.seq}`; }

  add(entry: ChatEntry): ChatEntry {
    this.track(entry);
    this.records.push({ add: entry });
    this.applyCaps();
    this.scheduleSave();
    return entry;
  }

  get(id: string): ChatEntry | undefined { return this.byId.get(id); }

  setStatus(id: string, status: DeliveryStatus): boolean { return this.update(id, 'status', status); }

  setUid(id: string, uid: string): void { this.update(id, 'uid', uid); }

  setTo(id: string, to: string): void { this.update(id, 'to', to); }

  /** A group message's delivery summary and the status it amounts to. */
  setDelivery(id: string, status: DeliveryStatus, delivery: NonNullable<ChatEntry['delivery']>): boolean {
    const e = this.byId.get(id);
    if (!e) return false;
    const changed = this.update(id, 'status', status);
    if (e.delivery?.label === delivery.label && e.delivery.tooltip === delivery.tooltip) return changed;
    return this.update(id, 'delivery', delivery) || changed;
  }

  /** Changes one field of an entry and journals the change (one small record). */
  private update<K extends 'status' | 'uid' | 'to' | 'delivery'>(id: string, key: K, value: NonNullable<ChatEntry[K]>): boolean {
    const e = this.byId.get(id);
    if (!e || e[key] === value) return false;
    e[key] = value;
    this.records.push({ set: { id, [key]: value } });
    this.scheduleSave();
    return true;
  }

  /** Uids of the peer's messages in the history, newest last (what must not be shown twice). */
  peerUids(): string[] {
    const out: string[] = [];
    for (const e of this.entries) if (e.kind === 'peer' && e.uid) out.push(e.uid);
    return out.slice(-4096);
  }

  all(): ChatEntry[] { return this.entries; }

  /** Own messages that never left or were not confirmed yet: the offline queue. */
  pending(): ChatEntry[] {
    return this.entries.filter((e) => e.kind === 'own' && (e.status === 'queued' || e.status === 'sending' || e.status === 'textSent'));
  }

  /** The offline queue plus messages typed while no session ran ("not sent"): what a new session sends. */
  waiting(): ChatEntry[] {
    return this.entries.filter(isPending);
  }

  /** Size of the kept entries as stored (JSON), for the byte cap. */
  get bytes(): number { return this.liveBytes; }

  /** Clear History (the user confirmed it): everything goes, and the file is rewritten at once. */
  clear(): void {
    this.entries = [];
    this.byId.clear();
    this.sizes.clear();
    this.liveBytes = 0;
    this.records = [];
    this.rewriteNow();
  }

  /** Writes what changed now. Synchronous underneath; never throws. */
  flushSync(): void {
    if (this.saveTimer) { clearTimeout(this.saveTimer); this.saveTimer = undefined; }
    const store = this.store;
    if (!store || this.readOnly) { this.records = []; return; }
    const records = this.records;
    this.records = [];
    try {
      // Compaction: once the journal holds much more than the history itself (updates, dropped entries).
      if (store.needsRewrite || store.fileBytes > 2 * this.liveBytes + 1024 * 1024) store.rewrite(this.entries);
      else store.append(records);
    } catch (e) {
      this.onSaveError?.(e);
    }
  }

  /** Writes now; resolves when written. Never rejects. */
  flush(): Promise<void> {
    this.flushSync();
    return Promise.resolve();
  }

  private rewriteNow(): void {
    if (this.saveTimer) { clearTimeout(this.saveTimer); this.saveTimer = undefined; }
    if (!this.store || this.readOnly) return;
    try { this.store.rewrite(this.entries); } catch (e) { this.onSaveError?.(e); }
  }

  private track(e: ChatEntry): void {
    const size = JSON.stringify(e).length + 8;
    this.entries.push(e);
    this.byId.set(e.id, e);
    this.sizes.set(e.id, size);
    this.liveBytes += size;
  }

  /** Drops the oldest entries beyond the entry and byte limits; pending own messages are kept. */
  private applyCaps(): void {
    let i = 0;
    let dropped = 0;
    while ((this.entries.length - dropped > this.limit || this.liveBytes > this.maxBytes) && i < this.entries.length) {
      const e = this.entries[i];
      if (isPending(e)) { i++; continue; }
      this.entries[i] = undefined as unknown as ChatEntry;
      this.byId.delete(e.id);
      this.liveBytes -= this.sizes.get(e.id) ?? 0;
      this.sizes.delete(e.id);
      dropped++;
      i++;
    }
    if (dropped > 0) this.entries = this.entries.filter((e) => e !== undefined);
  }

  private scheduleSave(): void {
    if (!this.store || this.saveTimer) return;
    this.saveTimer = setTimeout(() => { this.saveTimer = undefined; this.flushSync(); }, SAVE_DELAY_MS);
  }
}
