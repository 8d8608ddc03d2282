// Command-line parsing for the terminal peer. Pure: no I/O, no process access, so it is unit-tested
// directly. Flags live in one table; a new flag is one entry (Node's util.parseArgs configuration and
// the usage text are generated from it, and its validator checks the value).
import { isIP } from 'node:net';
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';
import type { PeerAddress } from '../core/address';
import { DEFAULT_PORT, parsePeerAddress, parsePort } from '../core/address';
import type { Identity } from '../core/identity';
import type { TrustStore } from '../core/trust';

export interface CliOptions {
  /** Bind address; empty for all interfaces. */
  localAddress: string;
  /** 0 = any free port. */
  localPort: number;
  peer?: PeerAddress;
  /** The --peer text as given, for messages. */
  peerText?: string;
  displayName: string;
  plain: boolean;
  json: boolean;
  help: boolean;
  version: boolean;
  /** Read the shared passphrase from this file (first line). */
  passphraseFile?: string;
  /** Ask for the passphrase on the terminal. */
  passphrasePrompt: boolean;
  /** Pre-shared key derived from the passphrase (set by main, not by the parser). */
  psk?: Buffer;
  /**
   * --reach: who may start a conversation: anyone, or only people already known (strangers wait as
   * requests). Absent: the service's default (anyone in LAN mode; with --peer only that peer, as before).
   */
  reach?: 'anyone' | 'known';
  /**
   * Announce ourselves and browse the LAN (mDNS). On by default in LAN mode (no --peer); off with
   * --no-discovery; with --peer only when --discover is given. Set by parseArgs from the flags.
   */
  discovery: boolean;
  /** --no-discovery was given. */
  noDiscovery: boolean;
  /** --discover was given (with --peer: also join discovery). */
  discover: boolean;
  /** --interface: the network interface (name such as eth0, or one of its IPv4 addresses) for discovery. */
  discoveryInterface?: string;
  /** --identity: the identity key file (default: identity.json in the config folder). */
  identityPath?: string;
  /** Loaded by main, not by the parser. */
  identity?: Identity;
  trust?: TrustStore;
}

export type ArgsResult = { ok: true; options: CliOptions } | { ok: false; error: string };

interface FlagSpec {
  long: string;
  short?: string;
  /** Placeholder for the value in usage; a flag with one takes a string, one without is a boolean switch. */
  value?: string;
  help: string;
  /** Applies the flag; returns an error message or undefined. */
  apply(o: CliOptions, value: string): string | undefined;
}

const MAX_NAME_CHARS = 64;

