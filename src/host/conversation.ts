// The conversation: a capped, persisted log of entries. No `vscode`: persistence is injected.
import type { ChatEntry, DeliveryStatus } from '../shared/protocol';

export interface HistoryStorage {
  load(): Promise<ChatEntry[] | undefined>;
  save(entries: ChatEntry[]): Promise<void>;
  /** For the last write when the window closes (nothing asynchronous finishes then). */
  saveSync?(entries: ChatEntry[]): void;
}

export const DEFAULT_HISTORY_LIMIT = 10_000;

export class Conversation {
  private entries: ChatEntry[] = [];
  private byId = new Map<string, ChatEntry>();
  private saveTimer?: NodeJS.Timeout;
  private saving: Promise<void> = Promise.resolve();
  private seq = 0;
  private readonly prefix = Date.now().toString(36);

  constructor(private readonly storage: HistoryStorage | undefined, public limit = DEFAULT_HISTORY_LIMIT, private readonly onSaveError?: (e: unknown) => void) {}

  async load(): Promise<void> {
    if (!this.storage) return;
    try {
      const loaded = await this.storage.load();
      if (!Array.isArray(loaded)) return;
      const valid = loaded.filter(isEntry);
      // Own messages that were on the wire when the window closed stay pending: they go again.
      this.entries = valid.slice(-this.limit);
      this.byId = new Map(this.entries.map((e) => [e.id, e]));
    } catch (e) {
      this.onSaveError?.(e);
    }
  }

  newId(): string { return `${this.prefix}-${++this.seq}`; }

  add(entry: ChatEntry): ChatEntry {
    this.entries.push(entry);
    this.byId.set(entry.id, entry);
    if (this.entries.length > this.limit) {
      for (const old of this.entries.splice(0, this.entries.length - this.limit)) this.byId.delete(old.id);
    }
    this.scheduleSave();
    return entry;
  }

  get(id: string): ChatEntry | undefined { return this.byId.get(id); }

  setStatus(id: string, status: DeliveryStatus): boolean {
    const e = this.byId.get(id);
    if (!e || e.status === status) return false;
    e.status = status;
    this.scheduleSave();
    return true;
  }

  setUid(id: string, uid: string): void {
    const e = this.byId.get(id);
    if (!e || e.uid === uid) return;
    e.uid = uid;
    this.scheduleSave();
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

  clear(): void {
    this.entries = [];
    this.byId.clear();
    this.scheduleSave();
  }

  private scheduleSave(): void {
    if (!this.storage || this.saveTimer) return;
    this.saveTimer = setTimeout(() => { this.saveTimer = undefined; void this.flush(); }, 100);
  }

  /** Writes now, synchronously when the storage can (window closing). Never throws. */
  flushSync(): void {
    if (this.saveTimer) { clearTimeout(this.saveTimer); this.saveTimer = undefined; }
    if (!this.storage?.saveSync) { void this.flush(); return; }
    try {
      this.storage.saveSync(this.entries.slice());
    } catch (e) {
      this.onSaveError?.(e);
    }
  }

  /** Writes now; resolves when written. Never rejects. */
  flush(): Promise<void> {
    if (this.saveTimer) { clearTimeout(this.saveTimer); this.saveTimer = undefined; }
    const storage = this.storage;
    if (!storage) return Promise.resolve();
    const snapshot = this.entries.slice();
    this.saving = this.saving.then(() => storage.save(snapshot)).catch((e) => this.onSaveError?.(e));
    return this.saving;
  }
}

function isEntry(x: unknown): x is ChatEntry {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return typeof e.id === 'string' && typeof e.text === 'string' && typeof e.time === 'number' && (e.kind === 'own' || e.kind === 'peer' || e.kind === 'notice');
}
