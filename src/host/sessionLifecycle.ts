// The session's lifecycle: start, resume after a reload, move to another peer when the setting
// changes, end; sending through the running session; the header it shows. The chat itself (the
// driver, the person we chat with, sending and statuses) is the chat service's (src/service), shared
// with the terminal peer; what it reports is handled in peerEvents.ts, the help after a failed start
// in startErrors.ts.
import * as vscode from 'vscode';
import { formatAddress, parsePeerAddress } from '../core/address';
import type { Identity } from '../core/identity';
import type { TrustStore } from '../core/trust';
import type { ChatRuntime } from '../net/chatRuntime';
import { ChatService } from '../service/chatService';
import type { ChatServiceListener, GroupStorage, Person } from '../service/types';
import type { ChatEntry, CodeBlock, HeaderInfo, SessionState } from '../shared/protocol';
import { reachableAddresses } from './addresses';
import { sendFailureText } from './words';
import type { ChatViewProvider } from './chatViewProvider';
import type { Conversation } from './conversation';
import type { Notifications } from './notifications';
import { onlyTheContact, PeerEvents } from './peerEvents';
import * as settings from './settings';
import type { StartOptions } from './startErrors';
import { explainStartError, startErrorCode } from './startErrors';
import type { StatusBarInfo } from './statusBar';
import type { ViewBridge } from './viewBridge';

export interface SecurityProvider {
  /** The pre-shared key derived from the stored passphrase, or undefined when none is set. */
  psk(): Promise<Buffer | undefined>;
  /** This installation's identity key (secret storage). */
  identity?(): Promise<Identity>;
  /** Known people and pinned keys (global state). */
  trust?(): TrustStore;
}

export type { StartOptions } from './startErrors';

/** Someone other than the configured peer (a LAN conversation): who, and where its notices go. */
export interface OtherPerson { personId: string; notice(level: 'info' | 'warning', text: string): void }

/** What the session works with; the last two are the controller's and the outbox's. */
export interface SessionParts {
  log: vscode.LogOutputChannel;
  conversation: Conversation;
  security?: SecurityProvider;
  notifications: Notifications;
  bridge: ViewBridge;
  view(): ChatViewProvider | undefined;
  /** Whether a code block's path is in this workspace (see CodeLinks). */
  workspaceHas(path: string): boolean;
  /** The header changed: the view and the status bar show it. */
  headerChanged(): void;
  /** A session (re)started or moved to another peer: the messages waiting for it go out. */
  resendPending(): void;
  /** What the service reports about everyone but the configured peer (lanChats.ts). */
  lan?: ChatServiceListener;
  /** Where groups are kept between windows. */
  groupStorage?: GroupStorage;
}

export class SessionLifecycle {
  /** The driver, the person we chat with, sending and statuses. */
  private readonly service = new ChatService();
  private state: SessionState = 'idle';
  /** What the service reports, shown to the user. */
  private readonly peer: PeerEvents;
  /** The running session requires the passphrase (psk). */
  private usesPassphrase = false;
  /** Last bind address shown in the header and the status bar. */
  localText = '';
  private retryTimer?: NodeJS.Timeout;
  /** The start notice is said once per window, not on every start. */
  private startExplained = false;
  private starting?: Promise<boolean>;
  /** Whether a session was running when the window closed (workspace state): it is resumed. */
  memory?: { get(): boolean; set(active: boolean): void };

  constructor(private readonly parts: SessionParts) {
    this.peer = new PeerEvents({
      ...parts,
      headerChanged: () => parts.headerChanged(),
      peerInUse: () => this.peerInUse(),
      setPeer: (given) => this.setPeer(given),
      acceptKey: () => this.acceptPeerKey(),
      verify: () => this.verifyPeer(),
    });
    this.service.on(onlyTheContact(this.peer, () => this.service.peerId));
    if (parts.lan) this.service.on(parts.lan);
  }

  /** The chat service (people, groups, sending) for the LAN conversations. */
  get chat(): ChatService { return this.service; }

  private get show() { return this.parts.notifications.show; }
  private notice(level: 'info' | 'warning' | 'error', text: string): void { this.parts.bridge.notice(level, text); }