const FLAGS: readonly FlagSpec[] = [
  {
    long: 'local', short: 'l', value: 'ADDR', help: 'Local IP address to bind (default: all interfaces).',
    apply: (o, v) => {
      const a = v.trim();
      if (isIP(a.replace(/^\[|\]$/g, '').split('%')[0]) === 0) return `--local: "${v}" is not an IP address of this machine (use e.g. 0.0.0.0, 127.0.0.1 or ::1).`;
      o.localAddress = a.replace(/^\[|\]$/g, '');
      return undefined;
    },
  },
  {
    long: 'port', short: 'p', value: 'PORT', help: `Local UDP port (default ${DEFAULT_PORT}; 0 picks any free port).`,
    apply: (o, v) => {
      const p = parsePort(v.trim(), true);
      if (!p.ok) return `--port: ${p.error.replace('(use 1-65535)', '(use 0-65535)')}`;
      o.localPort = p.value;
      return undefined;
    },
  },
  {
    long: 'peer', short: 'P', value: 'HOST:PORT', help: `Chat with this peer: host:port, IPv4, [IPv6]:port or a hostname; port defaults to ${DEFAULT_PORT}. Without it: LAN mode.`,
    apply: (o, v) => {
      const r = parsePeerAddress(v, DEFAULT_PORT);
      if (!r.ok) return `--peer: ${r.error}`;
      o.peer = r.value;
      o.peerText = v.trim();
      return undefined;
    },
  },
  {
    long: 'name', short: 'n', value: 'NAME', help: 'Name shown to the peer (default: your OS user name).',
    apply: (o, v) => {
      const n = v.trim();
      if (n === '') return '--name: the name cannot be empty.';
      if ([...n].length > MAX_NAME_CHARS) return `--name: the name is longer than ${MAX_NAME_CHARS} characters.`;
      if (/[\u0000-\u001f\u007f]/.test(n)) return '--name: the name cannot contain control characters.';
      o.displayName = n;
      return undefined;
    },
  },
  {
    long: 'passphrase-file', value: 'FILE', help: 'Encrypted session: the shared passphrase is the first line of FILE.',
    apply: (o, v) => { if (v.trim() === '') return '--passphrase-file: give a file name.'; o.passphraseFile = v; return undefined; },
  },
  {
    long: 'identity', value: 'FILE', help: 'Identity key file (default: identity.json in ~/.config/udp-chat; created 0600 if missing).',
    apply: (o, v) => { if (v.trim() === '') return '--identity: give a file name.'; o.identityPath = v; return undefined; },
  },
  {
    long: 'reach', value: 'WHO', help: 'Who may start a conversation: anyone (LAN mode default) or known (a stranger\'s first message waits as a request until /accept). With --peer and no --reach: that peer only.',
    apply: (o, v) => {
      const r = v.trim().toLowerCase();
      if (r !== 'anyone' && r !== 'known') return `--reach: use "anyone" or "known" (got "${v}").`;
      o.reach = r;
      return undefined;
    },
  },
  { long: 'no-discovery', help: 'LAN mode without mDNS: not announced, no browsing (add people with /add HOST:PORT).', apply: (o) => { o.noDiscovery = true; return undefined; } },
  { long: 'discover', help: 'With --peer: also announce yourself and discover people on the LAN (LAN mode does by default).', apply: (o) => { o.discover = true; return undefined; } },
  {
    long: 'interface', value: 'NAME', help: 'Network interface for discovery (e.g. eth0, or one of its IPv4 addresses; default: all).',
    apply: (o, v) => {
      const n = v.trim();
      if (n === '') return '--interface: give an interface name (e.g. eth0) or one of its IPv4 addresses.';
      if (/[\u0000-\u001f\u007f\s]/.test(n)) return `--interface: "${n.replace(/[\u0000-\u001f\u007f]/g, '?')}" is not an interface name (no spaces or control characters).`;
      o.discoveryInterface = n;
      return undefined;
    },
  },
  { long: 'passphrase', help: 'Encrypted session: ask for the shared passphrase (not echoed).', apply: (o) => { o.passphrasePrompt = true; return undefined; } },
  { long: 'plain', help: 'Plain-text mode for nc -u and the classic scripts: no protocol, UTF-8, 1024-byte datagrams.', apply: (o) => { o.plain = true; return undefined; } },
  { long: 'json', help: 'Scriptable mode: stdin lines are messages, stdout is one JSON event per line.', apply: (o) => { o.json = true; return undefined; } },
  { long: 'help', short: 'h', help: 'Show this help and exit.', apply: (o) => { o.help = true; return undefined; } },
  { long: 'version', help: 'Print the version and exit.', apply: (o) => { o.version = true; return undefined; } },
];

export function defaultOptions(defaultName: string): CliOptions {
  return {
    localAddress: '', localPort: DEFAULT_PORT, displayName: defaultName, plain: false, json: false, help: false, version: false, passphrasePrompt: false,
    discovery: false, noDiscovery: false, discover: false,
  };
}

/** The table as `util.parseArgs` options: a flag with a value placeholder takes a string. */
const PARSE_OPTIONS: ParseArgsConfig['options'] = Object.fromEntries(FLAGS.map((f) => [
  f.long, { type: f.value ? 'string' : 'boolean', ...(f.short ? { short: f.short } : {}) },
]));

/**
 * Parses argv (without the node and script entries) with Node's `util.parseArgs`; the FLAGS table
 * supplies each flag's type, help line and validator. Accepts `--flag value`, `--flag=value`,
 * `-f value` and `-fvalue`; `--` ends the options (what follows is a positional argument, and the
 * terminal peer takes none). Parsing is not strict, so unknown flags, missing values and values
 * given to switches come back as tokens and get this module's own one-line errors, in argv order.
 * Without `--peer`: LAN mode (discovery on unless --no-discovery).
 */
