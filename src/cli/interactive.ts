// Interactive terminal chat: readline for input, incoming lines printed above the prompt without
// disturbing what the user is typing.
import * as readline from 'node:readline';
import { isQuitWord } from '../core/plain';
import type { CliOptions } from './args';
import type { CliView, Summary } from './chat';
import { CliChat } from './chat';
import { BoundedLineReader, MAX_TYPED_LINE_BYTES, tooLongLine } from './lineReader';
import { visible } from './terminalText';

const COMMANDS_HELP = [
  '  /retry   resend messages that failed',
  '  /status  presence, addresses, keys and delivery statistics',
  '  /verify  mark the peer\'s key as verified (after comparing the safety number)',
  '  /accept-key  accept the peer\'s new key after a key-change warning (/reject-key refuses it)',
  '  /quit    end the session (so do quit, exit, bye bye, Ctrl-D and Ctrl-C)',
  '  /help    this list',
  '  A line ending with \\ continues on the next line; start a line with // to send a leading /.',
];

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

function summaryLine(s: Summary): string {
  const parts = [`${s.sent} sent`, `${s.delivered} delivered`];
  if (s.unconfirmed) parts.push(`${s.unconfirmed} sent as plain text (unconfirmed)`);
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.undelivered) parts.push(`${s.undelivered} not delivered`);
  parts.push(`${s.received} received`);
  return parts.join(', ');
}

export async function runInteractive(options: CliOptions, input: NodeJS.ReadableStream, output: NodeJS.WriteStream, errOut: NodeJS.WritableStream): Promise<number> {
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
  const view: CliView = {
    message: (from, m) => say(formatIncoming(clock(), from, m.text)),
    status: (_id, status, text) => {
      switch (status) {
        case 'delivered': say(`  ✓ delivered: ${snippet(text)}`); break;
        case 'failed': say(`  ✗ failed: ${snippet(text)} — type /retry to resend`); break;
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
    secured: (fp, i) => say(`* encrypted and authenticated session${i.firstContact ? ' (first contact: key remembered)' : ''}; safety number ${fp}${i.verified ? ' (verified)' : ' — compare it with your peer, then /verify'}`),
    keyChanged: (c) => {
      say(`! WARNING: the peer at ${c.from} answered with a different identity key (${c.newKey}; remembered: ${c.oldKey}).`);
      say('! It may have reinstalled UDP Chat, or someone else is answering. Nothing goes to the new key, and nothing from it is shown, until you accept it: ask them (another way) and compare safety numbers, then /accept-key, or /reject-key to refuse it.');
    },
    stranger: (from, bytes, preview) => say(`* ignored ${bytes} bytes from ${from} (not the peer): ${preview}`),
    error: (_code, message) => say(`! ${message}`),
    ended: (reason, s) => say(`* session ended (${reason}): ${summaryLine(s)}`),
  };
  const chat = new CliChat(options, view);
  let info;
  try {
    info = await chat.start();
  } catch (e) {
    errOut.write(`udp-chat: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
  say(`Listening on ${info.local}, chatting with ${info.peer}${options.plain ? ' in plain-text mode' : ''} as ${info.name}.`);
  say(options.plain
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
        chat.submit(text.startsWith('//') ? text.slice(1) : text);
        if (!wasContinued && isQuitWord(text)) { end(`you said "${text.trim()}"`, true); return; }
      }
      rl?.prompt();
    });
    const command = (cmd: string) => {
      const word = cmd.split(/\s+/)[0].toLowerCase();
      switch (word) {
        case '/retry': {
          const n = chat.retry('all');
          say(n ? `* resending ${n} message${n === 1 ? '' : 's'}` : '* no failed messages');
          break;
        }
        case '/status': {
          const s = chat.session;
          const rt = chat.runtime!;
          const pp = chat.service.peer;
          say(`* peer ${s.remoteName ? `${s.remoteName} ` : ''}at ${info.peer}: ${s.presence}${s.plainPeer ? ' (plain text, unencrypted)' : pp?.encrypted ? ' (encrypted)' : ''}; local ${rt.localText}`);
          say(`* your key ${rt.ownFingerprint}${pp?.safetyNumber ? `; safety number ${pp.safetyNumber}${pp.verified ? ' (verified)' : ''}` : ''}${pp?.keyChangePending ? '; KEY CHANGE WAITING (/accept-key)' : ''}`);
          say(`* ${chat.summary.sent} sent, ${chat.summary.delivered} delivered, ${chat.pending} pending, ${chat.failedIds().length} failed, ${chat.summary.received} received`);
          say(`* rto ${Math.round(s.rto)} ms, srtt ${s.srtt === undefined ? '-' : `${Math.round(s.srtt)} ms`}, ${s.stats.retransmissions} retransmissions (${s.stats.fastRetransmits} fast), ${s.stats.timeouts} timeouts, ${s.stats.datagramsSent} datagrams sent, ${s.stats.datagramsReceived} received`);
          break;
        }
        case '/verify': {
          if (!chat.verify()) { say('* no peer key yet: the encrypted session is not set up'); break; }
          say(`* marked as verified: safety number ${chat.service.peer?.safetyNumber ?? ''}`);
          break;
        }
        case '/accept-key':
          say(chat.acceptKey() ? '* new key accepted; reconnecting' : '* no key change is waiting');
          break;
        case '/reject-key':
          say(chat.rejectKey() ? '* new key refused; the remembered key may go on talking' : '* no key change is waiting');
          break;
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
