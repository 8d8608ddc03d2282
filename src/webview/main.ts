// The chat webview, wired together. Host messages change the view state (viewState.ts, its one
// owner), and render.ts brings the DOM up to it; the composer sends what the user types, its text
// kept by drafts.ts; scroller.ts alone scrolls the conversation. Peer and user text only ever
// reaches the DOM through textContent / createTextNode.
//
// Landmarks: the list of conversations (navigation "Conversations", shown once the host sends a
// roster), the header (banner, with the page's level-one heading), then main holding the
// conversation shown (a log named "Conversation") and the composer (a form named "Send a message").
// The composer writes to the conversation shown: opening another one keeps each draft.
import { assertNever } from '../shared/protocol';
import type { HostToWebview } from '../shared/protocol';
import { createComposer } from './composer';
import { el } from './dom';
import { CURRENT_CONVERSATION, Drafts } from './drafts';
import { createHeader } from './header';
import { Renderer } from './render';
import { readViewStrings, setViewStrings } from './strings';
import { createRosterView } from './rosterView';
import { isStateMessage, ViewStore } from './viewState';
import { post, saveState, state } from './vscodeApi';

// The words first: everything below builds DOM with them.
setViewStrings(readViewStrings(document));

const store = new ViewStore();

// While the log is aria-busy (history streaming in) it announces nothing; messages arriving then are read from here.
const announcer = el('div', 'visually-hidden live-announcer');
announcer.setAttribute('role', 'status');
announcer.setAttribute('aria-live', 'polite');
announcer.setAttribute('aria-atomic', 'true');
function announce(text: string): void {
  announcer.textContent = text;
}

const headerView = createHeader(announce);
const rosterView = createRosterView();
const renderer = new Renderer(store, {
  header: headerView,
  applyHeader: (h) => composer.applyHeader(h),
  announce,
  renderRoster: () => {
    const s = store.state;
    rosterView.render(s.roster, s.conversation || s.rosterActive, s.rosterSeen);
  },
});
const drafts = new Drafts(state.drafts, {
  persist: (texts) => {
    state.drafts = texts;
    saveState();
  },
  // A draft kept before the host named its conversation waits until it is moved to the real id.
  toHost: (conversation, text) => {
    if (conversation !== CURRENT_CONVERSATION) post({ type: 'saveDraft', text, conversation });
  },
});
const composer = createComposer(drafts, state.conversation ?? CURRENT_CONVERSATION, () => renderer.scroller.ownMessageSent());

const main = el('main', 'chat-main');
main.append(renderer.empty, renderer.list, composer.element, announcer);
document.body.append(rosterView.element, headerView.element, main);

// ---- focus ----

/** Focus asked for before the first snapshot: the header (and so whether the box is enabled) is not known yet. */
let focusPending = false;

function focusInput(): void {
  if (!store.state.snapshotSeen) {
    focusPending = true;
    return;
  }
  // No peer: the box is disabled, and Set Peer is what to do next.
  if (!composer.focus()) headerView.focusAction();
}

/** The document has the focus, but no element in it: the keyboard goes on to the message box. */
function focusIfBodyFocused(): void {
  if (!document.activeElement || document.activeElement === document.body) focusInput();
}

function afterSnapshot(hostDraft: string | undefined): void {
  // The box writes to the conversation shown: its draft comes in, the one left is kept.
  const shown = store.state.conversation;
  if (shown && shown !== composer.conversation) {
    composer.setConversation(shown);
    state.conversation = shown;
    saveState();
  }
  composer.offerHostDraft(hostDraft);
  if (focusPending) {
    focusPending = false;
    // Only if nothing else took the focus meanwhile.
    focusIfBodyFocused();
  }
}

// VS Code's own "Focus on Chat View" focuses the webview document: the keyboard goes on to the
// message box, so typing right after it lands there (as "Open Chat" did before it was dropped).
window.addEventListener('focus', focusIfBodyFocused);

// ---- host messages ----

function handle(msg: HostToWebview): void {
  const receivedAt = performance.now();
  if (isStateMessage(msg)) {
    renderer.render(store.dispatch(msg), receivedAt);
    if (msg.type === 'didSnapshot') afterSnapshot(msg.draft);
    return;
  }
  switch (msg.type) {
    case 'didRestoreDraft':
      composer.restoreDraft(msg.text);
      break;
    case 'didFocusInput':
      focusInput();
      break;
    default:
      assertNever(msg);
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = event.data;
  if (typeof msg !== 'object' || msg === null || typeof (msg as { type?: unknown }).type !== 'string') return;
  try {
    handle(msg as HostToWebview);
  } catch (err) {
    console.error('[udp-chat] cannot handle message', err);
  }
});

renderer.renderHeader();
// A view opened fresh can get the focus while this script still loads, before the listener above.
if (document.hasFocus()) focusIfBodyFocused();
post({ type: 'ready' });
