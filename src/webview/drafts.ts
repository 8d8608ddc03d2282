// Unsent message text, one draft per conversation id (CURRENT_CONVERSATION until the host names the
// conversation shown: older documents kept their one draft under it). A draft survives the view being hidden (kept in the webview state, through
// `persist`) and window reloads (kept by the host, through `toHost`, debounced). No DOM and no
// VS Code API here (test/unit/webview.drafts.test.ts): the composer wires it to the message box.

/** The key of the draft before the host named the conversation (older documents, the first load). */
export const CURRENT_CONVERSATION = 'current';

/** Drafts reach the host this long after the last keystroke (and at once when the view hides). */
export const DRAFT_SAVE_DELAY_MS = 300;

/** Draft text by conversation id; a conversation without a draft has no key. */
export type DraftTexts = Readonly<Record<string, string>>;

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** `o[k] = v` as an own property, whatever the id (`__proto__` included). */
function put(o: Record<string, string>, k: string, v: string): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** The drafts in the state VS Code kept for the view: the keyed form, or the single `draft` older documents saved. */
export function loadDrafts(saved: unknown): DraftTexts {
  if (typeof saved !== 'object' || saved === null) return {};
  const { drafts, draft } = saved as { drafts?: unknown; draft?: unknown };
  if (typeof drafts === 'object' && drafts !== null) {
    const out: Record<string, string> = {};
    for (const [id, text] of Object.entries(drafts)) if (typeof text === 'string' && text !== '') put(out, id, text);
    return out;
  }
  const out: Record<string, string> = {};
  if (typeof draft === 'string' && draft !== '') put(out, CURRENT_CONVERSATION, draft);
  return out;
}

export function draftText(texts: DraftTexts, conversation: string): string {
  return hasOwn(texts, conversation) ? texts[conversation]! : '';
}

/** `texts` with the conversation's draft set; an empty draft removes the key. `texts` is unchanged. */
export function withDraft(texts: DraftTexts, conversation: string, text: string): DraftTexts {
  const out: Record<string, string> = { ...texts };
  if (text === '') delete out[conversation];
  else put(out, conversation, text);
  return out;
}

/**
 * `texts` with the draft kept under `from` moved to `to` (the conversation got its real id). A draft
 * `to` already has wins (it is newer). `texts` is unchanged.
 */
export function movedDraft(texts: DraftTexts, from: string, to: string): DraftTexts {
  if (from === to || !hasOwn(texts, from)) return texts;
  const moved = withDraft(texts, from, '');
  return draftText(texts, to) !== '' ? moved : withDraft(moved, to, texts[from]!);
}

/** Text the host handed back (it could not be sent) goes above what is being typed. */
export function restoredText(returned: string, current: string): string {
  return current.trim() === '' ? returned : `${returned}\n${current}`;
}

/** What the view knows of the draft the host keeps for a conversation. */
export interface HostDraft {
  /** The host's kept draft was offered to the box (once per document). */
  readonly offered: boolean;
  /** The text the host is known to hold; undefined until the first snapshot tells (or after a send). */
  readonly known: string | undefined;
}

export const HOST_DRAFT_UNKNOWN: HostDraft = { offered: false, known: undefined };

/**
 * The host's kept draft arrives with a snapshot. It is offered once per document: later snapshots must
 * not resurrect text the user removed. The view's own draft wins (it is newer); the host's fills an
 * empty box after a reload. `fill`: the text the box takes; `sync`: the host holds an older draft than
 * the view and needs the view's.
 */
export function offerHostDraft(
  host: HostDraft, hostText: unknown, text: string, keptByView: boolean,
): { host: HostDraft; fill?: string; sync: boolean } {
  if (host.offered) return { host, sync: false };
  const kept = typeof hostText === 'string' ? hostText : '';
  const next: HostDraft = { offered: true, known: kept };
  if (kept && text === '' && !keptByView) return { host: next, fill: kept, sync: false };
  return { host: next, sync: text !== kept };
}

