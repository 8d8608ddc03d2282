// Runs the chat inside VS Code: session lifecycle, settings, commands' behaviour, the
// conversation, and what the view, the status bar and notifications show.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import { Commands, CONTEXT_ACTIVE, Settings } from '../constants';
import { formatAddress, parsePeerAddress, parsePort } from '../core/address';
import { MAX_TEXT_BYTES } from '../core/limits';
import { isQuitWord } from '../core/plain';
import type { OutStatus, Presence } from '../core/session';
import { MessageTooLargeError } from '../core/session';
import { ChatRuntime } from '../net/chatRuntime';
import { resolveHost, UdpError } from '../net/udpEndpoint';
import type { ChatEntry, CodeBlock, DeliveryStatus, HeaderInfo, HostToWebview, SessionState, WebviewToHost } from '../shared/protocol';
import { assertNever } from '../shared/protocol';
import type { ChatViewProvider } from './chatViewProvider';
import type { Conversation } from './conversation';

/** View updates are sent at most this often. */
const VIEW_BATCH_MS = 16;
/** At most one new-message notification this often; the badge counts every message. */
const NOTIFY_INTERVAL_MS = 5000;

export interface SecurityProvider {
  /** The pre-shared key derived from the stored passphrase, or undefined when none is set. */
  psk(): Promise<Buffer | undefined>;
}

export class ChatController implements vscode.Disposable {
  private runtime?: ChatRuntime;
  private state: SessionState = 'idle';
  private presence: Presence = 'unknown';
  private plainPeer = false;
  private peerName = '';
  private encrypted = false;
  private fingerprint = '';
  private unread = 0;
  private lastNotifyAt = 0;
  private notifyTimer?: NodeJS.Timeout;
  /** Messages that arrived since the last notification. */
  private unnotified = 0;
  private lastFrom = '';
  private lastPreview = '';
  private retryTimer?: NodeJS.Timeout;
  private lastSocketNotice = 0;
  /** The start notice is said once per window, not on every start. */
  private startExplained = false;
  /** Tests answer notifications through this instead of a click (the text and the actions offered). */
  answer?: (text: string, actions: string[]) => string | undefined;
  private starting?: Promise<boolean>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly statusBar: vscode.StatusBarItem;
  view?: ChatViewProvider;
  /** For tests and the status bar: last bind address shown in the header. */
  localText = '';
  /** The last messages shown to the user (errors, warnings, info), newest last; tests read them. */
  readonly shownMessages: Array<{ level: 'error' | 'warning' | 'info'; text: string }> = [];

