// First contact and the plain-text side: the greeting, the text fallback, marked text, plain lines in and out, quit words.
import { encryptedNoticeDatagram, greetingDatagram, MARK_PROTOCOL_VERSION, markedTextDatagrams, readMark, stripMark, updateNoticeDatagram } from './firstContact';
import { MAX_QUEUED_MESSAGES } from './limits';
import { decodePlain, isQuitWord, splitUtf8 } from './plain';
import type { PeerPresence } from './presence';
import type { SendQueue } from './sendQueue';
import type { Contact, NoticeLevel, OutMessage, SessionCore } from './sessionTypes';
import { contentOf } from './sessionTypes';
import { PLAIN_MESSAGE_GUARD, SourceGuard } from './sourceGuard';

/** What the plain-text side asks of the session. */
export interface PlainPeerHost {
  readonly senderId: number;
  /** A passphrase is set: no word ever goes in clear, and plain text is never taken. */
  readonly secure: boolean;
  /** The peer's key is pinned (it is a UDP Chat): the text fallback never sends words in clear. */
  readonly neverInClear: boolean;
  displayName(): string;
  sendRaw(bytes: Buffer): void;
  /** The flight changed outside loss recovery: its timer is set again. */
  armRto(): void;
  unauthNotice(key: string, level: NoticeLevel, text: string): void;
}

export class PlainPeer {
  private state: Contact = 'unknown';
  /** The address spoke our protocol earlier in this session (then said bye or quit): no text fallback. */
  private provenBefore = false;
  private greetedAt = 0;
  /** Sent as text while the peer was unknown; sent again reliably if it proves to speak our protocol. */
  private tentative: OutMessage[] = [];
  private readonly guard: SourceGuard;
  /** Sender id of the older UDP Chat we last sent the update notice to. */
  private olderPeerTold = 0;

  constructor(
    private readonly core: SessionCore,
    private readonly host: PlainPeerHost,
    private readonly q: SendQueue,
    private readonly presence: PeerPresence,
    /** Plain-text mode (nc -u, the classic scripts): no greeting, no protocol. */
    readonly forced: boolean,
  ) {
    if (forced) this.state = 'plain';
    this.guard = new SourceGuard(PLAIN_MESSAGE_GUARD, () => core.clock.now());
  }

  get contact(): Contact { return this.state; }
  get plain(): boolean { return this.state === 'plain'; }

  /** First contact is one readable line (§8.1): binary hellos only once the peer has shown our protocol. */
  greet(): void {
    if (this.forced) return;
    this.host.sendRaw(greetingDatagram(this.host.displayName(), this.host.senderId));
    this.greetedAt = this.core.clock.now();
  }

  /** Restored from an earlier session, where it went out as text: it goes again only reliably. */
  addTentative(msg: OutMessage): void {
    this.tentative.push(msg);
    this.q.setStatus(msg, 'textSent');
  }

  /** A message as the classic programs show it: code as a Markdown fence. */
  private plainText(msg: OutMessage): string {
    const c = contentOf(msg);
    return c.code
      ? `\`\`\`${c.code.language}${c.code.path ? ` ${c.code.path}${c.code.startLine ? `:${c.code.startLine}-${c.code.endLine}` : ''}` : ''}\n${c.text}\n\`\`\``
      : c.text;
  }

  sendPlain(msg: OutMessage): void {
    if (this.host.secure) throw new Error('plain text is never sent when a passphrase is set');
    for (const chunk of splitUtf8(this.plainText(msg))) this.host.sendRaw(chunk);
    this.q.settle(msg, 'unconfirmed');
  }

  /**
   * First contact (§8.1): a peer that has said nothing gets what is typed as text once our greeting
   * is `textFallbackMs` old without an answer, so a classic program that waits for us to speak first
   * gets it within about a second. Each line is marked: another UDP Chat answers in the protocol
   * instead of showing it, and the message then goes again reliably.
   */
  scheduleTextFallback(): void {
    const { core } = this;
    if (core.timers.has('textFallback') || !core.running || this.forced || this.provenBefore) return;
    const wait = Math.max(0, this.greetedAt + core.config.textFallbackMs - core.clock.now());
    core.timers.set('textFallback', wait, () => this.textFallback());
  }

  private textFallback(): void {
    if (!this.core.running || this.state !== 'unknown' || this.provenBefore) return;
    const { host, q } = this;
    for (const m of q.takeQueue()) {
      if (host.secure || host.neverInClear) {
        // A passphrase is set, or the peer is a UDP Chat we know: the words never go in clear. A readable notice tells a person, and marks us to a UDP Chat.
        if (!m.announced) { m.announced = true; host.sendRaw(encryptedNoticeDatagram(host.displayName(), host.senderId)); }
        q.queue.push(m);
      } else if (typeof m.content === 'string' ? isQuitWord(m.content) : isQuitWord(m.content.text) && !m.content.code) {
        // A quit word goes unmarked, exactly as typed, so the classic programs recognise it; it is the end anyway.
        this.sendPlain(m);
      } else {
        for (const d of markedTextDatagrams(this.plainText(m), host.senderId)) host.sendRaw(d);
        this.tentative.push(m);
        if (this.tentative.length > MAX_QUEUED_MESSAGES) q.settle(this.tentative.shift()!, 'unconfirmed');
        q.setStatus(m, 'textSent');
      }
    }
  }