export function parseArgs(argv: readonly string[], defaultName = 'me'): ArgsResult {
  const o = defaultOptions(defaultName);
  const { tokens } = nodeParseArgs({ args: [...argv], options: PARSE_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      return { ok: false, error: `Unexpected argument "${token.value}". Give a peer with --peer HOST:PORT (or nothing, for LAN mode).` };
    }
    const long = token.rawName.startsWith('--');
    const spec = long ? FLAGS.find((f) => f.long === token.name) : FLAGS.find((f) => f.short === token.rawName.slice(1));
    if (!spec) return { ok: false, error: `Unknown option "${token.rawName}".` };
    const arg = argv[token.index];
    // A switch in a group (-hx, or -h5): parseArgs splits it into letters; the switch takes no value.
    if (!long && !spec.value && arg.length > 2) return { ok: false, error: `Option "${token.rawName}" takes no value (got "${arg}").` };
    let value = '';
    if (spec.value) {
      if (token.value === undefined) return { ok: false, error: `Option "${token.rawName}" needs a value (${spec.value}).` };
      value = token.value;
    } else if (token.value !== undefined) {
      return { ok: false, error: `Option "${token.rawName}" takes no value.` };
    }
    const err = spec.apply(o, value);
    if (err) return { ok: false, error: err };
  }
  if (o.help || o.version) return { ok: true, options: o };
  if (o.discover && o.noDiscovery) return { ok: false, error: 'Give either --discover or --no-discovery, not both.' };
  if (o.plain && !o.peer) return { ok: false, error: '--plain needs --peer HOST:PORT: a plain-text peer (nc -u) cannot be discovered. Without --plain, no --peer means LAN mode.' };
  if (o.plain && o.discover) return { ok: false, error: '--plain cannot --discover: discovery announces an identity key, and plain-text mode has none.' };
  if (o.plain && o.reach === 'known') return { ok: false, error: '--reach known needs identity keys: it cannot be used with --plain.' };
  o.discovery = o.peer ? o.discover : !o.noDiscovery;
  if (o.discoveryInterface !== undefined && !o.discovery) {
    return { ok: false, error: o.noDiscovery ? '--interface is for discovery: it cannot be used with --no-discovery.' : '--interface is for discovery: with --peer, add --discover to use it.' };
  }
  if (o.plain && (o.passphraseFile || o.passphrasePrompt)) return { ok: false, error: '--plain cannot be encrypted: plain-text peers (nc -u) know no passphrase.' };
  if (o.passphraseFile && o.passphrasePrompt) return { ok: false, error: 'Give either --passphrase-file or --passphrase, not both.' };
  return { ok: true, options: o };
}

