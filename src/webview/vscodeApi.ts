// The one handle on the webview API (acquireVsCodeApi may be called once per document) and the
// state VS Code keeps for this view while it is hidden.
import type { WebviewToHost } from '../shared/protocol';
import { loadDrafts, type DraftTexts } from './drafts';

export interface WebviewState {
  /** Unsent text by conversation id (drafts.ts); older documents kept a single `draft` string. */
  drafts: DraftTexts;
  scrollTop: number;
  /** The user was at the bottom: restore there rather than at a pixel offset. */
  atBottom: boolean;
  /** Pixels between the view's bottom edge and the end of the list: stable while older history is prepended. */
  fromBottom?: number;
  /** The conversation shown last: its draft is in the message box before the host's snapshot comes. */
  conversation?: string;
  /** The user opened or closed the list of conversations (undefined: never; it follows the roster). */
  rosterOpen?: boolean;
}

interface VsCodeApi {
  postMessage(msg: WebviewToHost): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

/** What VS Code kept from the last document of this view, if anything. */
const saved: Partial<WebviewState> | undefined = api.getState();

export const state: WebviewState = {
  drafts: loadDrafts(saved),
  scrollTop: typeof saved?.scrollTop === 'number' ? saved.scrollTop : 0,
  atBottom: saved?.atBottom !== false,
  fromBottom: typeof saved?.fromBottom === 'number' && saved.fromBottom >= 0 ? saved.fromBottom : undefined,
  conversation: typeof saved?.conversation === 'string' ? saved.conversation : undefined,
  rosterOpen: typeof saved?.rosterOpen === 'boolean' ? saved.rosterOpen : undefined,
};

export function post(msg: WebviewToHost): void {
  api.postMessage(msg);
}

export function saveState(): void {
  api.setState(state);
}