  /** The address showed our protocol: binary from now on; what went out as text goes again reliably. */
  becomeProtocol(): void {
    if (this.state === 'protocol' || this.forced) return;
    const wasPlain = this.state === 'plain';
    this.state = 'protocol';
    this.core.timers.clear('textFallback');
    if (wasPlain) this.core.events.plainPeer?.(false);
    if (this.tentative.length > 0) {
      // The peer never showed these (a UDP Chat does not show marked text): first in line, same msgIds.
      for (const m of this.tentative) this.q.setStatus(m, 'queued');
      this.q.queue = [...this.tentative, ...this.q.queue];
      this.tentative = [];
    }
  }

  /**
   * The peer left (bye, or a quit word): whoever uses the address next has shown nothing yet, so only
   * text goes there. It spoke our protocol before, so no text fallback: messages wait for it.
   */
  becomeUnknown(): void {
    if (this.state === 'unknown' || this.forced) return;
    const wasPlain = this.state === 'plain';
    if (this.state === 'protocol') this.provenBefore = true;
    this.state = 'unknown';
    this.presence.stopHellos();
    if (wasPlain) this.core.events.plainPeer?.(false);
  }

  /** A plain peer gets no hello, heartbeat or data; whatever waits goes as plain text. */
  private cancelProtocolTraffic(): void {
    this.presence.stopHellos();
    this.core.timers.clear('textFallback');
    // Sent as text already: the plain peer has shown them. Now known to be plain, they stay unconfirmed.
    for (const m of this.tentative) this.q.settle(m, 'unconfirmed');
    this.tentative = [];
    for (const m of this.q.drainAll()) this.sendPlain(m);
    this.host.armRto();
  }

  /** A datagram that is not ours: a line of text, or marked text from another UDP Chat. */
  onPlain(datagram: Buffer): void {
    const { core, host, presence } = this;
    const decoded = decodePlain(datagram);
    const mark = this.forced ? undefined : readMark(decoded);
    // Our own mark coming back (someone pasted our line) is not another UDP Chat: it is plain text.
    if (mark && mark.senderId !== host.senderId && this.onMarkedText(mark.senderId, mark.version)) return;
    if (host.secure) {
      // With a passphrase, a session never falls back to plain text: that would send the user's words in clear.
      core.stats.malformed++;
      host.unauthNotice('plain-in-secure', 'warning', 'Ignored a plain-text datagram from the peer\'s address: this session is encrypted.');
      return;
    }
    if (!this.plain && presence.isAlive()) {
      // The peer at this address speaks our protocol and is alive: plain text from the same address
      // is not it (a stray or forged datagram). Switching to plain text would send it our words in clear.
      core.stats.foreignDropped++;
      host.unauthNotice('plain-while-protocol', 'warning', 'Ignored a plain-text datagram from the peer\'s address while the peer speaks the UDP Chat protocol.');
      return;
    }
    if (!this.guard.admit('peer')) {
      core.stats.plainDropped++;
      core.noticeOnce('plain-rate', 'warning', `The peer sends plain text faster than ${PLAIN_MESSAGE_GUARD.ratePerSecond} lines per second; some lines were dropped.`);
      return;
    }
    const text = stripMark(decoded);
    const quit = isQuitWord(text);
    if (!this.plain && !quit) {
      this.state = 'plain';
      core.events.plainPeer?.(true);
      core.notice('info', 'The peer speaks plain text (like nc -u): messages go as plain UTF-8 and delivery cannot be confirmed.');
      this.cancelProtocolTraffic();
    }
    presence.heard('');
    core.stats.messagesReceived++;
    core.events.message?.({ text, sentAt: 0, plain: true, uid: '' });
    if (quit) {
      presence.goOffline(`the peer said "${text.trim()}"`);
      // Whoever uses the address next has shown nothing yet (it may be a UDP Chat that quit).
      this.becomeUnknown();
    }
  }

  /**
   * Marked text (§8.1): another UDP Chat that does not know we are one. It is not shown (the sender
   * sends it again reliably); we answer with a binary hello, and the protocol takes over.
   */
  /** Returns false when the line is to be taken as plain text after all (an older UDP Chat). */
  private onMarkedText(senderId: number, version: number): boolean {
    if (version < MARK_PROTOCOL_VERSION) {
      // Once per instance of the older peer: our mark makes its own code tell its user to update.
      if (this.olderPeerTold !== senderId) { this.olderPeerTold = senderId; this.host.sendRaw(updateNoticeDatagram(this.host.displayName(), this.host.senderId)); }
      // A first-version UDP Chat cannot speak v2: say so, and chat as plain text with it meanwhile
      // (it shows our unmarked lines as a plain peer's), except with a passphrase (never in clear).
      this.host.unauthNotice('version', 'error', this.host.secure
        ? `The peer runs an older UDP Chat (protocol ${version}). Ask them to update UDP Chat; with a passphrase set, nothing can be exchanged until then.`
        : `The peer runs an older UDP Chat (protocol ${version}). Ask them to update UDP Chat; until then you chat as plain text: unencrypted, and delivery is not confirmed.`);
      return this.host.secure;
    }
    if (version > MARK_PROTOCOL_VERSION) {
      this.host.unauthNotice('version', 'error', `The peer runs a newer UDP Chat (protocol ${version}); this side speaks ${MARK_PROTOCOL_VERSION}. Update UDP Chat.`);
      return true;
    }
    if (!this.guard.admit('peer')) { this.core.stats.plainDropped++; return true; }
    if (this.state === 'protocol' && senderId === this.presence.peerId && this.presence.online) return true; // a late line
    this.becomeProtocol();
    // echoId 0: we have not heard its protocol yet, so it answers with a hello of its own (§6.1).
    this.presence.hello(0);
    return true;
  }
}
