// The view's state and its one owner. The host sends the roster (people and groups) and a snapshot
// of the conversation shown, then deltas (roster, header, new entries, delivery statuses, clear);
// `reduce` applies each to the state as a pure function and says what changed, for render.ts to
// bring the DOM up to date. Entries and statuses of another conversation than the one shown are
// ignored (the host counts them as unread in the roster). No DOM here (test/unit/webview.viewState.test.ts).
import { assertNever } from '../shared/protocol';
import type { ChatEntry, ConversationId, HeaderInfo, HostToWebview, RosterItem } from '../shared/protocol';
import { EntryTable } from './entryTable';

/** Until the first snapshot: nothing known, no peer. */
export const INITIAL_HEADER: HeaderInfo = {
  state: 'idle', local: '', localAddresses: [], peer: '', peerName: '', presence: 'unknown',
  plainPeer: false, encrypted: false, fingerprint: '', verified: false, keyChanged: false, passphrase: false,
};

export interface ViewState {
  /** The session and the peer, as the host last said. */
  readonly header: HeaderInfo;
  /** Every entry of the conversation (rendered or not yet): the latest data for an id wins. */
  readonly entries: EntryTable;
  /** A snapshot came: the header (and so whether the message box is enabled) is known. */
  readonly snapshotSeen: boolean;
  /** The conversation shown (the last snapshot's); '' until a snapshot names one. */
  readonly conversation: ConversationId;
  /** People and groups, as the host last said; empty until a roster comes (a host with one conversation sends none). */
  readonly roster: readonly RosterItem[];
  /** A roster came: the view shows the list of conversations. */
  readonly rosterSeen: boolean;
  /** The conversation the host considers open (the roster's `active`). */
  readonly rosterActive: ConversationId;
}

export const INITIAL_STATE: ViewState = {
  header: INITIAL_HEADER, entries: EntryTable.EMPTY, snapshotSeen: false, conversation: '', roster: [], rosterSeen: false, rosterActive: '',
};

/** The host's messages that change the state (the others ask the composer or the focus for something). */
export type StateMessage = Extract<HostToWebview, { type: 'didSnapshot' | 'didChangeHeader' | 'didChangeRoster' | 'didAddEntries' | 'didChangeStatus' | 'didClear' }>;

export type ViewChange =
  /**
   * Everything was replaced: header and entries. `entries` in order, each id once (at its last place).
   * `switched`: another conversation than the one shown before (its draft goes in the message box).
   */
  | { type: 'snapshot'; entries: readonly ChatEntry[]; switched: boolean }
  | { type: 'header' }
  | { type: 'roster' }
  /**
   * New entries at the end, in order, each id once: an id shown before is shown here instead.
   * `arrived`: the entries as the host sent them.
   */
  | { type: 'added'; entries: readonly ChatEntry[]; arrived: readonly ChatEntry[] }
  /** An own entry's delivery status; `entry` is its data now. */
  | { type: 'status'; entry: ChatEntry }
  | { type: 'cleared' }
  /** Nothing changed (a status for an entry the view does not have, or not an own one). */
  | { type: 'none' };

const STATE_TYPES: ReadonlySet<string> = new Set<StateMessage['type']>(['didSnapshot', 'didChangeHeader', 'didChangeRoster', 'didAddEntries', 'didChangeStatus', 'didClear']);

export function isStateMessage(msg: HostToWebview): msg is StateMessage {
  return STATE_TYPES.has(msg.type);
}

/** `entries` keeping, for a repeated id, only its last occurrence (the latest data, at its latest place). */
export function latestOnly<T extends ChatEntry>(entries: readonly T[]): readonly T[] {
  const last = new Map<string, number>();
  entries.forEach((e, i) => last.set(e.id, i));
  return last.size === entries.length ? entries : entries.filter((e, i) => last.get(e.id) === i);
}

/** Whether a message about `conversation` concerns the one shown (absent: it does; nothing shown yet: it does). */
export function isShown(state: ViewState, conversation: unknown): boolean {
  return typeof conversation !== 'string' || state.conversation === '' || conversation === state.conversation;
}

/** Roster items as sent, keeping only well-formed ones (a string id, once each). */
export function cleanRoster(roster: unknown): RosterItem[] {
  if (!Array.isArray(roster)) return [];
  const seen = new Set<string>();
  const out: RosterItem[] = [];
  for (const item of roster as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const id = (item as { id?: unknown }).id;
    if (typeof id !== 'string' || id === '' || seen.has(id)) continue;
    seen.add(id);
    out.push(item as RosterItem);
  }
  return out;
}

const NONE = (state: ViewState): { state: ViewState; change: ViewChange } => ({ state, change: { type: 'none' } });

/** The state after `msg`, and what changed. `state` itself is never modified. */
export function reduce(state: ViewState, msg: StateMessage): { state: ViewState; change: ViewChange } {
  switch (msg.type) {
    case 'didSnapshot': {
      const entries = latestOnly(msg.entries);
      const conversation = typeof msg.conversation === 'string' ? msg.conversation : typeof msg.header.conversation === 'string' ? msg.header.conversation : state.conversation;
      const switched = state.snapshotSeen && conversation !== state.conversation;
      return {
        state: { ...state, header: msg.header, entries: EntryTable.of(entries), snapshotSeen: true, conversation },
        change: { type: 'snapshot', entries, switched },
      };
    }
    case 'didChangeHeader':
      // The header of another conversation (one just left) would show the wrong person.
      if (!isShown(state, msg.header.conversation)) return NONE(state);
      return { state: { ...state, header: msg.header }, change: { type: 'header' } };
    case 'didChangeRoster':
      return {
        state: { ...state, roster: cleanRoster(msg.roster), rosterSeen: true, rosterActive: typeof msg.active === 'string' ? msg.active : '' },
        change: { type: 'roster' },
      };
    case 'didAddEntries': {
      if (!isShown(state, msg.conversation)) return NONE(state);
      const entries = latestOnly(msg.entries);
      return { state: { ...state, entries: state.entries.with(entries) }, change: { type: 'added', entries, arrived: msg.entries } };
    }
    case 'didChangeStatus': {
      if (!isShown(state, msg.conversation)) return NONE(state);
      const data = state.entries.get(msg.id);
      // Only own messages have a delivery status.
      if (!data || data.kind !== 'own') return NONE(state);
      const entry: ChatEntry = { ...data, status: msg.status, ...(msg.delivery ? { delivery: msg.delivery } : {}) };
      return { state: { ...state, entries: state.entries.with([entry]) }, change: { type: 'status', entry } };
    }
    case 'didClear':
      return { state: { ...state, entries: EntryTable.EMPTY }, change: { type: 'cleared' } };
    default:
      return assertNever(msg);
  }
}

/** The one owner of the view state: everything else reads it, and only the host's messages change it. */
export class ViewStore {
  private current: ViewState = INITIAL_STATE;

  get state(): ViewState {
    return this.current;
  }

  dispatch(msg: StateMessage): ViewChange {
    const { state, change } = reduce(this.current, msg);
    this.current = state;
    return change;
  }
}
