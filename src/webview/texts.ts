// What the view says about the session, the peer and each message, as pure functions of the host's
// data: no DOM, so it runs under plain Node (test/unit/webview.texts.test.ts). Icons are codicon names.
// The words come from the host's table (strings.ts).
import type { DeliveryStatus, HeaderInfo, PeerPresence } from '../shared/protocol';
import type { ViewStringKey } from '../shared/viewStrings';
import { f, s } from './strings';

export interface Look {
  /** Codicon name (without the `codicon-` prefix). */
  icon: string;
  text: string;
}

/** Each delivery status: its codicon and the key of its words. */
export const STATUS_ICONS: Readonly<Record<DeliveryStatus, { icon: string; key: ViewStringKey }>> = {
  queued: { icon: 'watch', key: 'statusQueued' },
  sending: { icon: 'sync', key: 'statusSending' },
  delivered: { icon: 'check', key: 'statusDelivered' },
  failed: { icon: 'error', key: 'statusFailed' },
  unsent: { icon: 'circle-slash', key: 'statusUnsent' },
  unconfirmed: { icon: 'question', key: 'statusUnconfirmed' },
  textSent: { icon: 'question', key: 'statusTextSent' },
};

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** An unknown status (a newer host) still shows, as its own word. */
export function statusLook(status: string): Look {
  if (!own(STATUS_ICONS, status)) return { icon: 'question', text: String(status) };
  const { icon, key } = STATUS_ICONS[status as DeliveryStatus];
  return { icon, text: s(key) };
}

/** How the peer is called in sentences: its name, else its address, else "your peer" (a group: its name, else "the group"). */
export function peerLabel(h: Pick<HeaderInfo, 'peer' | 'peerName' | 'kind'>): string {
  return h.peerName || h.peer || s(h.kind === 'group' ? 'theGroup' : 'yourPeer');
}

/** The conversation has someone to send to: a peer's address, or a group. */
export function hasRecipient(h: Pick<HeaderInfo, 'peer' | 'kind'>): boolean {
  return h.kind === 'group' || !!h.peer;
}

export type Presence = 'online' | 'offline' | 'unknown';

export function normalPresence(p: PeerPresence | string): Presence {
  return p === 'online' || p === 'offline' ? p : 'unknown';
}

const PRESENCE_ICONS: Readonly<Record<Presence, { icon: string; key: ViewStringKey }>> = {
  online: { icon: 'circle-filled', key: 'presenceOnline' },
  offline: { icon: 'circle-slash', key: 'presenceOffline' },
  unknown: { icon: 'circle-outline', key: 'presenceUnknown' },
};

/** A presence's codicon and words. */
export function presenceLook(p: Presence): Look {
  const { icon, key } = PRESENCE_ICONS[p];
  return { icon, text: s(key) };
}

/** "Active" says nothing about whether anyone is there: the state line says what the user can expect. */
export function sessionLook(h: Pick<HeaderInfo, 'state' | 'presence' | 'peer' | 'peerName' | 'kind'>): Look {
  switch (h.state) {
    case 'active':
      if (h.kind === 'group') return { icon: 'pass', text: s('stateRunning') };
      return normalPresence(h.presence) === 'online'
        ? { icon: 'pass', text: s('stateConnected') }
        : { icon: 'radio-tower', text: f('stateWaitingFor', { name: peerLabel(h) }) };
    case 'starting':
      return { icon: 'loading', text: s('stateStarting') };
    case 'ended':
      return { icon: 'debug-disconnect', text: s('stateEnded') };
    case 'error':
      return { icon: 'error', text: s('stateError') };
    case 'idle':
      return { icon: 'circle-large-outline', text: s('stateNotStarted') };
    default:
      return { icon: 'question', text: String(h.state) };
  }
}

export function isRunning(h: Pick<HeaderInfo, 'state'>): boolean {
  return h.state === 'active' || h.state === 'starting';
}

/** The page's one level-one heading (visually hidden): what this view is. */
export function headingText(h: Pick<HeaderInfo, 'peer' | 'peerName' | 'kind'>): string {
  if (h.kind === 'group') return f('headingGroup', { name: peerLabel(h) });
  return h.peer || h.peerName ? f('headingWith', { name: peerLabel(h) }) : s('appName');
}

/** The request bar: who wants to chat. */
export function requestText(h: Pick<HeaderInfo, 'peer' | 'peerName' | 'kind'>): string {
  return f('requestText', { name: peerLabel(h) });
}

/** One or two lines for a view without any entry: the next step in the current state. */
export function emptyGuidance(h: Pick<HeaderInfo, 'state' | 'peer' | 'peerName' | 'kind'>): string[] {
  const name = peerLabel(h);
  if (h.kind === 'group') return [f('emptyGroupNone', { name }), s(isRunning(h) ? 'emptyGroupRunning' : 'emptyStartOrType')];
  if (!h.peer) return [s('emptyNoPeer'), s('emptyNoPeerHint')];
  if (isRunning(h)) return [f('emptyWaiting', { name }), s('emptyWaitingHint')];
  return [f('emptyReady', { name }), s('emptyStartOrType')];
}

export interface ComposerMode {
  /** No peer to send to: the box is disabled and the hint says what to do instead. */
  disabled: boolean;
  placeholder: string;
  /** Shown under the box and read as its description; empty while a session runs. */
  hint: string;
}

export function composerMode(h: Pick<HeaderInfo, 'state' | 'peer' | 'kind'>): ComposerMode {
  if (isRunning(h)) return { disabled: false, placeholder: s('placeholderRunning'), hint: '' };
  if (!hasRecipient(h)) return { disabled: true, placeholder: s('placeholderNoPeer'), hint: s('hintNoPeer') };
  return { disabled: false, placeholder: s('placeholderIdle'), hint: s('hintIdle') };
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

const NOTICE_ICONS: Readonly<Record<'info' | 'warning' | 'error', { icon: string; key: ViewStringKey }>> = {
  info: { icon: 'info', key: 'noticeInfo' },
  warning: { icon: 'warning', key: 'noticeWarning' },
  error: { icon: 'error', key: 'noticeError' },
};

/** A notice level's codicon and words. */
export function noticeLook(level: 'info' | 'warning' | 'error'): Look {
  const { icon, key } = NOTICE_ICONS[level];
  return { icon, text: s(key) };
}

/** Announcements and entry labels are cut here: a screen reader should not read a 1 MiB message. */
export const MAX_SPOKEN_CHARS = 500;

export function clip(text: string, max = MAX_SPOKEN_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
