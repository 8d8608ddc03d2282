// Interactive terminal chat: readline for input, incoming lines printed above the prompt without
// disturbing what the user is typing.
import * as readline from 'node:readline';
import { isQuitWord } from '../core/plain';
import type { CliOptions } from './args';
import type { GroupStorage } from '../service/types';
import type { CliView, GroupChange, GroupInfo, Person, PersonRef, Summary, Target } from './chat';
import { CliChat, personName } from './chat';
import { LAN_SLASH_USAGE, parseLanSlash, takeName } from './lanCommands';
import { BoundedLineReader, MAX_TYPED_LINE_BYTES, tooLongLine } from './lineReader';
import { visible } from './terminalText';

const COMMANDS_HELP = [
  '  /retry   resend messages that failed',
  '  /status  presence, addresses, keys and delivery statistics',
  '  /verify  mark the peer\'s key as verified (after comparing the safety number)',
  '  /accept-key  accept the peer\'s new key after a key-change warning (/reject-key refuses it)',
  '  /quit    end the session (so do quit, exit, bye bye, Ctrl-D and Ctrl-C)',
  ...Object.values(LAN_SLASH_USAGE).map((u) => `  ${u}`),
  '  In LAN mode a line without a command goes to the person or group of your last /msg or /g',
  '  (at first: to the first one who writes to you). NAME: a name, an id (4+ first hex digits) or "a quoted name".',
  '  /help    this list',
  '  A line ending with \\ continues on the next line; start a line with // to send a leading /.',
];

/** LAN mode: how long a stranger's datagram waits for its sender to become a person before it is shown. */
export const STRANGER_GRACE_MS = 3000;

export function clock(d = new Date()): string {
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** `[HH:MM] name: text`, later lines of a multi-line message indented under the first. */
export function formatIncoming(time: string, name: string, text: string): string {
  const head = `[${time}] ${name}: `;
  const pad = ' '.repeat(Math.min(head.length, 24));
  return head + text.split(/\r?\n/).join(`\n${pad}`);
}

function snippet(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 40 ? `${one.slice(0, 39)}…` : one;
}

/** A name as the user would type it in a command: quoted when it has spaces. */
export function nameArg(name: string): string { return /\s/.test(name) ? `"${name}"` : name; }

/** A short form of a person id for display. */
function shortId(id: string): string { return /^[0-9a-f]{16}$/.test(id) ? id.slice(0, 8) : id; }

/** One line of /who. */
export function personLine(p: Person): string {
  const tags = [p.presence, p.encrypted ? 'encrypted' : p.plain ? 'plain text' : '', p.discovered ? 'on the LAN' : '', p.configured ? '--peer' : '',
    p.request ? 'REQUEST (/accept or /block)' : '', p.keyChangePending ? 'KEY CHANGED' : ''].filter((t) => t !== '');
  return `  ${p.name || '(no name yet)'}  ${p.id}  ${p.address}  ${tags.join(', ')}`;
}

/** One line of /groups. */
export function groupLine(g: GroupInfo): string {
  return `  [${g.name}] ${g.members.map((m) => m.name || shortId(m.id)).join(', ')}${g.active ? '' : ' (you left)'}  id ${g.id}`;
}

/** A readable line for a group change. */
export function groupChangeLine(g: GroupInfo, c: GroupChange, byName: string, nameOf: (id: string) => string): string {
  const members = `members: ${g.members.map((m) => m.name || shortId(m.id)).join(', ')}`;
  const head = `* [${g.name}]`;
  if (c.wasMember && !c.isMember) return byName === 'you' ? `${head} you left` : `${head} ${byName} removed you`;
  if (!c.wasMember && c.isMember) return byName === 'you' ? `${head} created; ${members}` : `${head} ${byName} added you; ${members}`;
  if (c.op === 'leave') return `${head} ${c.removed.map(nameOf).join(', ') || byName} left; ${members}`;
  const parts: string[] = [];
  if (c.added.length) parts.push(`added ${c.added.map(nameOf).join(', ')}`);
  if (c.removed.length) parts.push(`removed ${c.removed.map(nameOf).join(', ')}`);
  if (c.renamed) parts.push('renamed it');
  return `${head} ${byName} ${parts.length ? parts.join(', ') : 'changed it'}; ${members}`;
}

function summaryLine(s: Summary): string {
  const parts = [`${s.sent} sent`, `${s.delivered} delivered`];
  if (s.unconfirmed) parts.push(`${s.unconfirmed} sent as plain text (unconfirmed)`);
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.undelivered) parts.push(`${s.undelivered} not delivered`);
  parts.push(`${s.received} received`);
  return parts.join(', ');
}

