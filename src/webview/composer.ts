// The message box (inside a form landmark "Send a message") and its send button. Its text is the
// draft of the conversation it writes to, kept by drafts.ts. When no session runs, the box says what
// Enter will do, or is disabled with a hint when there is no peer to send to.
import type { HeaderInfo } from '../shared/protocol';
import { el, icon } from './dom';
import { CURRENT_CONVERSATION, type Drafts } from './drafts';
import { s } from './strings';
import { composerMode } from './texts';
import { post } from './vscodeApi';

export interface ComposerView {
  element: HTMLFormElement;
  input: HTMLTextAreaElement;
  /** False when the box is disabled (no peer). */
  focus(): boolean;
  applyHeader(h: HeaderInfo): void;
  offerHostDraft(draft: string | undefined): void;
  restoreDraft(text: string): void;
  /** The conversation the box writes to. */
  readonly conversation: string;
  /** Writes to another conversation: this one's draft is kept (and told to the host), that one's goes in the box. */
  setConversation(id: string): void;
}

/** `initial`: the conversation whose draft the box holds first. */
export function createComposer(drafts: Drafts, initial: string, onSent: () => void): ComposerView {
  let conversation = initial;
  const form = el('form', 'composer');
  form.setAttribute('aria-label', s('composerForm'));
  const input = el('textarea', 'message-input');
  input.setAttribute('aria-label', s('messageInput'));
  input.rows = 2;
  input.value = drafts.text(conversation);
  const sendBtn = el('button', 'send');
  sendBtn.type = 'submit';
  sendBtn.append(icon('send', 'button-icon'), el('span', 'button-label', s('send')));
  const hint = el('p', 'composer-hint');
  hint.id = 'composer-hint';
  const row = el('div', 'composer-row');
  row.append(input, sendBtn);
  form.append(row, hint);

  function offerHostDraft(draft: string | undefined): void {
    const fill = drafts.offerHost(conversation, draft);
    if (fill !== undefined) input.value = fill;
  }

  function restoreDraft(text: string): void {
    input.value = drafts.restore(conversation, text);
    input.focus();
  }

  function send(): void {
    const text = input.value;
    if (input.disabled || text.trim() === '') return;
    post({ type: 'sendMessage', text, conversation });
    onSent();
    input.value = '';
    drafts.sent(conversation);
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

  function setConversation(id: string): void {
    if (id === conversation) return;
    // A draft typed before the conversation had its real id goes with it; another conversation's is kept.
    if (conversation === CURRENT_CONVERSATION) drafts.move(CURRENT_CONVERSATION, id);
    else drafts.flush(conversation);
    conversation = id;
    input.value = drafts.text(id);
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

  input.addEventListener('input', () => drafts.edit(conversation, input.value));

  // The view may be torn down right after hiding (no retainContextWhenHidden): save now, not in 300 ms.
  window.addEventListener('pagehide', () => drafts.flush(conversation));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') drafts.flush(conversation);
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
    get conversation() { return conversation; },
    setConversation,
  };
}
