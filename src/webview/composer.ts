// The message box (inside a form landmark "Send a message") and its draft, which survives hiding
// (webview state) and window reloads (kept by the host). When no session runs, the box says what
// Enter will do, or is disabled with a hint when there is no peer to send to.
import type { HeaderInfo } from '../shared/protocol';
import { el, icon } from './dom';
import { composerMode } from './texts';
import { post, saveState, saved, state } from './vscodeApi';

/** Drafts reach the host this long after the last keystroke (and at once when the view hides). */
const DRAFT_SAVE_DELAY_MS = 300;

export interface ComposerView {
  element: HTMLFormElement;
  input: HTMLTextAreaElement;
  /** False when the box is disabled (no peer). */
  focus(): boolean;
  applyHeader(h: HeaderInfo): void;
  offerHostDraft(draft: string | undefined): void;
  restoreDraft(text: string): void;
}

export function createComposer(onSent: () => void): ComposerView {
  const form = el('form', 'composer');
  form.setAttribute('aria-label', 'Send a message');
  const input = el('textarea', 'message-input');
  input.setAttribute('aria-label', 'Message');
  input.rows = 2;
  input.value = state.draft;
  const sendBtn = el('button', 'send');
  sendBtn.type = 'submit';
  sendBtn.append(icon('send', 'button-icon'), el('span', 'button-label', 'Send'));
  const hint = el('p', 'composer-hint');
  hint.id = 'composer-hint';
  const row = el('div', 'composer-row');
  row.append(input, sendBtn);
  form.append(row, hint);

  /** The host's kept draft is offered once per document: later snapshots must not resurrect text the user removed. */
  let hostDraftOffered = false;
  /** The draft the host is known to hold; undefined until the first snapshot tells. */
  let hostDraft: string | undefined;
  let draftTimer: ReturnType<typeof setTimeout> | undefined;

  function flushDraft(): void {
    if (draftTimer !== undefined) clearTimeout(draftTimer);
    draftTimer = undefined;
    if (hostDraft === state.draft) return;
    hostDraft = state.draft;
    post({ type: 'saveDraft', text: state.draft });
  }

  function scheduleDraftSave(): void {
    if (draftTimer !== undefined) clearTimeout(draftTimer);
    draftTimer = setTimeout(flushDraft, DRAFT_SAVE_DELAY_MS);
  }

  function setDraft(text: string): void {
    state.draft = text;
    saveState();
  }

  /** The webview's own draft wins (it is newer); the host's fills an empty box after a reload. */
  function offerHostDraft(draft: string | undefined): void {
    const kept = typeof draft === 'string' ? draft : '';
    if (hostDraftOffered) return;
    hostDraftOffered = true;
    hostDraft = kept;
    if (kept && input.value === '' && !saved?.draft) {
      input.value = kept;
      setDraft(kept);
    } else if (input.value !== kept) {
      // The host holds an older draft than this view: bring it up to date.
      scheduleDraftSave();
    }
  }

  function restoreDraft(text: string): void {
    const current = input.value;
    input.value = current.trim() === '' ? text : `${text}\n${current}`;
    setDraft(input.value);
    // Text the host handed back must survive a reload too.
    flushDraft();
    input.focus();
  }

  function send(): void {
    const text = input.value;
    if (input.disabled || text.trim() === '') return;
    post({ type: 'sendMessage', text });
    onSent();
    input.value = '';
    setDraft('');
    // At once, and even if the host never saw this text: a reload right after sending must not bring it back.
    hostDraft = undefined;
    flushDraft();
  }

  function applyHeader(h: HeaderInfo): void {
    const mode = composerMode(h);
    input.disabled = mode.disabled;
    sendBtn.disabled = mode.disabled;
    input.placeholder = mode.placeholder;
    hint.textContent = mode.hint;
    hint.hidden = mode.hint === '';
    if (mode.hint) input.setAttribute('aria-describedby', hint.id);
    else input.removeAttribute('aria-describedby');
    form.dataset.mode = mode.disabled ? 'no-peer' : h.state === 'active' || h.state === 'starting' ? 'running' : 'not-started';
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send();
    input.focus();
  });

  input.addEventListener('keydown', (event) => {
    // Escape is left alone: the text stays, and VS Code gets the key (e.g. to leave the view).
    // keyCode 229: some IMEs report the confirming Enter this way without isComposing.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    send();
  });

  input.addEventListener('input', () => {
    setDraft(input.value);
    scheduleDraftSave();
  });

  // The view may be torn down right after hiding (no retainContextWhenHidden): save now, not in 300 ms.
  window.addEventListener('pagehide', flushDraft);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') flushDraft();
  });

  return {
    element: form,
    input,
    focus: () => {
      if (input.disabled) return false;
      input.focus();
      return true;
    },
    applyHeader,
    offerHostDraft,
    restoreDraft,
  };
}