export async function runInteractive(options: CliOptions, input: NodeJS.ReadableStream, output: NodeJS.WriteStream, errOut: NodeJS.WritableStream, groupStorage?: GroupStorage): Promise<number> {
  const tty = Boolean((input as NodeJS.ReadStream).isTTY && output.isTTY);
  let rl: readline.Interface | undefined;
  /** Prints a line above the prompt and redraws the prompt with the user's unfinished input. */
  const say = (raw: string) => {
    // Peer text and names reach the terminal only through here: controls are made visible.
    const text = visible(raw);
    if (rl && tty) {
      readline.clearLine(output, 0);
      readline.cursorTo(output, 0);
      output.write(`${text}\n`);
      rl.prompt(true);
    } else {
      output.write(`${text}\n`);
    }
  };
  let queuedHintShown = false;
  let plainHintShown = false;
  const lan = options.peer === undefined;
  /** LAN mode: where a line without a command goes. */
  let current: Target | undefined;
  const setCurrent = (t: Target | undefined) => {
    if (!t) return;
    current = t;
    rl?.setPrompt(visible(`${t.kind === 'group' ? `[${t.name}]` : t.name}> `));
  };
  const nameOf = (id: string) => { const p = chat.service.person(id); return p ? personName(p) : shortId(id); };
  const who = (p: PersonRef) => `${p.name} (${shortId(p.id)}${p.address && p.address !== p.name ? `, ${p.address}` : ''})`;
  const view: CliView = {
    message: (from, m, s) => {
      say(formatIncoming(clock(), `${s.group !== undefined ? `[${s.group}] ` : ''}${from}${s.request ? ' (request: /accept or /block)' : ''}`, m.text));
      if (lan && !current) setCurrent(s.groupId !== undefined ? { kind: 'group', id: s.groupId, name: s.group ?? '' } : { kind: 'person', id: s.fromId, name: from });
    },
    status: (_id, status, text, to) => {
      const toName = lan && to.to !== undefined ? ` to ${nameOf(to.to)}` : '';
      switch (status) {
        case 'delivered': say(`  ✓ delivered${toName}: ${snippet(text)}`); break;
        case 'failed': say(`  ✗ failed${toName}: ${snippet(text)} — type /retry to resend`); break;
        case 'queued':
          if (!queuedHintShown) { queuedHintShown = true; say('  … queued until the peer answers'); }
          break;
        case 'unconfirmed':
          if (!plainHintShown) { plainHintShown = true; say('  · sent as plain text: delivery cannot be confirmed'); }
          break;
        case 'textSent':
          if (!plainHintShown) { plainHintShown = true; say('  · sent as text: the peer has not answered yet (if it runs UDP Chat, it will be delivered reliably)'); }
          break;
        case 'sending': break;
      }
    },
    presence: (p, d) => {
      const who = d.name || chat.peerName();
      if (p === 'online') { queuedHintShown = false; say(`* ${who} is online${d.plain ? ' (plain text)' : ''}`); }
      else if (p === 'offline') say(`* ${who} went offline (${d.reason})`);
    },
    plainPeer: (plain) => say(plain ? '* the peer speaks plain text (like nc -u): unencrypted, delivery not confirmed' : '* the peer speaks the UDP Chat protocol'),
    notice: (level, text) => say(`${level === 'info' ? '*' : level === 'warning' ? '! warning:' : '! error:'} ${text}`),
    secured: (fp, i) => say(lan
      ? `* encrypted and authenticated session with ${i.name}${i.firstContact ? ' (first contact: key remembered)' : ''}; safety number ${fp}${i.verified ? ' (verified)' : ''}`
      : `* encrypted and authenticated session${i.firstContact ? ' (first contact: key remembered)' : ''}; safety number ${fp}${i.verified ? ' (verified)' : ' — compare it with your peer, then /verify'}`),
    keyChanged: (c) => {
      say(`! WARNING: the peer at ${c.from} answered with a different identity key (${c.newKey}; remembered: ${c.oldKey}).`);
      say('! It may have reinstalled UDP Chat, or someone else is answering. Nothing goes to the new key, and nothing from it is shown, until you accept it: ask them (another way) and compare safety numbers, then /accept-key, or /reject-key to refuse it.');
    },
    stranger: (from, bytes, preview) => {
      if (!lan) { say(`* ignored ${bytes} bytes from ${from} (not the peer): ${preview}`); return; }
      // LAN mode: a UDP Chat that starts a conversation first sends a readable line (for nc users)
      // that arrives as a stranger's; its handshake follows at once. Only a source that does not
      // become a person is worth a line.
      const t = setTimeout(() => {
        if (!chat.isEnding && !chat.service.people().some((p) => p.address === from)) say(`* ignored ${bytes} bytes from ${from} (not a UDP Chat conversation): ${preview}`);
      }, STRANGER_GRACE_MS);
      t.unref?.();
    },
    error: (_code, message, _id, extra) => {
      const c = extra?.candidates as PersonRef[] | undefined;
      say(`! ${message}${c ? ` Candidates: ${c.map((x) => `${x.name} (${x.id})`).join(', ')}` : ''}`);
    },
    discovered: (p) => say(`* ${who(p)} is on the LAN`),
    lost: (p, reason) => say(reason === 'goodbye' ? `* ${p.name} left the LAN` : `* ${p.name} went silent (offline)`),
    added: (p) => say(`* reaching ${p.address ?? p.name}; /who shows them once they answer`),
    request: (p) => say(`* ${who(p)} wants to chat: /accept ${nameArg(p.name)} shows their messages, /block ${nameArg(p.name)} refuses them`),
    requestAccepted: (p) => say(`* accepted ${p.name}: their messages show from now on`),
    blocked: (p) => say(`* blocked ${p.name}: nothing of theirs is shown again`),
    unblocked: (p) => say(`* unblocked ${p.name}: they may reach you again`),
    groupChanged: (g, c, byName) => say(groupChangeLine(g, c, byName, nameOf)),
    memberStatus: (_id, status, member, group, text) => { if (status === 'failed') say(`  ✗ [${group.name}] not delivered to ${member.name}: ${snippet(text)}`); },
    groupDelivery: (_id, group, d, text) => say(`  ${d.delivered === d.total ? '✓' : '·'} [${group.name}] ${d.label}: ${snippet(text)}`),
    people: (list) => {
      if (list.length === 0) say(`* nobody yet${options.discovery ? ' (people on the LAN show up as they are discovered)' : ''}; /add HOST:PORT reaches someone`);
      for (const p of list) say(personLine(p));
    },
    groups: (list) => {
      if (list.length === 0) say('* no groups yet: /group NAME a,b creates one');
      for (const g of list) say(groupLine(g));
    },
    ended: (reason, s) => say(`* session ended (${reason}): ${summaryLine(s)}`),
  };
  const chat = new CliChat(options, view, groupStorage);
  let info;
  try {
    info = await chat.start();
  } catch (e) {
    errOut.write(`udp-chat: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
  if (lan) {
    say(`Listening on ${info.local} as ${info.name} (id ${info.id}), LAN mode${info.discovery ? ': discoverable, looking for people' : ' without discovery (/add HOST:PORT reaches someone)'}${options.reach === 'known' ? '; strangers wait as requests' : ''}.`);
    say('Type /who for people, /msg NAME text to write, /group NAME a,b for a group, /help for commands, quit to leave.');
  } else say(`Listening on ${info.local}, chatting with ${info.peer}${options.plain ? ' in plain-text mode' : ''} as ${info.name}.`);
  if (!lan) say(options.plain
    ? 'Lines go out as plain UTF-8 datagrams (up to 1024 bytes each). Type /help for commands.'
    : 'Messages typed before the peer answers go out as text after a second, and reliably once it shows it runs UDP Chat. Type /help for commands, quit to leave.');

  // A terminal gets readline (editing, prompt); piped input a reader that never buffers a huge line.
  let lines: { on(event: 'line', f: (l: string) => void): unknown; on(event: 'close', f: () => void): unknown };
  if (tty) {
    rl = readline.createInterface({ input, output, terminal: true, crlfDelay: Infinity, prompt: '> ' });
    rl.prompt();
    lines = rl;
  } else {
    const reader = new BoundedLineReader(input, MAX_TYPED_LINE_BYTES);
    reader.on('oversize', (bytes) => say(`! ${tooLongLine(bytes)}`));
    lines = reader;
  }
  let continued: string[] = [];
  const done = new Promise<void>((resolve) => {
    const end = (reason: string, drain: boolean) => {
      void chat.finish(reason, drain, (n) => say(`* waiting for ${n} pending message${n === 1 ? '' : 's'} (Ctrl-C to stop now)`)).then(resolve);
    };
    lines.on('line', (raw) => {
      if (chat.isEnding) return;
      if (raw.endsWith('\\')) {
        continued.push(raw.slice(0, -1));
        rl?.setPrompt('… ');
        rl?.prompt();
        return;
      }
      const text = [...continued, raw].join('\n');
      const wasContinued = continued.length > 0;
      continued = [];
      rl?.setPrompt('> ');
      if (!wasContinued && text.startsWith('/') && !text.startsWith('//')) {
        command(text.trim());
      } else if (text.trim() !== '') {
        const body = text.startsWith('//') ? text.slice(1) : text;
        const quit = !wasContinued && isQuitWord(text);
        if (!lan) chat.submit(body);
        else if (quit) { /* LAN mode: a quit word only ends the session */ } else if (current) chat.sendTo(current, body);
        else say('! say whom to write to: /msg NAME text or /g GROUP text (/who lists people, /groups your groups)');
        if (quit) { end(`you said "${text.trim()}"`, true); return; }
      }
      rl?.prompt();
    });
    const command = (cmd: string) => {
      const word = cmd.split(/\s+/)[0].toLowerCase();
      const lanCmd = parseLanSlash(cmd);
      if (lanCmd) {
        if (!lanCmd.ok) say(`! ${lanCmd.error}`);
        else setCurrent(chat.run(lanCmd.command));
        return;
      }
      switch (word) {
        case '/retry': {
          const n = chat.retry('all');
          say(n ? `* resending ${n} message${n === 1 ? '' : 's'}` : '* no failed messages');
          break;
        }
        case '/status': {
          const s = chat.session;
          const rt = chat.runtime!;
          if (!s) {
            const people = chat.service.people();
            say(`* LAN mode as ${info.name} (id ${info.id}) on ${rt.localText}; discovery ${info.discovery ? 'on' : 'off'}; ${people.filter((p) => p.presence === 'online').length} of ${people.length} people online, ${chat.service.groups().filter((g) => g.active).length} groups`);
            say(`* your key ${rt.ownFingerprint}; writing to ${current ? `${current.kind === 'group' ? `[${current.name}]` : current.name}` : 'nobody yet (/msg NAME text)'}`);
            say(`* ${chat.summary.sent} sent, ${chat.summary.delivered} delivered, ${chat.pending} pending, ${chat.failedIds().length} failed, ${chat.summary.received} received`);
            break;
          }
          const pp = chat.service.peer;
          say(`* peer ${s.remoteName ? `${s.remoteName} ` : ''}at ${info.peer}: ${s.presence}${s.plainPeer ? ' (plain text, unencrypted)' : pp?.encrypted ? ' (encrypted)' : ''}; local ${rt.localText}`);
          say(`* your key ${rt.ownFingerprint}${pp?.safetyNumber ? `; safety number ${pp.safetyNumber}${pp.verified ? ' (verified)' : ''}` : ''}${pp?.keyChangePending ? '; KEY CHANGE WAITING (/accept-key)' : ''}`);
          say(`* ${chat.summary.sent} sent, ${chat.summary.delivered} delivered, ${chat.pending} pending, ${chat.failedIds().length} failed, ${chat.summary.received} received`);
          say(`* rto ${Math.round(s.rto)} ms, srtt ${s.srtt === undefined ? '-' : `${Math.round(s.srtt)} ms`}, ${s.stats.retransmissions} retransmissions (${s.stats.fastRetransmits} fast), ${s.stats.timeouts} timeouts, ${s.stats.datagramsSent} datagrams sent, ${s.stats.datagramsReceived} received`);
          break;
        }
        case '/verify':
        case '/accept-key':
        case '/reject-key': {
          const arg = takeName(cmd.slice(word.length));
          if (arg && 'error' in arg) { say(`! ${word}: ${arg.error}`); break; }
          if (!arg && !lan) { // the --peer contact, as before
            if (word === '/verify') say(chat.verify() ? `* marked as verified: safety number ${chat.service.peer?.safetyNumber ?? ''}` : '* no peer key yet: the encrypted session is not set up');
            else if (word === '/accept-key') say(chat.acceptKey() ? '* new key accepted; reconnecting' : '* no key change is waiting');
            else say(chat.rejectKey() ? '* new key refused; the remembered key may go on talking' : '* no key change is waiting');
            break;
          }
          const r = chat.keyCommand(word.slice(1) as 'verify' | 'accept-key' | 'reject-key', arg?.name);
          if (!r) break;
          const whose = `${personName(r.person)}'s`;
          if (word === '/verify') say(r.ok ? `* marked ${whose} key as verified: safety number ${r.person.safetyNumber}` : '* no key yet: the encrypted session is not set up');
          else if (word === '/accept-key') say(r.ok ? `* ${whose} new key accepted; reconnecting` : `* no key change is waiting for ${personName(r.person)}`);
          else say(r.ok ? `* ${whose} new key refused; the remembered key may go on talking` : `* no key change is waiting for ${personName(r.person)}`);
          break;
        }
        case '/quit':
          end('you quit', true);
          break;
        case '/help':
          for (const l of COMMANDS_HELP) say(l);
          break;
        default:
          say(`* unknown command ${word}; type /help (start with // to send a line beginning with /)`);
      }
    };
    lines.on('close', () => end('end of input', true));
    rl?.on('SIGINT', () => end('interrupted', false));
    process.on('SIGINT', () => end('interrupted', false));
    process.on('SIGTERM', () => end('terminated', false));
  });
  await done;
  rl?.close();
  (lines as { close?: () => void }).close?.();
  return 0;
}
