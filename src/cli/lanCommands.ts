// LAN-mode commands of the terminal peer, parsed from JSON input lines and from interactive slash
// commands into one typed union. Pure: no I/O, no service. Malformed input is an `error` result with
// a readable message, never an exception. Names are resolved later (by the service's findPeople).
import type { PeerAddress } from '../core/address';
import { DEFAULT_PORT, parsePeerAddress } from '../core/address';

export type LanCommand =
  /** A message to one person (name, id, or id prefix). */
  | { kind: 'send'; to: string; text: string }
  /** A message to a group (name or id). */
  | { kind: 'groupSend'; group: string; text: string }
  /** Create the group, or set its members (the full new list; self implied). */
  | { kind: 'groupMembers'; group: string; members: string[] }
  | { kind: 'groupLeave'; group: string }
  | { kind: 'who' }
  | { kind: 'groups' }
  | { kind: 'accept'; person: string }
  | { kind: 'block'; person: string }
  | { kind: 'unblock'; person: string }
  /** Someone discovery cannot see: reach them at this address. */
  | { kind: 'add'; address: PeerAddress; text: string };

export type LanParse = { ok: true; command: LanCommand } | { ok: false; error: string };

/** Names and group names: as long as a display name may be. */
export const MAX_NAME_CHARS = 64;
/** More members than any LAN group needs; a bound for hostile input. */
export const MAX_MEMBERS = 256;

const CONTROL = /[\u0000-\u001f\u007f]/;

function fail(error: string): LanParse { return { ok: false, error }; }
function done(command: LanCommand): LanParse { return { ok: true, command }; }

/** A person or group reference: non-empty, bounded, no control characters. Returns an error or the trimmed name. */
function checkName(what: string, v: unknown): { name: string } | { error: string } {
  if (typeof v !== 'string') return { error: `${what} must be a name or id (a string).` };
  const n = v.trim();
  if (n === '') return { error: `${what} is empty: give a name or id.` };
  if ([...n].length > MAX_NAME_CHARS) return { error: `${what} is longer than ${MAX_NAME_CHARS} characters.` };
  if (CONTROL.test(n)) return { error: `${what} cannot contain control characters.` };
  return { name: n };
}

function checkText(v: unknown): { text: string } | { error: string } {
  if (typeof v !== 'string') return { error: '"text" must be a string.' };
  if (v.trim() === '') return { error: '"text" is empty: nothing to send.' };
  return { text: v };
}

function checkMembers(v: unknown, quoted = true): { members: string[] } | { error: string } {
  const what = quoted ? '"members"' : 'the member list';
  if (!Array.isArray(v)) return { error: `${what} must be a list of names or ids.` };
  if (v.length > MAX_MEMBERS) return { error: `${what} has ${v.length} entries; at most ${MAX_MEMBERS}.` };
  const members: string[] = [];
  for (const [i, m] of v.entries()) {
    const c = checkName(`member ${i + 1}`, m);
    if ('error' in c) return { error: `${what}: ${c.error}` };
    if (!members.some((x) => x.toLowerCase() === c.name.toLowerCase())) members.push(c.name);
  }
  return { members };
}

function checkAddress(v: unknown): { address: PeerAddress } | { error: string } {
  if (typeof v !== 'string' || v.trim() === '') return { error: 'give the address as HOST:PORT (e.g. 192.0.2.7:50505).' };
  const r = parsePeerAddress(v, DEFAULT_PORT);
  if (!r.ok) return { error: `address: ${r.error}` };
  return { address: r.value };
}

/** Keys that make a JSON object a LAN command. */
function isLanObject(o: Record<string, unknown>): boolean {
  return 'to' in o || 'group' in o || (typeof o.command === 'string' && LAN_JSON_COMMANDS.has(o.command));
}

const LAN_JSON_COMMANDS = new Set(['who', 'groups', 'accept', 'block', 'unblock', 'add']);

/**
 * A JSON input line as a LAN command. `undefined` when the line is not one (plain text, {"text"} for
 * the --peer contact, {"retry"}, the key commands): the caller handles it as before.
 */
export function parseLanJson(line: string): LanParse | undefined {
  if (!line.trimStart().startsWith('{')) return undefined;
  let v: unknown;
  try { v = JSON.parse(line); } catch { return undefined; }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (!isLanObject(o)) return undefined;
  return lanObject(o);
}

function lanObject(o: Record<string, unknown>): LanParse {
  if ('command' in o && ('to' in o || 'group' in o)) return fail('a line is either a command or a message: give "command", or "to"/"group", not both.');
  if ('to' in o && 'group' in o) return fail('give "to" (a person) or "group", not both.');
  if ('to' in o) {
    const to = checkName('"to"', o.to);
    if ('error' in to) return fail(to.error);
    if (!('text' in o)) return fail('a message to a person needs "text".');
    const t = checkText(o.text);
    if ('error' in t) return fail(t.error);
    return done({ kind: 'send', to: to.name, text: t.text });
  }
  if ('group' in o) {
    const g = checkName('"group"', o.group);
    if ('error' in g) return fail(g.error);
    const given = (['text', 'members', 'leave'] as const).filter((k) => k in o);
    if (given.length === 0) return fail(`a group line needs "text" (send), "members" (create or set members) or "leave": true.`);
    if (given.length > 1) return fail(`a group line takes one of "text", "members" or "leave" (got ${given.map((k) => `"${k}"`).join(' and ')}).`);
    if (given[0] === 'text') {
      const t = checkText(o.text);
      if ('error' in t) return fail(t.error);
      return done({ kind: 'groupSend', group: g.name, text: t.text });
    }
    if (given[0] === 'members') {
      const m = checkMembers(o.members);
      if ('error' in m) return fail(m.error);
      return done({ kind: 'groupMembers', group: g.name, members: m.members });
    }
    if (o.leave !== true) return fail('"leave" must be true.');
    return done({ kind: 'groupLeave', group: g.name });
  }
  switch (o.command) {
    case 'who': return done({ kind: 'who' });
    case 'groups': return done({ kind: 'groups' });
    case 'accept':
    case 'block':
    case 'unblock': {
      const p = checkName('"person"', o.person);
      if ('error' in p) return fail(`${o.command}: ${'person' in o ? p.error : 'give "person": a name or id.'}`);
      return done({ kind: o.command, person: p.name });
    }
    case 'add': {
      const a = checkAddress(o.address);
      if ('error' in a) return fail(`add: ${a.error}`);
      return done({ kind: 'add', address: a.address, text: String(o.address).trim() });
    }
    default: return fail(`unknown command "${String(o.command)}".`);
  }
}

