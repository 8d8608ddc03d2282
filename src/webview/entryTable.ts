// Every entry's latest data by id, immutable: a change gives a new table and leaves the old one as
// it was. The new table shares the large part with the old one (copying a 10,000-entry Map takes
// milliseconds, and a burst of sends brings hundreds of status changes a second): changes gather in
// a small layer on top of a shared base, merged into a new base once the layer grows. Pure, no DOM.
import type { ChatEntry } from '../shared/protocol';

/** Changes kept on top of the shared base before they are merged into a new one. */
export const MAX_LAYER = 256;

const NONE: ReadonlyMap<string, ChatEntry> = new Map();

export class EntryTable {
  static readonly EMPTY = new EntryTable(NONE, NONE, 0);

  private constructor(
    /** Never changed once built: tables share it. */
    private readonly base: ReadonlyMap<string, ChatEntry>,
    /** Newer data than the base's (new ids, or the same id changed). */
    private readonly layer: ReadonlyMap<string, ChatEntry>,
    /** How many ids the table holds. */
    readonly size: number,
  ) {}

  /** A table of `entries`; for a repeated id the later entry wins. */
  static of(entries: Iterable<ChatEntry>): EntryTable {
    const base = new Map<string, ChatEntry>();
    for (const e of entries) base.set(e.id, e);
    return base.size === 0 ? EntryTable.EMPTY : new EntryTable(base, NONE, base.size);
  }

  get(id: string): ChatEntry | undefined {
    return this.layer.get(id) ?? this.base.get(id);
  }

  has(id: string): boolean {
    return this.layer.has(id) || this.base.has(id);
  }

  /** This table with `entries` set (replacing the data of ids it holds); this table is unchanged. */
  with(entries: readonly ChatEntry[]): EntryTable {
    if (entries.length === 0) return this;
    const layer = new Map(this.layer);
    let size = this.size;
    for (const e of entries) {
      if (!layer.has(e.id) && !this.base.has(e.id)) size++;
      layer.set(e.id, e);
    }
    if (layer.size <= MAX_LAYER) return new EntryTable(this.base, layer, size);
    const base = new Map(this.base);
    for (const [id, e] of layer) base.set(id, e);
    return new EntryTable(base, NONE, size);
  }

  /** How many ids sit in the layer (for tests: the base is shared, the layer stays small). */
  get layered(): number {
    return this.layer.size;
  }
}
