// The view's state and its one owner. The host sends a snapshot, then deltas (header, new entries,
// delivery statuses, clear); `reduce` applies each to the state as a pure function and says what
// changed, for render.ts to bring the DOM up to date. No DOM here (test/unit/webview.viewState.test.ts).
import { assertNever } from '../shared/protocol';
import type { ChatEntry, HeaderInfo, HostToWebview } from '../shared/protocol';
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
}

export const INITIAL_STATE: ViewState = { header: INITIAL_HEADER, entries: EntryTable.EMPTY, snapshotSeen: false };

/** The host's messages that change the state (the others ask the composer or the focus for something). */
export type StateMessage = Extract<HostToWebview, { type: 'didSnapshot' | 'didChangeHeader' | 'didAddEntries' | 'didChangeStatus' | 'didClear' }>;

export type ViewChange =
  /** Everything was replaced: header and entries. `entries` in order, each id once (at its last place). */
  | { type: 'snapshot'; entries: readonly ChatEntry[] }
  | { type: 'header' }
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

const STATE_TYPES: ReadonlySet<string> = new Set<StateMessage['type']>(['didSnapshot', 'didChangeHeader', 'didAddEntries', 'didChangeStatus', 'didClear']);

export function isStateMessage(msg: HostToWebview): msg is StateMessage {
  return STATE_TYPES.has(msg.type);
}

/** `entries` keeping, for a repeated id, only its last occurrence (the latest data, at its latest place). */
export function latestOnly<T extends ChatEntry>(entries: readonly T[]): readonly T[] {
  const last = new Map<string, number>();
  entries.forEach((e, i) => last.set(e.id, i));
  return last.size === entries.length ? entries : entries.filter((e, i) => last.get(e.id) === i);
}

/** The state after `msg`, and what changed. `state` itself is never modified. */
export function reduce(state: ViewState, msg: StateMessage): { state: ViewState; change: ViewChange } {
  switch (msg.type) {
    case 'didSnapshot': {
      const entries = latestOnly(msg.entries);
      return { state: { header: msg.header, entries: EntryTable.of(entries), snapshotSeen: true }, change: { type: 'snapshot', entries } };
    }
    case 'didChangeHeader':
      return { state: { ...state, header: msg.header }, change: { type: 'header' } };
    case 'didAddEntries': {
      const entries = latestOnly(msg.entries);
      return { state: { ...state, entries: state.entries.with(entries) }, change: { type: 'added', entries, arrived: msg.entries } };
    }
    case 'didChangeStatus': {
      const data = state.entries.get(msg.id);
      // Only own messages have a delivery status.
      if (!data || data.kind !== 'own') return { state, change: { type: 'none' } };
      const entry: ChatEntry = { ...data, status: msg.status };
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