/** The --help text: every flag (from the table), quit words, slash commands, JSON events, exit codes. */
export function usage(): string {
  const rows = FLAGS.map((f) => {
    const names = `${f.short ? `-${f.short}, ` : '    '}--${f.long}${f.value ? ` ${f.value}` : ''}`;
    return `  ${names.padEnd(24)} ${f.help}`;
  });
  return [
    'Usage: udp-chat [options]                    LAN mode: discover people, chat 1:1 and in groups',
    '       udp-chat --peer HOST:PORT [options]   chat with one peer',
    '',
    'Peer-to-peer chat over UDP with the UDP Chat extension, another udp-chat, or nc -u (with --plain).',
    'Without --peer, udp-chat joins the LAN: it announces itself (mDNS), discovers other UDP Chat users,',
    'accepts conversations (--reach known: strangers first wait as requests) and keeps groups in',
    '<identity>.groups.json beside the identity file.',
    '',
    'Options:',
    ...rows,
    '',
    'Chatting:',
    '  Type a line and press Enter to send it. A line ending with \\ continues on the next line.',
    '  Messages typed before the peer answers are queued and sent when it comes online.',
    '  Quit words (quit, exit, bye bye) are sent to the peer and then end the session.',
    '  Ctrl-D, Ctrl-C and SIGTERM end the session too; the peer is told (bye). When stdin ends,',
    '  messages still pending are given time to be delivered first.',
    '  Commands: /retry (resend failed messages), /status (presence, addresses, keys, stats),',
    '  /verify (mark the peer\'s key as checked), /accept-key or /reject-key (after a key-change',
    '  warning), /help,',
    '  /quit. Start a message with // to send a line that begins with /.',
    '  LAN mode: /who (people), /msg NAME text, /group NAME a,b (create it, or set its members),',
    '  /g NAME text (to a group), /groups, /leave NAME, /accept NAME (a request), /block NAME,',
    '  /add HOST:PORT (someone discovery cannot see), /verify NAME, /accept-key NAME, /reject-key NAME.',
    '  NAME is a name, an id (or its first 4+ hex',
    '  digits), or "a quoted name". In LAN mode a line without a command goes to the person or group',
    '  of your last /msg or /g (at first: to the first one who writes to you); quit words only end',
    '  the session there.',
    '',
    'JSON mode (--json):',
    '  Each stdin line is a message; a line holding a JSON object {"text": "..."} is sent as its',
    '  text (embed newlines; quit words in this form are sent without ending the session);',
    '  {"retry": "ID"} or {"retry": "all"} resends failed messages; {"command": "accept-key"} accepts',
    '  a changed key after a key-change warning ({"command": "reject-key"} refuses it);',
    '  {"command": "verify"} marks the peer verified. With "person": "NAME" they apply to that person',
    '  (LAN mode: accept-key/reject-key without a person apply to the one person whose key changed).',
    '  LAN mode (and with --peer, for other people):',
    '    {"to": "NAME or ID", "text": "..."}              to one person',
    '    {"group": "NAME or ID", "text": "..."}           to a group',
    '    {"group": "NAME", "members": ["NAME or ID", ...]}  create the group, or set its members',
    '    {"group": "NAME", "leave": true}                leave it',
    '    {"command": "who"} (answered by a "people" event), {"command": "groups"} ("groups" event),',
    '    {"command": "accept", "person": "NAME"}, {"command": "block", "person": "NAME"},',
    '    {"command": "add", "address": "HOST:PORT"}',
    '  {"text": "..."} without "to" goes to the --peer contact (error ENOPEER in LAN mode).',
    '  A line that cannot be understood gets {"event":"error","code":"EINPUT","message":"..."}.',
    '  stdout gets one object per line:',
    '    {"event":"ready","local":"0.0.0.0:50505","peer":"127.0.0.1:50506","name":"...","plain":false}',
    '    {"event":"accepted","id":"m1","text":"..."}   a stdin line was taken; later events use its id',
    '    {"event":"queued"|"sending"|"delivered"|"failed"|"unconfirmed"|"textSent","id":"m1"}',
    '    {"event":"message","from":"bob","text":"...","sentAt":1700000000000,"plain":false}',
    '    {"event":"peer-online","name":"bob","plain":false}   {"event":"peer-offline","reason":"..."}',
    '    {"event":"plain-peer","plain":true}   {"event":"notice","level":"info|warning|error","text":"..."}',
    '    {"event":"stranger","from":"192.0.2.9:4000","bytes":12}',
    '    {"event":"error","code":"EADDRINUSE","message":"..."}',
    '    {"event":"bye","reason":"..."}   {"event":"stats",...}  (last line: session counters)',
    '    {"event":"secured","fingerprint":"12345 67890 ...","verified":false,"person":"<id>","firstContact":true}',
    '        encrypted session with the peer\'s key; the fingerprint (safety number) is the same on both sides',
    '    {"event":"key-changed","oldKey":"...","newKey":"...","from":"..."}   nothing flows until accepted',
    '  LAN mode events:',
    '    {"event":"person-discovered","id":"...","name":"...","address":"..."}',
    '    {"event":"person-lost","id":"...","name":"...","reason":"goodbye|offline"}',
    '    messages carry "fromId", group messages also "group" and "groupId", a request\'s "request": true;',
    '    accepted, delivered and',
    '    failed carry "to" (person id) and, for groups, "group" (one delivered/failed per member)',
    '    {"event":"group-delivery","id":"m1","group":"...","delivered":2,"total":3,"label":"..."}',
    '    {"event":"group-changed","group":"...","groupId":"...","members":[{"id","name"}],"op":"...","by":"...","isMember":true}',
    '    {"event":"request","id":"...","name":"..."}   {"event":"blocked","id":"...","name":"..."}',
    '    {"event":"people","people":[...]}   {"event":"groups","groups":[...]}',
    '    {"event":"person-added","id":"addr:HOST:PORT","name":"...","address":"..."}  (after "add")',
    '    {"event":"request-accepted","id":"...","name":"..."}   peer-online/peer-offline carry "id"',
    '    errors: ENOPEER, ENOPERSON, EAMBIGUOUS (with "candidates"), ENOGROUP, EGROUP, EINPUT',
    '  Diagnostics go to stderr; nothing else is written to stdout.',
    '',
    'Identity and encryption:',
    '  Every session with another UDP Chat is encrypted and authenticated (Noise XX or IK, X25519,',
    '  ChaCha20-Poly1305) with your identity key. The first key a peer address answers with is',
    '  remembered; a different key later gets a warning and gets nothing until you accept it',
    '  (/accept-key; /reject-key refuses it). Compare the safety number both sides print (/verify',
    '  marks the peer verified).',
    '  With --passphrase-file, --passphrase or UDP_CHAT_PASSPHRASE, only people who know the same',
    '  passphrase can talk to you (in VS Code: "UDP Chat: Set Passphrase"). Plain-text peers',
    '  (nc -u, --plain) are never encrypted.',
    '',
    'Exit status: 0 when the session ended normally, 1 on a runtime error (port in use, permission',
    'denied, peer host does not resolve, ...), 2 on a usage error.',
  ].join('\n');
}
