// --json: stdin lines in, one JSON event per line out. Only events go to stdout.
import type { CliOptions } from './args';
import type { CliView, PersonRef, Recipient } from './chat';
import { CliChat } from './chat';
import type { GroupStorage } from '../service/types';
import { isQuitWord } from '../core/plain';
import { safeJson } from './terminalText';
import { parseLanJson } from './lanCommands';
import { BoundedLineReader, MAX_INPUT_LINE_BYTES, tooLongLine } from './lineReader';


export type Emit = (event: Record<string, unknown>) => void;

export function jsonEmitter(out: NodeJS.WritableStream): Emit {
  return (event) => { out.write(`${safeJson(event)}\n`); };
}

export function jsonView(emit: Emit): CliView {
  const person = (p: PersonRef) => ({ id: p.id, name: p.name });
  return {
    ready: (i) => emit(i.lan
      ? { event: 'ready', local: i.local, name: i.name, plain: i.plain, id: i.id, lan: true, discovery: i.discovery }
      : { event: 'ready', local: i.local, peer: i.peer, name: i.name, plain: i.plain }),
    accepted: (id, text, to) => emit({ event: 'accepted', id, text, ...recipient(to) }),
    status: (id, status, _text, to) => emit({ event: status, id, ...recipient(to) }),
    message: (from, m, s) => emit({
      event: 'message', from, fromId: s.fromId, text: m.text, sentAt: m.sentAt, plain: m.plain, encrypted: !m.plain,
      ...(m.code ? { code: m.code } : {}), ...(s.group !== undefined ? { group: s.group, groupId: s.groupId } : {}), ...(s.request ? { request: true } : {}),
    }),
    presence: (p, d) => {
      if (p === 'online') emit({ event: 'peer-online', name: d.name, plain: d.plain, id: d.id });
      else if (p === 'offline') emit({ event: 'peer-offline', name: d.name, reason: d.reason, id: d.id });
    },
    plainPeer: (plain) => emit({ event: 'plain-peer', plain }),
    notice: (level, text) => emit({ event: 'notice', level, text }),
    secured: (fingerprint, info) => emit({ event: 'secured', fingerprint, verified: info.verified, person: info.personId, firstContact: info.firstContact }),
    keyChanged: (c) => emit({ event: 'key-changed', oldKey: c.oldKey, newKey: c.newKey, from: c.from }),
    stranger: (from, bytes) => emit({ event: 'stranger', from, bytes }),
    error: (code, message, id, extra) => emit({ event: 'error', code, message, ...(id ? { id } : {}), ...extra }),
    ended: (reason, summary, stats) => {
      emit({ event: 'bye', reason, ...summary });
      emit({ event: 'stats', ...stats });
    },
    discovered: (p) => emit({ event: 'person-discovered', id: p.id, name: p.name, address: p.address ?? '' }),
    lost: (p, reason) => emit({ event: 'person-lost', id: p.id, name: p.name, reason }),
    added: (p) => emit({ event: 'person-added', id: p.id, name: p.name, address: p.address ?? '' }),
    request: (p) => emit({ event: 'request', ...person(p) }),
    requestAccepted: (p) => emit({ event: 'request-accepted', ...person(p) }),
    blocked: (p) => emit({ event: 'blocked', ...person(p) }),
    unblocked: (p) => emit({ event: 'unblocked', ...person(p) }),
    groupChanged: (g, c, byName) => emit({
      event: 'group-changed', group: g.name, groupId: g.id, members: g.members.map((m) => ({ id: m.id, name: m.name })),
      op: c.op, by: c.by, byName, added: c.added, removed: c.removed, renamed: c.renamed, isMember: c.isMember,
    }),
    memberStatus: (id, status, member, group) => emit({ event: status, id, to: member.id, group: group.name, groupId: group.id }),
    groupDelivery: (id, group, d) => emit({ event: 'group-delivery', id, group: group.name, groupId: group.id, delivered: d.delivered, total: d.total, label: d.label }),
    people: (list) => emit({
      event: 'people',
      people: list.map((p) => ({ id: p.id, name: p.name, address: p.address, presence: p.presence, discovered: p.discovered, encrypted: p.encrypted, request: p.request, configured: p.configured })),
    }),
    groups: (list) => emit({ event: 'groups', groups: list.map((g) => ({ id: g.id, name: g.name, members: g.members, active: g.active })) }),
  };
}