  /**
   * Shows a message without blocking the caller: the user's choice runs `then` later.
   * (Awaiting a notification's buttons would leave a command pending until the user clicks.)
   */
  private show(level: 'error' | 'warning' | 'info', text: string, actions: string[] = [], then?: (pick: string) => unknown): void {
    this.shownMessages.push({ level, text });
    if (this.shownMessages.length > 50) this.shownMessages.shift();
    if (this.answer && actions.length > 0) {
      const pick = this.answer(text, actions);
      if (pick && then) void Promise.resolve().then(() => then(pick)).catch((e) => this.log.error(`Action "${pick}" failed: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    const fn = level === 'error' ? vscode.window.showErrorMessage : level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void Promise.resolve(fn(text, ...actions)).then(async (pick) => {
      if (pick && then) {
        try { await then(pick); } catch (e) { this.log.error(`Action "${pick}" failed: ${e instanceof Error ? e.message : String(e)}`); }
      }
    }, () => undefined);
  }

  constructor(
    private readonly log: vscode.LogOutputChannel,
    readonly conversation: Conversation,
    private readonly security?: SecurityProvider,
  ) {
    this.statusBar = vscode.window.createStatusBarItem('udpChat.status', vscode.StatusBarAlignment.Right, 100);
    this.statusBar.name = 'UDP Chat';
    this.statusBar.command = Commands.focusView;
    this.disposables.push(this.statusBar);
    this.disposables.push(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${Settings.section}.${Settings.peer}`)) void this.onPeerSettingChanged();
      if (e.affectsConfiguration(`${Settings.section}.${Settings.displayName}`)) this.runtime?.session.setDisplayName(this.displayName());
    }));
    this.updateStatusBar();
  }

  // ------------------------------------------------------------------ state for the view

  header(): HeaderInfo {
    return {
      state: this.state,
      local: this.runtime ? this.localText : '',
      localAddresses: this.runtime ? reachableAddresses(this.runtime.local) : [],
      // While a session runs, the header shows the peer in use (the setting may name one that failed).
      peer: this.runtime ? this.peerInUse() : this.configuredPeerText(),
      peerName: this.peerName,
      presence: this.presence,
      plainPeer: this.plainPeer,
      encrypted: this.encrypted,
      fingerprint: this.fingerprint,
    };
  }

  snapshot(): { header: HeaderInfo; entries: ChatEntry[]; draft: string } {
    return { header: this.header(), entries: this.conversation.all(), draft: this.drafts?.get() ?? '' };
  }

  /** Whether a session was running when the window closed (workspace state): it is resumed. */
  sessionMemory?: { get(): boolean; set(active: boolean): void };

  /** Resumes the session that was running when the window was closed or reloaded. */
  async restore(): Promise<void> {
    if (!this.sessionMemory?.get() || this.runtime) return;
    this.log.info('Resuming the session that was running when the window closed.');
    await this.start({ restore: true });
  }

  /** Where the unsent input text is kept between reloads (workspace state). */
  drafts?: { get(): string; set(text: string): void };

  get sessionState(): SessionState { return this.state; }
  get isActive(): boolean { return this.state === 'active'; }
  get currentRuntime(): ChatRuntime | undefined { return this.runtime; }
  get unreadCount(): number { return this.unread; }

  // ------------------------------------------------------------------ commands

  /** Start UDP Chat. Resolves true when a session is running afterwards. */
  async start(opts: { anyPort?: boolean; restore?: boolean; attempt?: number } = {}): Promise<boolean> {
    // No peer yet: ask first, while the keyboard focus is still where the user was (revealing the
    // view first moved the focus into it, and the address typed in the input box went nowhere).
    if (!opts.restore && !this.runtime && !this.starting && !this.configuredPeerText()) {
      if (!(await this.setPeer())) {
        // Cancelled: the view still opens, with its guidance, without a session.
        await this.view?.reveal(false);
        this.show('warning', 'UDP Chat needs a peer address to start. Run "UDP Chat: Set Peer Address".', ['Set Peer Address'], async () => {
          if (await this.setPeer()) await this.start(opts);
        });
        return false;
      }
    }
    // A session restored after a reload does not grab the view or the focus.
    if (!opts.restore) await this.view?.reveal(false);
    if (this.runtime) {
      this.notice('info', `The session is already running on ${this.localText}.`);
      return true;
    }
    if (this.starting) return this.starting;
    this.starting = this.startInner(opts).finally(() => { this.starting = undefined; });
    return this.starting;
  }

  private async startInner(opts: { anyPort?: boolean; restore?: boolean; attempt?: number }): Promise<boolean> {
    let peerText = this.configuredPeerText();
    if (!peerText && opts.restore) return false;
    if (!peerText) {
      const set = await this.setPeer();
      if (!set) {
        this.show('warning', 'UDP Chat needs a peer address to start. Run "UDP Chat: Set Peer Address".');
        return false;
      }
      peerText = set;
    }
    const parsed = parsePeerAddress(peerText);
    if (!parsed.ok) {
      this.setState('error');
      this.show('error', `UDP Chat: the peer address "${peerText}" is invalid: ${parsed.error}`, ['Set Peer Address'], async () => {
        if (await this.setPeer()) await this.start(opts);
      });
      return false;
    }
    const cfg = vscode.workspace.getConfiguration(Settings.section);
    const localAddress = (cfg.get<string>(Settings.localAddress) ?? '').trim();
    const port = opts.anyPort ? 0 : cfg.get<number>(Settings.localPort) ?? 50505;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      this.setState('error');
      this.show('error', `UDP Chat: udpChat.localPort must be an integer from 0 to 65535 (it is ${port}).`);
      return false;
    }
    this.setState('starting');
    let psk: Buffer | undefined;
    try {
      psk = await this.security?.psk();
      this.runtime = await ChatRuntime.start({
        localAddress,
        localPort: port,
        peer: parsed.value,
        displayName: this.displayName(),
        events: this.sessionEvents(),
        psk,
        shownUids: () => this.conversation.peerUids(),
      });
    } catch (e) {
      this.setState('error');
      return this.handleStartError(e, port, opts);
    }
    this.encrypted = psk !== undefined;
    this.fingerprint = '';
    this.localText = this.runtime.localText;
    this.presence = 'unknown';
    this.plainPeer = false;
    this.peerName = '';
    this.setState('active');
    this.log.info(`Session started: local ${this.localText}, peer ${formatAddress(parsed.value.host, parsed.value.port)} (${this.runtime.peerEndpoint.address})`);
    const reach = reachableAddresses(this.runtime.local);
    if (!this.startExplained) {
      this.startExplained = true;
      this.notice('info', `Listening on ${reach[0] ?? this.localText}. Waiting for ${this.configuredPeerText()} to answer; what you type goes out when it does (to a plain-text program such as nc -u, after a second).`);
    }
    const wanted = vscode.workspace.getConfiguration(Settings.section).get<number>(Settings.localPort) ?? 50505;
    if (opts.anyPort && this.runtime.local.port !== wanted) {
      // The peer sends to the port it knows: unless it learns the new one, it cannot reach us.
      const text = `UDP Chat now listens on port ${this.runtime.local.port}, not ${wanted}. Your peer must send to ${reach.slice(0, 2).join(' or ') || this.localText} — tell them, or free port ${wanted}.`;
      this.notice('warning', text);
      this.show('warning', text, ['Copy Address'], () => vscode.env.clipboard.writeText(reach[0] ?? this.localText));
    }
    this.resendPending();
    this.sessionMemory?.set(true);
    // The peer setting may have changed while the session was starting.
    const now = parsePeerAddress(this.configuredPeerText());
    if (now.ok && (now.value.host !== parsed.value.host || now.value.port !== parsed.value.port)) void this.onPeerSettingChanged();
    // Keyboard users go from the palette straight to typing.
    if (!opts.restore) this.view?.focusInput();
    return true;
  }

  private handleStartError(e: unknown, port: number, opts: { anyPort?: boolean; restore?: boolean; attempt?: number }): boolean {
    const msg = e instanceof Error ? e.message : String(e);
    const code = e instanceof UdpError ? e.code : '';
    const attempt = opts.attempt ?? 0;
    if (opts.restore && code === 'EADDRINUSE' && attempt < 5) {
      // Resuming after a reload: the window that is going away may still hold the port for a moment.
      this.log.info(`Resume: port ${port} still in use, trying again in 1 s.`);
      this.retryTimer = setTimeout(() => { this.retryTimer = undefined; void this.start({ ...opts, attempt: attempt + 1 }); }, 1000);
      return false;
    }
    this.log.error(`Start failed: ${msg}`);
    this.notice('error', `Could not start: ${msg}`);
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EPERM') {
      this.show('error', `UDP Chat: ${msg}`, ['Use Any Free Port', 'Change Port'], async (pick) => {
        if (pick === 'Use Any Free Port') await this.start({ ...opts, anyPort: true });
        else if (await this.askPort(port)) await this.start({ ...opts, anyPort: false });
      });
    } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA' || code === 'ESERVFAIL') {
      this.show('error', `UDP Chat: ${msg}`, ['Set Peer Address'], async () => {
        if (await this.setPeer()) await this.start(opts);
      });
    } else if (code === 'EADDRNOTAVAIL') {
      this.show('error', `UDP Chat: ${msg} Check udpChat.localAddress (empty binds all interfaces).`, ['Open Settings'], () => vscode.commands.executeCommand('workbench.action.openSettings', 'udpChat.localAddress'));
    } else {
      this.show('error', `UDP Chat: ${msg}`, ['Open Settings'], () => vscode.commands.executeCommand('workbench.action.openSettings', 'udpChat'));
    }
    return false;
  }

  private async askPort(current: number): Promise<boolean> {
    const value = await vscode.window.showInputBox({
      title: 'UDP Chat: local port',
      prompt: 'UDP port to bind (0 = any free port)',
      value: String(current),
      validateInput: (v) => { const r = parsePort(v.trim(), true); return r.ok ? undefined : r.error; },
    });
    if (value === undefined) return false;
    const p = parsePort(value.trim(), true);
    if (!p.ok) return false;
    await this.writeSetting(Settings.localPort, p.value);
    return true;
  }

  /** UDP Chat: Set Peer Address. Resolves the text written, or undefined when cancelled. */
  async setPeer(given?: string): Promise<string | undefined> {
    const current = this.configuredPeerText();
    const value = typeof given === 'string' ? given : await vscode.window.showInputBox({
      title: 'UDP Chat: peer address',
      prompt: 'host:port, IPv4, [IPv6]:port or hostname (default port 50505)',
      placeHolder: '192.0.2.7:50505',
      value: current,
      ignoreFocusOut: true,
      validateInput: (v) => { const r = parsePeerAddress(v); return r.ok ? undefined : r.error; },
    });
    if (value === undefined) return undefined;
    const r = parsePeerAddress(value);
    if (!r.ok) {
      this.show('error', `UDP Chat: invalid peer address "${value}": ${r.error}`, ['Set Peer Address'], () => this.setPeer());
      return undefined;
    }
    const text = value.trim();
    if (this.runtime) {
      // The session moves to the new peer: one that does not resolve is refused before it is saved,
      // so the header, the settings and the session keep agreeing.
      try {
        await resolveHost(r.value.host, r.value.family);
      } catch (e) {
        this.show('error', `UDP Chat: ${e instanceof Error ? e.message : String(e)} The peer address was not changed; still chatting with ${this.peerInUse()}.`, ['Set Peer Address'], () => this.setPeer());
        return undefined;
      }
    }
    const where = await this.writeSetting(Settings.peer, text);
    if (where === 'user') this.show('info', `UDP Chat: no folder is open, so the peer ${text} was saved in your user settings.`);
    return text;
  }

  /** Writes to the workspace settings when a folder is open, else to the user settings. */
  private async writeSetting(key: string, value: unknown): Promise<'workspace' | 'user'> {
    const cfg = vscode.workspace.getConfiguration(Settings.section);
    const hasFolder = (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
    const target = hasFolder ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await cfg.update(key, value, target);
    return hasFolder ? 'workspace' : 'user';
  }

  /** UDP Chat: End Session. The conversation stays. */
  async endSession(reason = 'the user ended the session'): Promise<void> {
    if (this.retryTimer) { clearTimeout(this.retryTimer); this.retryTimer = undefined; }
    if (this.starting) await this.starting.catch(() => false);
    const rt = this.runtime;
    if (!rt) {
      if (this.state !== 'ended') this.show('info', 'UDP Chat: no session is running.');
      return;
    }
    this.runtime = undefined;
    this.sessionMemory?.set(false);
    await rt.stop(reason);
    this.presence = 'unknown';
    this.setState('ended');
    this.notice('info', 'Session ended. The peer was told. Run "Start UDP Chat" to chat again.');
    this.log.info(`Session ended (${reason})`);
  }

  // ------------------------------------------------------------------ messages

  /** Sends what the user typed. Never loses it: on failure it stays in the input or shows as unsent. */
  async sendText(text: string, code?: CodeBlock): Promise<void> {
    if (text.trim() === '' && !code) return;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_TEXT_BYTES) {
      this.view?.post({ type: 'didRestoreDraft', text });
      this.show('error', `UDP Chat: the message is too large (${bytes} bytes; the limit is ${MAX_TEXT_BYTES} bytes, 1 MiB). It is still in the input box.`);
      return;
    }
    const to = this.runtime ? this.peerInUse() : this.configuredPeerText();
    const entry = this.conversation.add({ id: this.conversation.newId(), kind: 'own', text, time: Date.now(), status: 'unsent', code, to: to || undefined });
    this.post({ type: 'didAddEntries', entries: [entry] });
    if (!this.runtime && this.starting) await this.starting.catch(() => false);
    if (!this.runtime) {
      if (!to) {
        this.show('warning', 'UDP Chat: set your peer\'s address first. The message is kept as "not sent" and goes out when the chat starts.', ['Set Peer Address'], async () => {
          if (await this.setPeer()) await this.start();
        });
        return;
      }
      // Sending is starting: the session takes the message with the other waiting ones (resendPending).
      if (!(await this.start())) return;
      if (isQuitWord(text)) await this.quitAfter(entry.id);
      return;
    }
    this.sendEntry(entry);
    if (isQuitWord(text)) await this.quitAfter(entry.id);
  }

  /** The peer the running session talks to, as "host:port" (what a message is written to). */
  private peerInUse(): string {
    const rt = this.runtime;
    return rt ? formatAddress(rt.peer.host, rt.peer.port) : '';
  }

  private sendEntry(entry: ChatEntry): void {
    const rt = this.runtime;
    if (!rt) return;
    try {
      // A message that went out as text once (first contact) goes again only reliably, never twice as text.
      // Its uid is chosen once and saved with it: after a reload the peer recognises the same message.
      if (!entry.uid) this.conversation.setUid(entry.id, rt.session.newUid());
      rt.session.send(entry.code ? { text: entry.text, code: stripCode(entry.code) } : { text: entry.text }, entry.id, { sentAsText: entry.status === 'textSent', uid: entry.uid });
    } catch (e) {
      this.updateStatus(entry.id, 'unsent');
      const msg = e instanceof MessageTooLargeError || e instanceof Error ? e.message : String(e);
      this.show('error', `UDP Chat: ${msg} The message is kept as "not sent".`);
    }
  }

  /** The classic programs end the chat after sending a quit word; so do we, once it is out. */
  private async quitAfter(id: string): Promise<void> {
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      const st = this.conversation.get(id)?.status;
      if (st === 'delivered' || st === 'failed' || st === 'unconfirmed' || st === 'unsent' || st === 'textSent') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.endSession('quit');
  }

  retry(id: string): void {
    const entry = this.conversation.get(id);
    if (!entry || entry.kind !== 'own') return;
    if (!this.runtime) {
      // Starting sends what waits for this peer, this message with it.
      if (entry.status === 'unsent' && this.configuredPeerText()) { void this.start(); return; }
      this.show('warning', 'UDP Chat: start the session first, then retry.', ['Start UDP Chat'], async () => {
        if (await this.start()) this.retry(id);
      });
      return;
    }
    if (entry.status === 'failed' && this.runtime.session.retry(id)) return;
    if (entry.status === 'failed' || entry.status === 'unsent') this.sendEntry(entry);
  }

  /** Messages left queued or unconfirmed by an earlier session (or window) go out again. */
  private resendPending(): void {
    const current = this.peerInUse();
    const others = new Map<string, ChatEntry[]>();
    for (const e of this.conversation.waiting()) {
      if (!e.to || samePeer(e.to, current)) {
        if (!e.to) this.conversation.setTo(e.id, current);
        this.sendEntry(e);
      } else {
        const list = others.get(e.to) ?? [];
        list.push(e);
        // It left with the old session: it waits again (not "sending" to nobody).
        if (e.status === 'sending') this.updateStatus(e.id, 'queued');
        others.set(e.to, list);
      }
    }
    // Written to someone else: never sent here unless the user says so.
    for (const [to, list] of others) {
      const n = list.length;
      const text = `${n} message${n === 1 ? ' was' : 's were'} written to ${to}, not to ${current}. ${n === 1 ? 'It waits' : 'They wait'} for ${to}.`;
      this.notice('info', text);
      this.show('info', `UDP Chat: ${text}`, [`Send to ${current}`, `Keep for ${to}`], (pick) => {
        if (!pick.startsWith('Send to') || this.peerInUse() !== current) return;
        for (const e of list) {
          const now = this.conversation.get(e.id);
          if (!now || now.to !== to) continue;
          this.conversation.setTo(e.id, current);
          this.sendEntry(now);
        }
      });
    }
  }

  // ------------------------------------------------------------------ session events

  private sessionEvents() {
    return {
      message: (m: { text: string; code?: { language: string; path: string; startLine: number; endLine: number }; sentAt: number; plain: boolean; uid: string }) => {
        const code = m.code ? { ...m.code, code: m.text } : undefined;
        const entry = this.conversation.add({
          id: this.conversation.newId(), kind: 'peer', text: m.text, time: Date.now(), uid: m.uid || undefined,
          from: this.peerName || this.configuredPeerText(), code, canOpen: code ? this.workspaceHas(code.path) : undefined,
        });
        this.post({ type: 'didAddEntries', entries: [entry] });
        this.onIncoming(entry);
      },
      status: (localId: string, status: OutStatus) => this.updateStatus(localId, status),
      presence: (p: Presence, d: { name: string; plain: boolean; reason: string }) => {
        this.presence = p;
        if (d.name) this.peerName = d.name;
        const who = this.peerName || this.configuredPeerText();
        if (p === 'online') this.notice('info', `${who} is online${d.plain ? ' (plain text: delivery cannot be confirmed)' : ''}.`);
        else if (p === 'offline') this.notice('warning', `${who} went offline${d.reason ? ` (${d.reason})` : ''}. New messages are queued until they come back.`);
        this.pushHeader();
      },
      notice: (level: 'info' | 'warning' | 'error', text: string) => {
        this.log.appendLine(`[${level}] ${text}`);
        this.notice(level, text);
      },
      diagnostic: (text: string) => this.log.appendLine(`[unauthenticated] ${text}`),
      peerElsewhere: (from: { address: string; port: number }) => {
        const there = formatAddress(from.address, from.port);
        const text = `A UDP Chat at ${there} is writing to you (your peer ${this.peerInUse()} on a new port?).`;
        this.notice('info', text);
        this.show('info', `UDP Chat: ${text}`, [`Chat with ${there}`], async () => { await this.setPeer(there); });
      },
      plainPeer: (plain: boolean) => {
        this.plainPeer = plain;
        this.pushHeader();
      },
      stranger: (from: { address: string; port: number }, bytes: number, preview: string) => {
        this.log.warn(`Ignored ${bytes} bytes from ${formatAddress(from.address, from.port)}, which is not the peer: "${preview}"`);
      },
      rateLimited: (from: string, dropped: number, stranger: boolean) => {
        this.log.warn(`Rate limit: dropped ${dropped} datagrams from ${from}${stranger ? ' (not the peer)' : ''}.`);
        if (!stranger) this.notice('warning', `The peer sent too fast: ${dropped} datagrams were dropped (limit per source).`);
      },
      secured: (fp: string) => {
        this.fingerprint = fp;
        this.notice('info', `Encrypted and authenticated session. Fingerprint: ${fp} (compare it with your peer).`);
        this.pushHeader();
      },
      socketError: (err: Error) => {
        this.log.error(`Socket error: ${err.message}`);
        const now = Date.now();
        if (now - this.lastSocketNotice >= 10_000) {
          this.lastSocketNotice = now;
          this.notice('error', `Network error: ${err.message}. Messages are kept and retried; check the peer address and your network.`);
        }
      },
    };
  }

  private updateStatus(id: string, status: OutStatus | DeliveryStatus): void {
    if (this.conversation.setStatus(id, status)) this.post({ type: 'didChangeStatus', id, status });
  }

  private onIncoming(entry: ChatEntry): void {
    if (this.view?.visible) return;
    this.unread++;
    this.view?.setBadge(this.unread);
    this.updateStatusBar();
    const notify = vscode.workspace.getConfiguration(Settings.section).get<boolean>(Settings.notifications, true);
    if (!notify) return;
    this.unnotified++;
    this.lastFrom = entry.from ?? '';
    this.lastPreview = entry.text;
    const wait = this.lastNotifyAt + NOTIFY_INTERVAL_MS - Date.now();
    if (wait <= 0) this.notifyUnread();
    // Within the quiet time, one summary follows at its end, if the messages are still unread then.
    else if (!this.notifyTimer) this.notifyTimer = setTimeout(() => { this.notifyTimer = undefined; this.notifyUnread(); }, wait);
  }

  /** One notification for what arrived since the last one: the message itself, or "3 new messages from Bob". */
  private notifyUnread(): void {
    const n = this.unnotified;
    if (n === 0 || this.unread === 0) return;
    this.unnotified = 0;
    this.lastNotifyAt = Date.now();
    const who = this.lastFrom || 'your peer';
    const text = n === 1
      ? `UDP Chat — ${who}: ${this.lastPreview.length > 80 ? `${this.lastPreview.slice(0, 80)}…` : this.lastPreview}`.replace(/\s+/g, ' ')
      : `UDP Chat: ${n} new messages from ${who}`;
    this.show('info', text, ['Open Chat'], async () => {
      await this.view?.reveal(false);
      this.view?.focusInput();
    });
  }

  onVisibilityChanged(visible: boolean): void {
    if (visible && this.unread > 0) {
      this.unread = 0;
      // Read: the summary that was due is not shown.
      this.unnotified = 0;
      if (this.notifyTimer) { clearTimeout(this.notifyTimer); this.notifyTimer = undefined; }
      this.view?.setBadge(0);
      this.updateStatusBar();
    }
  }

  // ------------------------------------------------------------------ webview messages

  async onWebviewMessage(msg: WebviewToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
        return;
      case 'sendMessage':
        return this.sendText(msg.text);
      case 'retryMessage':
        return this.retry(msg.id);
      case 'openCode':
        return this.openCode(msg.id);
      case 'copyCode': {
        const e = this.conversation.get(msg.id);
        if (e?.code) {
          await vscode.env.clipboard.writeText(e.code.code);
          vscode.window.setStatusBarMessage('UDP Chat: code copied', 2000);
        }
        return;
      }
      case 'openLink':
        return this.openLink(msg.url);
      case 'startSession':
        await this.start();
        return;
      case 'setPeer':
        await this.setPeer();
        return;
      case 'endSession':
        return this.endSession();
      case 'copyText':
        if (typeof msg.text === 'string') void vscode.env.clipboard.writeText(msg.text.slice(0, 1024));
        return;
      case 'saveDraft':
        this.drafts?.set(typeof msg.text === 'string' ? msg.text.slice(0, 2 * 1024 * 1024) : '');
        return;
      case 'didRender':
        this.log.info(`View rendered ${msg.count} entries in ${msg.ms.toFixed(1)} ms`);
        this.lastRender = { count: msg.count, ms: msg.ms };
        return;
      default:
        assertNever(msg);
    }
  }

  lastRender?: { count: number; ms: number };

  private async openLink(url: string): Promise<void> {
    let uri: vscode.Uri;
    try { uri = vscode.Uri.parse(url, true); } catch { return; }
    if (!['http', 'https', 'mailto'].includes(uri.scheme)) {
      this.show('warning', `UDP Chat: only http, https and mailto links open (not "${uri.scheme}:").`);
      return;
    }
    // VS Code asks before it opens a link to a domain the user has not trusted: asking here too asked twice.
    await vscode.env.openExternal(uri);
  }

  private workspaceHas(relPath: string): boolean {
    return this.resolveWorkspacePath(relPath) !== undefined;
  }

  private resolveWorkspacePath(relPath: string): vscode.Uri | undefined {
    if (!relPath || relPath.includes('\0') || relPath.split(/[\\/]/).includes('..') || relPath.startsWith('/')) return undefined;
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const uri = vscode.Uri.joinPath(folder.uri, relPath);
      // Synchronous check: the folder is local to the extension host in all supported setups.
      if (uri.scheme === 'file' && fs.existsSync(uri.fsPath)) return uri;
    }
    return undefined;
  }

  private async openCode(id: string): Promise<void> {
    const e = this.conversation.get(id);
    if (!e?.code) return;
    const uri = this.resolveWorkspacePath(e.code.path);
    if (!uri) {
      this.show('warning', `UDP Chat: ${e.code.path} is not in this workspace.`);
      return;
    }
    const start = Math.max(0, e.code.startLine - 1);
    const end = Math.max(start, e.code.endLine - 1);
    const doc = await vscode.workspace.openTextDocument(uri);
    const range = new vscode.Range(start, 0, Math.min(end, doc.lineCount - 1), Number.MAX_SAFE_INTEGER);
    await vscode.window.showTextDocument(doc, { selection: range, preview: true });
  }

  /** UDP Chat: Send Selection. */
  async sendSelection(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      this.show('warning', 'UDP Chat: open an editor and select some code to send.');
      return;
    }
    const sel = editor.selection.isEmpty ? new vscode.Range(editor.selection.active.line, 0, editor.selection.active.line, Number.MAX_SAFE_INTEGER) : editor.selection;
    const text = editor.document.getText(sel);
    if (!text.trim()) {
      this.show('warning', 'UDP Chat: the selection is empty.');
      return;
    }
    const rel = vscode.workspace.asRelativePath(editor.document.uri, false).replace(/\\/g, '/');
    const code: CodeBlock = {
      code: text, language: editor.document.languageId,
      path: editor.document.uri.scheme === 'untitled' ? '' : rel,
      // A selection that ends at the start of a line does not include that line (as VS Code counts it).
      startLine: sel.start.line + 1,
      endLine: sel.end.line > sel.start.line && sel.end.character === 0 ? sel.end.line : sel.end.line + 1,
    };
    await this.view?.reveal(true);
    await this.sendText(text, code);
  }

  /** The passphrase was set or cleared: it applies from the next session. */
  securityChanged(what: 'set' | 'cleared'): void {
    const text = what === 'set'
      ? 'UDP Chat: passphrase saved in secret storage. Sessions are now encrypted; the peer must use the same passphrase.'
      : 'UDP Chat: passphrase cleared. Sessions are no longer encrypted.';
    if (this.runtime || this.starting) {
      this.show('info', `${text} Restart the session to apply it.`, ['Restart Session'], async () => {
        await this.endSession('restarting with new security settings');
        await this.start();
      });
    } else {
      this.show('info', text);
    }
  }

  clearHistory(): void {
    this.conversation.clear();
    this.post({ type: 'didClear' });
  }

  // ------------------------------------------------------------------ config

  private configuredPeerText(): string {
    return (vscode.workspace.getConfiguration(Settings.section).get<string>(Settings.peer) ?? '').trim();
  }

  private displayName(): string {
    const n = (vscode.workspace.getConfiguration(Settings.section).get<string>(Settings.displayName) ?? '').trim();
    if (n) return n;
    try { return os.userInfo().username || 'vscode'; } catch { return 'vscode'; }
  }

  private async onPeerSettingChanged(): Promise<void> {
    this.pushHeader();
    const rt = this.runtime;
    if (!rt) return;
    const text = this.configuredPeerText();
    const parsed = parsePeerAddress(text);
    if (!parsed.ok) {
      this.show('error', `UDP Chat: the new peer address "${text}" is invalid (${parsed.error}); still chatting with ${formatAddress(rt.peer.host, rt.peer.port)}.`);
      return;
    }
    if (parsed.value.host === rt.peer.host && parsed.value.port === rt.peer.port) return;
    try {
      await rt.changePeer(parsed.value);
      if (this.runtime !== rt) return; // ended meanwhile
      this.presence = 'unknown';
      this.plainPeer = false;
      this.peerName = '';
      this.notice('info', `Now chatting with ${text}.`);
      this.log.info(`Peer changed to ${text} (${rt.peerEndpoint.address})`);
      this.pushHeader();
      // What waits for this peer goes out; what was written to the old one only if the user says so.
      this.resendPending();
    } catch (e) {
      if (this.runtime !== rt) return;
      this.show('error', `UDP Chat: ${e instanceof Error ? e.message : String(e)} Still chatting with ${formatAddress(rt.peer.host, rt.peer.port)}.`);
    }
  }

  /** The saved history did not load cleanly: say what was recovered and where the damaged file is. */
  reportHistoryProblem(text: string): void {
    this.log.warn(`History: ${text}`);
    this.notice('warning', text);
    this.show('warning', `UDP Chat: ${text}`);
  }

  // ------------------------------------------------------------------ output

  private notice(level: 'info' | 'warning' | 'error', text: string): void {
    const entry = this.conversation.add({ id: this.conversation.newId(), kind: 'notice', text, time: Date.now(), level });
    this.post({ type: 'didAddEntries', entries: [entry] });
  }

  /**
   * View updates are batched: they go out at most once per frame (16 ms), consecutive additions
   * merged into one message, so a burst of thousands of messages cannot flood the webview.
   */
  private post(msg: HostToWebview): void {
    this.outgoing.push(msg);
    if (this.flushTimer === undefined) this.flushTimer = setTimeout(() => this.flushView(), VIEW_BATCH_MS);
  }

  private flushView(): void {
    this.flushTimer = undefined;
    const batch = this.outgoing;
    this.outgoing = [];
    let adds: ChatEntry[] | undefined;
    for (const m of batch) {
      if (m.type === 'didAddEntries') {
        (adds ??= []).push(...m.entries);
        continue;
      }
      if (adds) { this.view?.post({ type: 'didAddEntries', entries: adds }); adds = undefined; }
      // A header or status change superseded by a later one in the same batch is skipped.
      this.view?.post(m);
    }
    if (adds) this.view?.post({ type: 'didAddEntries', entries: adds });
  }

  private outgoing: HostToWebview[] = [];
  private flushTimer?: NodeJS.Timeout;

  private setState(s: SessionState): void {
    this.state = s;
    void vscode.commands.executeCommand('setContext', CONTEXT_ACTIVE, s === 'active' || s === 'starting');
    this.pushHeader();
  }

  private pushHeader(): void {
    this.post({ type: 'didChangeHeader', header: this.header() });
    this.updateStatusBar();
  }

  private updateStatusBar(): void {
    const icon = this.state === 'active' ? (this.presence === 'online' ? '$(broadcast)' : '$(radio-tower)') : '$(comment-discussion)';
    const who = this.peerName || this.configuredPeerText() || 'no peer';
    const st = this.state === 'active' ? (this.presence === 'online' ? 'online' : this.presence === 'offline' ? 'offline' : 'waiting') : this.state;
    this.statusBar.text = `${icon} UDP Chat${this.unread ? ` (${this.unread})` : ''}`;
    this.statusBar.tooltip = `UDP Chat: ${st}${this.state === 'active' ? ` — ${who}, local ${this.localText}` : ''}${this.unread ? `\n${this.unread} unread` : ''}\nClick to open the chat`;
    this.statusBar.accessibilityInformation = { label: `UDP Chat ${st}${this.unread ? `, ${this.unread} unread messages` : ''}` };
    this.statusBar.show();
  }

  /** Idempotent: VS Code calls deactivate and then disposes the subscriptions. */
  dispose(): Promise<void> {
    this.disposing ??= this.disposeOnce();
    return this.disposing;
  }

  private disposing?: Promise<void>;

  private async disposeOnce(): Promise<void> {
    // First, while there is time: a reloading window does not wait for asynchronous work.
    this.conversation.flushSync();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    const rt = this.runtime;
    this.runtime = undefined;
    if (rt) await rt.stop('VS Code window closed').catch(() => undefined);
    await this.conversation.flush();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function stripCode(c: CodeBlock): { language: string; path: string; startLine: number; endLine: number } {
  return { language: c.language, path: c.path, startLine: c.startLine, endLine: c.endLine };
}

/**
 * The addresses a peer could send to: the bound address itself when it is specific, otherwise
 * this machine's non-internal interfaces of the socket's family (loopback last), "ip:port".
 */
export function reachableAddresses(local: { address: string; port: number }): string[] {
  const wildcard = local.address === '0.0.0.0' || local.address === '::';
  if (!wildcard) return [formatAddress(local.address, local.port)];
  const v6 = local.address === '::';
  const out: string[] = [];
  const loop: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      const fam = a.family === 'IPv6' || (a.family as unknown) === 6 ? 6 : 4;
      if ((fam === 6) !== v6) continue;
      if (fam === 6 && a.address.toLowerCase().startsWith('fe80')) continue; // link-local needs a zone; rarely what a peer wants
      (a.internal ? loop : out).push(formatAddress(a.address, local.port));
    }
  }
  return [...out, ...loop];
}

/** Two peer addresses as written ("host:port", "[v6]:port", default port) name the same peer. */
export function samePeer(a: string, b: string): boolean {
  const x = parsePeerAddress(a);
  const y = parsePeerAddress(b);
  if (!x.ok || !y.ok) return a.trim() === b.trim();
  return x.value.port === y.value.port && x.value.host.toLowerCase() === y.value.host.toLowerCase();
}