  get sessionState(): SessionState { return this.state; }
  get running(): boolean { return this.service.running; }
  /** The start under way, if any. */
  get startingUp(): Promise<boolean> | undefined { return this.starting; }
  get currentRuntime(): ChatRuntime | undefined { return this.service.runtime; }
  /** Everyone the chat service knows (today: the configured peer, also after the session ended). */
  people(): Person[] { return this.service.people(); }

  header(): HeaderInfo {
    const local = this.service.local;
    const p = this.service.peer;
    return {
      state: this.state,
      local: local ? this.localText : '',
      localAddresses: local ? reachableAddresses(local) : [],
      // While a session runs, the header shows the peer in use (the setting may name one that failed).
      peer: this.running ? this.peerInUse() : settings.configuredPeerText(),
      peerName: p?.name ?? '',
      presence: p?.presence ?? 'unknown',
      plainPeer: p?.plain ?? false,
      encrypted: p?.encrypted ?? false,
      fingerprint: p?.safetyNumber ?? '',
      verified: p?.verified ?? false,
      keyChanged: p?.keyChangePending ?? false,
      passphrase: this.usesPassphrase,
    };
  }

  /** What the user calls the peer: its name once said, or the address in use. */
  private whoIs(p: Person): string { return p.name || this.peerInUse(); }

  /** UDP Chat: Verify Safety Number. Shows the number to compare; "Mark as Verified" remembers the key. */
  async verifyPeer(answer?: 'verified' | 'not verified', other?: OtherPerson): Promise<boolean> {
    const p = other ? this.service.person(other.personId) : this.service.peer;
    const notice = other?.notice ?? ((level: 'info' | 'warning', text: string) => this.notice(level, text));
    if (!this.running || !p?.safetyNumber) {
      this.show('info', vscode.l10n.t('UDP Chat: there is no encrypted session with a UDP Chat peer yet, so there is no safety number to compare.'));
      return false;
    }
    const who = other ? p.name || p.address : this.whoIs(p);
    const markVerified = vscode.l10n.t('Mark as Verified');
    const numbersDiffer = vscode.l10n.t('Numbers Differ');
    const pick = answer ?? await vscode.window.showInformationMessage(
      vscode.l10n.t('Safety number with {who}:\n\n{number}\n\nCompare it with the number {who} sees (in person, or over a channel you trust). If they match, nobody is between you.', { who, number: p.safetyNumber }),
      { modal: true }, markVerified, numbersDiffer);
    const verified = pick === markVerified || pick === 'verified';
    if (pick === numbersDiffer || pick === 'not verified') {
      this.service.verify(p.id, false);
      notice('warning', vscode.l10n.t('The safety numbers differ: someone may be between you and {who}. Do not send anything sensitive; end the session and check the peer address.', { who }));
    } else if (verified) {
      this.service.verify(p.id, true);
      notice('info', vscode.l10n.t('{who} is verified: the safety number {number} matched. A different key later will be pointed out.', { who, number: p.safetyNumber }));
    }
    this.parts.headerChanged();
    return verified;
  }

  /** UDP Chat: Accept the Peer's New Key, after a key-change warning (or refuse it: `answer` 'refuse'). */
  async acceptPeerKey(answer?: boolean | 'refuse', other?: OtherPerson): Promise<boolean> {
    const p = other ? this.service.person(other.personId) : this.service.peer;
    const notice = other?.notice ?? ((level: 'info' | 'warning', text: string) => this.notice(level, text));
    if (!this.running || !p?.keyChangePending) {
      this.show('info', vscode.l10n.t('UDP Chat: no key change is waiting.'));
      return false;
    }
    const who = other ? p.name || p.address : this.whoIs(p);
    const acceptKey = vscode.l10n.t('Accept New Key');
    const refuseKey = vscode.l10n.t('Refuse New Key');
    const pick = answer ?? await vscode.window.showWarningMessage(
      vscode.l10n.t('Accept the new identity key of {who}?\n\nOnly if you know why it changed (a reinstall, a new computer). Otherwise someone else may be answering at that address: refuse it, and the remembered key can go on talking.', { who }),
      { modal: true }, acceptKey, refuseKey);
    if (pick === 'refuse' || pick === refuseKey) {
      this.service.rejectKey(other ? p.id : this.service.peer?.id ?? p.id);
      notice('info', vscode.l10n.t("Refused the new key at {who}'s address. It is not let in; the remembered key still is.", { who }));
      this.parts.headerChanged();
      return false;
    }
    const ok = pick === true || pick === acceptKey;
    if (!ok) return false;
    this.service.acceptKey(other ? p.id : this.service.peer?.id ?? p.id);
    notice('info', vscode.l10n.t('Accepted the new key of {who}. Compare the safety number again when the session is up.', { who }));
    this.parts.headerChanged();
    return true;
  }