/** Whether the host must be told `text`, and what it holds afterwards. */
export function flushDraft(host: HostDraft, text: string): { host: HostDraft; post: boolean } {
  if (host.known === text) return { host, post: false };
  return { host: { ...host, known: text }, post: true };
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DraftDeps {
  /** Keeps all drafts with the view's state (VS Code's setState), so they survive hiding. */
  persist(texts: DraftTexts): void;
  /** Tells the host a conversation's draft, so it survives a window reload. */
  toHost(conversation: string, text: string): void;
  /** Default: the global setTimeout / clearTimeout. */
  timers?: Timers;
}

const globalTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The drafts of one document, each kept with the view's state at once and with the host debounced. */
export class Drafts {
  private texts: DraftTexts;
  /** What VS Code kept from the last document of this view: that draft is newer than the host's. */
  private keptAtLoad: DraftTexts;
  private readonly host = new Map<string, HostDraft>();
  private readonly timers = new Map<string, unknown>();
  private readonly clock: Timers;

  constructor(initial: DraftTexts, private readonly deps: DraftDeps) {
    this.texts = initial;
    this.keptAtLoad = initial;
    this.clock = deps.timers ?? globalTimers;
  }

  text(conversation: string): string {
    return draftText(this.texts, conversation);
  }

  /** The draft kept under `from` now belongs to `to` (see movedDraft). */
  move(from: string, to: string): void {
    const next = movedDraft(this.texts, from, to);
    if (next === this.texts) return;
    this.texts = next;
    this.keptAtLoad = movedDraft(this.keptAtLoad, from, to);
    this.deps.persist(this.texts);
  }

  /** The user typed: kept at once, and told to the host after a quiet moment. */
  edit(conversation: string, text: string): void {
    this.set(conversation, text);
    this.schedule(conversation);
  }

  /** The draft went out as a message: it is cleared everywhere at once, even if the host never saw it (a reload right after sending must not bring it back). */
  sent(conversation: string): void {
    this.set(conversation, '');
    this.host.set(conversation, { ...this.hostDraft(conversation), known: undefined });
    this.flush(conversation);
  }

  /** The host handed text back; it must survive a reload too. Returns the draft now. */
  restore(conversation: string, returned: string): string {
    const text = restoredText(returned, this.text(conversation));
    this.set(conversation, text);
    this.flush(conversation);
    return text;
  }

  /** The host's kept draft (from a snapshot); returns the text the box takes, if it takes it. */
  offerHost(conversation: string, hostText: unknown): string | undefined {
    const r = offerHostDraft(this.hostDraft(conversation), hostText, this.text(conversation), draftText(this.keptAtLoad, conversation) !== '');
    this.host.set(conversation, r.host);
    if (r.fill !== undefined) this.set(conversation, r.fill);
    else if (r.sync) this.schedule(conversation);
    return r.fill;
  }

  /** Tells the host now (the view hides, and may be torn down right after). */
  flush(conversation: string): void {
    const timer = this.timers.get(conversation);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    this.timers.delete(conversation);
    const text = this.text(conversation);
    const r = flushDraft(this.hostDraft(conversation), text);
    this.host.set(conversation, r.host);
    if (r.post) this.deps.toHost(conversation, text);
  }

  private hostDraft(conversation: string): HostDraft {
    return this.host.get(conversation) ?? HOST_DRAFT_UNKNOWN;
  }

  private set(conversation: string, text: string): void {
    this.texts = withDraft(this.texts, conversation, text);
    this.deps.persist(this.texts);
  }

  private schedule(conversation: string): void {
    const timer = this.timers.get(conversation);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    this.timers.set(conversation, this.clock.setTimeout(() => {
      this.timers.delete(conversation);
      this.flush(conversation);
    }, DRAFT_SAVE_DELAY_MS));
  }
}
