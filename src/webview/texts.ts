// What the view says about the session, the peer and each message, as pure functions of the host's
// data: no DOM, so it runs under plain Node (test/unit/webview.texts.test.ts). Icons are codicon names.
import type { DeliveryStatus, HeaderInfo, PeerPresence } from '../shared/protocol';

export interface Look {
  /** Codicon name (without the `codicon-` prefix). */
  icon: string;
  text: string;
}

export const STATUS_LOOK: Readonly<Record<DeliveryStatus, Look>> = {
  queued: { icon: 'watch', text: 'queued' },
  sending: { icon: 'sync', text: 'sending…' },
  delivered: { icon: 'check', text: 'delivered' },
  failed: { icon: 'error', text: 'failed' },
  unsent: { icon: 'circle-slash', text: 'not sent' },
  unconfirmed: { icon: 'question', text: 'sent (unconfirmed)' },
  textSent: { icon: 'question', text: 'sent as text (not confirmed yet)' },
};

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** An unknown status (a newer host) still shows, as its own word. */
export function statusLook(status: string): Look {
  return own(STATUS_LOOK, status) ? STATUS_LOOK[status as DeliveryStatus] : { icon: 'question', text: String(status) };
}

/** How the peer is called in sentences: its name, else its address, else "your peer" (a group: its name, else "the group"). */
export function peerLabel(h: Pick<HeaderInfo, 'peer' | 'peerName' | 'kind'>): string {
  return h.peerName || h.peer || (h.kind === 'group' ? 'the group' : 'your peer');
}

/** The conversation has someone to send to: a peer's address, or a group. */
export function hasRecipient(h: Pick<HeaderInfo, 'peer' | 'kind'>): boolean {
  return h.kind === 'group' || !!h.peer;
}

export type Presence = 'online' | 'offline' | 'unknown';

export function normalPresence(p: PeerPresence | string): Presence {
  return p === 'online' || p === 'offline' ? p : 'unknown';
}

export const PRESENCE_LOOK: Readonly<Record<Presence, Look>> = {
  online: { icon: 'circle-filled', text: 'online' },
  offline: { icon: 'circle-slash', text: 'offline' },
  unknown: { icon: 'circle-outline', text: 'not heard from yet' },
};

/** "Active" says nothing about whether anyone is there: the state line says what the user can expect. */
export function sessionLook(h: Pick<HeaderInfo, 'state' | 'presence' | 'peer' | 'peerName' | 'kind'>): Look {
  switch (h.state) {
    case 'active':
      if (h.kind === 'group') return { icon: 'pass', text: 'Running' };
      return normalPresence(h.presence) === 'online'
        ? { icon: 'pass', text: 'Connected' }
        : { icon: 'radio-tower', text: `Waiting for ${peerLabel(h)}` };
    case 'starting':
      return { icon: 'loading', text: 'Starting…' };
    case 'ended':
      return { icon: 'debug-disconnect', text: 'Ended' };
    case 'error':
      return { icon: 'error', text: 'Error' };
    case 'idle':
      return { icon: 'circle-large-outline', text: 'Not started' };
    default:
      return { icon: 'question', text: String(h.state) };
  }
}

export function isRunning(h: Pick<HeaderInfo, 'state'>): boolean {
  return h.state === 'active' || h.state === 'starting';
}

/** The page's one level-one heading (visually hidden): what this view is. */
export function headingText(h: Pick<HeaderInfo, 'peer' | 'peerName' | 'kind'>): string {
  if (h.kind === 'group') return `UDP Chat: group ${peerLabel(h)}`;
  return h.peer || h.peerName ? `UDP Chat with ${peerLabel(h)}` : 'UDP Chat';
}

/** The request bar: who wants to chat. */
export function requestText(h: Pick<HeaderInfo, 'peer' | 'peerName' | 'kind'>): string {
  return `${peerLabel(h)} is not in your known people. Accept to keep talking (writing back accepts too), or Block: nothing of theirs will reach you again.`;
}

/** One or two lines for a view without any entry: the next step in the current state. */
export function emptyGuidance(h: Pick<HeaderInfo, 'state' | 'peer' | 'peerName' | 'kind'>): string[] {
  if (h.kind === 'group') {
    return isRunning(h)
      ? [`No messages in ${peerLabel(h)} yet.`, 'Type a message and press Enter: it goes to every member.']
      : [`No messages in ${peerLabel(h)} yet.`, 'Press Start — or just type a message: Enter starts the chat and sends it.'];
  }
  if (!h.peer) {
    return ['No peer yet.', "Set your peer's address with Set Peer, then Start — or just start typing once a peer is set."];
  }
  if (isRunning(h)) {
    return [`Waiting for ${peerLabel(h)} to answer.`, 'Type a message and press Enter: it goes out when they do.'];
  }
  return [`Ready to chat with ${peerLabel(h)}.`, 'Press Start — or just type a message: Enter starts the chat and sends it.'];
}

export interface ComposerMode {
  /** No peer to send to: the box is disabled and the hint says what to do instead. */
  disabled: boolean;
  placeholder: string;
  /** Shown under the box and read as its description; empty while a session runs. */
  hint: string;
}

export const RUNNING_PLACEHOLDER = 'Message (Enter to send, Shift+Enter for a new line)';

export function composerMode(h: Pick<HeaderInfo, 'state' | 'peer' | 'kind'>): ComposerMode {
  if (isRunning(h)) return { disabled: false, placeholder: RUNNING_PLACEHOLDER, hint: '' };
  if (!hasRecipient(h)) return { disabled: true, placeholder: 'Set a peer first', hint: "No peer set: use Set Peer to enter your peer's address." };
  return { disabled: false, placeholder: 'Type a message', hint: 'Not started: Enter starts the chat and sends.' };
}

/**
 * The addresses to tell the peer, and the bound address when it says something more (a wildcard
 * such as 0.0.0.0:50505 is not an address anyone can send to, but it is what is bound).
 */
export function localLines(h: Pick<HeaderInfo, 'local' | 'localAddresses'>): { addresses: string[]; listening: string } {
  const addresses = Array.isArray(h.localAddresses) ? h.localAddresses.filter((a): a is string => typeof a === 'string' && a !== '') : [];
  const local = typeof h.local === 'string' ? h.local : '';
  return { addresses, listening: local && !addresses.includes(local) ? local : '' };
}

export const NOTICE_LOOK: Readonly<Record<'info' | 'warning' | 'error', Look>> = {
  info: { icon: 'info', text: 'Info' },
  warning: { icon: 'warning', text: 'Warning' },
  error: { icon: 'error', text: 'Error' },
};

/** Announcements and entry labels are cut here: a screen reader should not read a 1 MiB message. */
export const MAX_SPOKEN_CHARS = 500;

export function clip(text: string, max = MAX_SPOKEN_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