  statusBarInfo(): Omit<StatusBarInfo, 'unread'> {
    const p = this.service.peer;
    return { state: this.state, presence: p?.presence ?? 'unknown', who: p?.name || settings.configuredPeerText(), local: this.localText };
  }

  /** The peer the running session talks to, as "host:port" (what a message is written to). */
  peerInUse(): string {
    const peer = this.service.peerAddress;
    return peer ? formatAddress(peer.host, peer.port) : '';
  }

  /** UDP Chat: Set Peer Address (see settings.setPeer). */
  setPeer(given?: string): Promise<string | undefined> {
    return settings.setPeer(given, this, this.show);
  }

  /** Resumes the session that was running when the window was closed or reloaded. */
  async restore(): Promise<void> {
    if (!this.memory?.get() || this.running) return;
    this.parts.log.info('Resuming the session that was running when the window closed.');
    await this.start({ restore: true });
  }

  /** Start UDP Chat. Resolves true when a session is running afterwards. */
  async start(opts: StartOptions = {}): Promise<boolean> {
    // No peer yet: ask first, while the keyboard focus is still where the user was (revealing the
    // view first moved the focus into it, and the address typed in the input box went nowhere).
    if (!opts.restore && !this.running && !this.starting && !settings.configuredPeerText() && !settings.discoverable()) {
      if (!(await this.setPeer())) {
        // Cancelled: the view still opens, with its guidance, without a session.
        await this.parts.view()?.reveal(false);
        this.show('warning', vscode.l10n.t('UDP Chat needs a peer address to start. Run "UDP Chat: Set Peer Address".'), [vscode.l10n.t('Set Peer Address')], async () => {
          if (await this.setPeer()) await this.start(opts);
        });
        return false;
      }
    }
    // A session restored after a reload does not grab the view or the focus.
    if (!opts.restore) await this.parts.view()?.reveal(false);
    if (this.running) {
      this.notice('info', vscode.l10n.t('The session is already running on {address}.', { address: this.localText }));
      return true;
    }
    if (this.starting) return this.starting;
    this.starting = this.startInner(opts).finally(() => { this.starting = undefined; });
    return this.starting;
  }