/** Splits a word or a "quoted name" off the front; `rest` is what follows (one separating space removed). */
export function takeName(s: string): { name: string; rest: string } | { error: string } | undefined {
  const t = s.replace(/^\s+/, '');
  if (t === '') return undefined;
  if (t.startsWith('"')) {
    const close = t.indexOf('"', 1);
    if (close < 0) return { error: 'a quoted name needs its closing ".' };
    return { name: t.slice(1, close), rest: t.slice(close + 1).replace(/^ /, '') };
  }
  const m = /^(\S+)(?:\s|$)/.exec(t)!;
  return { name: m[1], rest: t.slice(m[0].length) };
}

/** The LAN slash commands (word → usage), for /help and error messages. */
export const LAN_SLASH_USAGE: Readonly<Record<string, string>> = {
  '/who': '/who  people you can chat with (discovered, added, requests)',
  '/msg': '/msg NAME text  write to one person (later lines without a command go to them too)',
  '/group': '/group NAME a,b  create the group NAME with members a and b, or set its members',
  '/g': '/g NAME text  write to a group',
  '/groups': '/groups  your groups and their members',
  '/leave': '/leave NAME  leave a group',
  '/accept': '/accept NAME  accept a request (a stranger\'s first message, with --reach known)',
  '/block': '/block NAME  nothing of theirs is shown any more (remembered)',
  '/unblock': '/unblock NAME  a blocked person (name, id or address) may reach you again',
  '/add': '/add HOST:PORT  reach someone discovery cannot see',
};

/**
 * An interactive line (starting with /) as a LAN command. `undefined` when its first word is not a
 * LAN command (the caller's /retry, /status, ... or its unknown-command message).
 */
export function parseLanSlash(line: string): LanParse | undefined {
  const t = line.trim();
  const m = /^(\/\S+)(?:\s+|$)/.exec(t);
  if (!m) return undefined;
  const word = m[1].toLowerCase();
  if (!(word in LAN_SLASH_USAGE)) return undefined;
  const args = t.slice(m[0].length);
  const use = `usage: ${LAN_SLASH_USAGE[word].split('  ')[0]}`;
  const nameArg = (what: string): { name: string; rest: string } | { error: string } => {
    const n = takeName(args);
    if (!n) return { error: `${word}: give ${what}. (${use})` };
    if ('error' in n) return { error: `${word}: ${n.error}` };
    const c = checkName(what, n.name);
    if ('error' in c) return { error: `${word}: ${c.error}` };
    return { name: c.name, rest: n.rest };
  };
  const noMore = (rest: string): string | undefined => (rest.trim() === '' ? undefined : `${word}: unexpected "${rest.trim()}" (names with spaces go in quotes: "Ann Lee"). (${use})`);
  switch (word) {
    case '/who':
    case '/groups': {
      if (args.trim() !== '') return fail(`${word} takes nothing after it. (${use})`);
      return done({ kind: word === '/who' ? 'who' : 'groups' });
    }
    case '/msg':
    case '/g': {
      const n = nameArg(word === '/msg' ? 'a person' : 'a group');
      if ('error' in n) return fail(n.error);
      if (n.rest.trim() === '') return fail(`${word}: nothing to send. (${use})`);
      return done(word === '/msg' ? { kind: 'send', to: n.name, text: n.rest } : { kind: 'groupSend', group: n.name, text: n.rest });
    }
    case '/group': {
      const n = nameArg('a group name');
      if ('error' in n) return fail(n.error);
      if (n.rest.trim() === '') return fail(`/group: list the members after the name, separated by commas. (${use})`);
      const parts = n.rest.split(',').map((x) => x.trim().replace(/^"(.*)"$/, '$1'));
      if (parts.some((x) => x === '')) return fail(`/group: an empty member in "${n.rest.trim()}" (separate names with commas). (${use})`);
      const mm = checkMembers(parts, false);
      if ('error' in mm) return fail(`/group: ${mm.error}`);
      return done({ kind: 'groupMembers', group: n.name, members: mm.members });
    }
    case '/leave':
    case '/accept':
    case '/block':
    case '/unblock': {
      const n = nameArg(word === '/leave' ? 'a group' : 'a person');
      if ('error' in n) return fail(n.error);
      const extra = noMore(n.rest);
      if (extra) return fail(extra);
      return done(word === '/leave' ? { kind: 'groupLeave', group: n.name } : { kind: word === '/accept' ? 'accept' : word === '/unblock' ? 'unblock' : 'block', person: n.name });
    }
    case '/add': {
      const parts = args.trim().split(/\s+/).filter((x) => x !== '');
      if (parts.length !== 1) return fail(`/add: give one address. (${use})`);
      const a = checkAddress(parts[0]);
      if ('error' in a) return fail(`/add: ${a.error}`);
      return done({ kind: 'add', address: a.address, text: parts[0] });
    }
  }
  return undefined;
}