function recipient(to: Recipient): Record<string, unknown> {
  return { ...(to.to !== undefined ? { to: to.to } : {}), ...(to.group !== undefined ? { group: to.group, groupId: to.groupId } : {}) };
}

/** One stdin line: text to send, a retry request, or nothing. */
export function parseJsonInput(line: string): { text: string; quit: boolean } | { retry: string } | { command: 'accept-key' | 'reject-key' | 'verify'; person?: string } | undefined {
  if (line.trim() === '') return undefined;
  if (line.trimStart().startsWith('{')) {
    try {
      const v: unknown = JSON.parse(line);
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        if (typeof o.text === 'string') return { text: o.text, quit: false };
        if (typeof o.retry === 'string') return { retry: o.retry };
        if (o.command === 'accept-key' || o.command === 'reject-key' || o.command === 'verify') return typeof o.person === 'string' ? { command: o.command, person: o.person } : { command: o.command };
      }
    } catch { /* not JSON: a plain text line */ }
  }
  return { text: line, quit: isQuitWord(line) };
}

/** Runs the session; resolves with the exit status. */
export async function runJson(options: CliOptions, input: NodeJS.ReadableStream, emit: Emit, diag: (line: string) => void, groupStorage?: GroupStorage): Promise<number> {
  const chat = new CliChat(options, jsonView(emit), groupStorage);
  try {
    await chat.start();
  } catch (e) {
    const err = e as { code?: string; message?: string };
    emit({ event: 'error', code: err.code ?? 'EUNKNOWN', message: err.message ?? String(e) });
    diag(`udp-chat: ${err.message ?? String(e)}`);
    return 1;
  }
  const rl = new BoundedLineReader(input, MAX_INPUT_LINE_BYTES);
  rl.on('oversize', (bytes) => emit({ event: 'error', code: 'EMSGSIZE', message: tooLongLine(bytes) }));
  const done = new Promise<void>((resolve) => {
    const end = (reason: string, drain: boolean) => { void chat.finish(reason, drain).then(resolve); };
    rl.on('line', (line) => {
      if (chat.isEnding) return;
      const lan = parseLanJson(line);
      if (lan) {
        if (lan.ok) chat.run(lan.command);
        else emit({ event: 'error', code: 'EINPUT', message: lan.error });
        return;
      }
      const cmd = parseJsonInput(line);
      if (!cmd) return;
      if ('command' in cmd) {
        const r = chat.keyCommand(cmd.command, cmd.person);
        if (r?.ok && (cmd.person !== undefined || chat.lan)) {
          const what = cmd.command === 'verify' ? 'key marked as verified' : cmd.command === 'accept-key' ? 'new key accepted' : 'new key refused';
          emit({ event: 'notice', level: 'info', text: `${r.person.name || r.person.address}: ${what}.`, person: r.person.id });
        }
        if (r && !r.ok) emit({ event: 'notice', level: 'warning', text: cmd.command === 'verify' ? 'No peer key to verify yet.' : 'No key change is waiting.' });
        return;
      }
      if ('retry' in cmd) {
        const n = chat.retry(cmd.retry === 'all' ? 'all' : cmd.retry);
        if (n === 0) emit({ event: 'notice', level: 'warning', text: `Nothing to retry for "${cmd.retry}".` });
        return;
      }
      // LAN mode: a quit word only ends the session (there is no contact to say it to).
      if (!(cmd.quit && chat.lan)) chat.submit(cmd.text);
      if (cmd.quit) { end(`the user said "${cmd.text.trim()}"`, true); rl.close(); }
    });
    rl.on('close', () => end('stdin closed', true));
    process.once('SIGINT', () => end('interrupted', false));
    process.once('SIGTERM', () => end('terminated', false));
  });
  await done;
  rl.close();
  return 0;
}