  private async startInner(opts: StartOptions): Promise<boolean> {
    let peerText = settings.configuredPeerText();
    const lanMode = !peerText && settings.discoverable();
    if (!peerText && opts.restore && !lanMode) return false;
    if (!peerText && !lanMode) {
      const set = await this.setPeer();
      if (!set) {
        this.show('warning', vscode.l10n.t('UDP Chat needs a peer address to start. Run "UDP Chat: Set Peer Address".'));
        return false;
      }
      peerText = set;
    }
    const parsed = lanMode ? undefined : parsePeerAddress(peerText);
    if (parsed && !parsed.ok) {
      this.setState('error');
      this.show('error', vscode.l10n.t('UDP Chat: the peer address "{address}" is invalid: {reason}', { address: peerText, reason: parsed.error }), [vscode.l10n.t('Set Peer Address')], async () => {
        if (await this.setPeer()) await this.start(opts);
      });
      return false;
    }
    const localAddress = settings.localAddress();
    const port = opts.anyPort ? 0 : settings.localPort();
    if (!settings.isValidPort(port)) {
      this.setState('error');
      this.show('error', vscode.l10n.t('UDP Chat: udpChat.localPort must be an integer from 0 to 65535 (it is {port}).', { port }));
      return false;
    }
    this.setState('starting');
    let psk: Buffer | undefined;
    try {
      psk = await this.parts.security?.psk();
      const identity = await this.parts.security?.identity?.();
      await this.service.start({
        identity,
        trust: this.parts.security?.trust?.(),
        localAddress,
        localPort: port,
        peer: parsed?.value,
        displayName: settings.displayName(),
        discovery: settings.discoverable() ? { interface: settings.discoveryInterface() || undefined } : undefined,
        reach: settings.whoCanReachMe(),
        groupStorage: this.parts.groupStorage,
        psk,
        shownUids: () => this.parts.conversation.peerUids(),
      });
    } catch (e) {
      this.setState('error');
      return this.handleStartError(e, port, opts);
    }
    this.usesPassphrase = psk !== undefined;
    const local = this.service.local!;
    this.localText = this.service.localText;
    this.setState('active');
    this.parts.log.info(`Session started: local ${this.localText}, ${parsed ? `peer ${formatAddress(parsed.value.host, parsed.value.port)} (${this.service.peerEndpoint?.address})` : 'no configured peer (LAN)'}${settings.discoverable() ? ', discoverable on the LAN' : ''}`);
    const reach = reachableAddresses(local);
    if (!this.startExplained) {
      this.startExplained = true;
      const address = reach[0] ?? this.localText;
      this.notice('info', parsed
        ? vscode.l10n.t('Listening on {address}. Waiting for {peer} to answer; what you type goes out when it does (to a plain-text program such as nc -u, after a second).', { address, peer: settings.configuredPeerText() })
        : vscode.l10n.t('Listening on {address}, and finding UDP Chat users on the local network: they appear in the list above. To chat with a fixed address, run "UDP Chat: Set Peer Address" or "Add Peer…".', { address }));
    }
    const wanted = settings.localPort();
    if (opts.anyPort && local.port !== wanted) {
      // The peer sends to the port it knows: unless it learns the new one, it cannot reach us.
      const two = reach.slice(0, 2);
      const addresses = two.length === 2 ? vscode.l10n.t('{0} or {1}', two[0]!, two[1]!) : two[0] ?? this.localText;
      const text = vscode.l10n.t('UDP Chat now listens on port {port}, not {wanted}. Your peer must send to {addresses} — tell them, or free port {wanted}.', { port: local.port, wanted, addresses });
      this.notice('warning', text);
      this.show('warning', text, [vscode.l10n.t('Copy Address')], () => vscode.env.clipboard.writeText(reach[0] ?? this.localText));
    }
    this.parts.resendPending();
    this.memory?.set(true);
    // The peer setting may have changed while the session was starting.
    const now = parsePeerAddress(settings.configuredPeerText());
    if (parsed && now.ok && (now.value.host !== parsed.value.host || now.value.port !== parsed.value.port)) void this.onPeerSettingChanged();
    // Keyboard users go from the palette straight to typing.
    if (!opts.restore) this.parts.view()?.focusInput();
    return true;
  }

  private handleStartError(e: unknown, port: number, opts: StartOptions): boolean {
    const attempt = opts.attempt ?? 0;
    if (opts.restore && startErrorCode(e) === 'EADDRINUSE' && attempt < 5) {
      // Resuming after a reload: the window that is going away may still hold the port for a moment.
      this.parts.log.info(`Resume: port ${port} still in use, trying again in 1 s.`);
      this.retryTimer = setTimeout(() => { this.retryTimer = undefined; void this.start({ ...opts, attempt: attempt + 1 }); }, 1000);
      return false;
    }
    explainStartError(e, port, opts, {
      log: this.parts.log, show: this.show, notice: (level, text) => this.notice(level, text),
      start: (o) => this.start(o), setPeer: () => this.setPeer(),
    });
    return false;
  }

  /** UDP Chat: End Session. The conversation stays. */
  async endSession(reason = 'the user ended the session'): Promise<void> {
    if (this.retryTimer) { clearTimeout(this.retryTimer); this.retryTimer = undefined; }
    if (this.starting) await this.starting.catch(() => false);
    if (!this.running) {
      if (this.state !== 'ended') this.show('info', vscode.l10n.t('UDP Chat: no session is running.'));
      return;
    }
    // Without a drain, the service lets the runtime go at once: `running` is false from here.
    const stopped = this.service.stop(reason);
    this.memory?.set(false);
    await stopped;
    this.setState('ended');
    this.notice('info', vscode.l10n.t('Session ended. The peer was told. Run "Start UDP Chat" to chat again.'));
    this.parts.log.info(`Session ended (${reason})`);
  }

  /** The passphrase was set or cleared: it applies from the next session. */
  securityChanged(what: 'set' | 'cleared'): void {
    const text = what === 'set'
      ? vscode.l10n.t('UDP Chat: passphrase saved in secret storage. Only peers with the same passphrase can talk to you now.')
      : vscode.l10n.t('UDP Chat: passphrase cleared. Sessions stay encrypted with your identity key; anyone can reach you again.');
    if (this.running || this.starting) {
      this.show('info', vscode.l10n.t('{0} Restart the session to apply it.', text), [vscode.l10n.t('Restart Session')], async () => {
        await this.endSession('restarting with new security settings');
        await this.start();
      });
    } else {
      this.show('info', text);
    }
  }

  /** Hands an own message to the running session; on failure it shows as "not sent". */
  send(entry: ChatEntry): void {
    const p = this.service.peer;
    if (!this.running || !p) return;
    // A message that went out as text once (first contact) goes again only reliably, never twice as text.
    // Its uid is chosen once and saved with it: after a reload the peer recognises the same message.
    const r = this.service.send(p.id, entry.code ? { text: entry.text, code: stripCode(entry.code) } : { text: entry.text }, { id: entry.id, uid: entry.uid, sentAsText: entry.status === 'textSent' });
    if (r.ok) {
      if (!entry.uid) this.parts.conversation.setUid(entry.id, r.uid);
      return;
    }
    this.parts.bridge.setStatus(entry.id, 'unsent');
    this.show('error', vscode.l10n.t('UDP Chat: {reason} The message is kept as "not sent".', { reason: sendFailureText(r) }));
  }

  /** Retries a failed message in the running session; false when the session does not know it. */
  retryFailed(id: string): boolean {
    const p = this.service.peer;
    return p ? this.service.retry(p.id, id) > 0 : false;
  }

  displayNameChanged(): void {
    this.service.setDisplayName(settings.displayName());
  }

  /** The peer setting changed: the running session moves to the new peer, keeping its socket. */
  async onPeerSettingChanged(): Promise<void> {
    this.parts.headerChanged();
    const rt = this.service.runtime;
    const before = this.service.peerAddress;
    if (!rt) return;
    const text = settings.configuredPeerText();
    if (!text && !before) return;
    const parsed = parsePeerAddress(text);
    if (!parsed.ok) {
      this.show('error', before
        ? vscode.l10n.t('UDP Chat: the new peer address "{address}" is invalid ({reason}); still chatting with {peer}.', { address: text, reason: parsed.error, peer: formatAddress(before.host, before.port) })
        : vscode.l10n.t('UDP Chat: the new peer address "{address}" is invalid ({reason}).', { address: text, reason: parsed.error }));
      return;
    }
    if (before && parsed.value.host === before.host && parsed.value.port === before.port) return;
    try {
      await this.service.changePeer(parsed.value);
      if (this.service.runtime !== rt) return; // ended meanwhile
      this.notice('info', vscode.l10n.t('Now chatting with {peer}.', { peer: text }));
      this.parts.log.info(`Peer changed to ${text} (${this.service.peerEndpoint?.address})`);
      this.parts.headerChanged();
      // What waits for this peer goes out; what was written to the old one only if the user says so.
      this.parts.resendPending();
    } catch (e) {
      if (this.service.runtime !== rt) return;
      const still = this.service.peerAddress ?? before;
      const reason = e instanceof Error ? e.message : String(e);
      this.show('error', still
        ? vscode.l10n.t('UDP Chat: {reason} Still chatting with {peer}.', { reason, peer: formatAddress(still.host, still.port) })
        : vscode.l10n.t('UDP Chat: {0}', reason));
    }
  }

  private setState(s: SessionState): void {
    this.state = s;
    this.parts.headerChanged();
  }

  /** The window is closing: the session stops (its peer is told), no resume is pending. */
  async dispose(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.running) await this.service.stop('VS Code window closed').catch(() => undefined);
  }
}

function stripCode(c: CodeBlock): { language: string; path: string; startLine: number; endLine: number } {
  return { language: c.language, path: c.path, startLine: c.startLine, endLine: c.endLine };
}
