// Group chat envelopes (issue 13): what a group message or a group change looks like inside an
// ordinary message body (docs/PROTOCOL.md §8), sent over each member's pairwise session. Pure and
// strict: anything malformed decodes to undefined, nothing here throws on input from the wire.
//
// The envelope lives in the body's `meta` JSON under the key "group". Older code is safe with it:
// decodeBody ignores the meta of a text body entirely, and reads only its own keys from the meta of
// a code body, so an older UDP Chat shows a group message as an ordinary message from its sender.
//
//   group message (body kind 1, text = the message):
//     {"group":{"v":1,"type":"message","id":"<16 hex>","epoch":<n>,"by":"<16 hex>"}}
//   group code snippet (body kind 2, the code keys of §8 beside "group"):
//     {"language":"ts","path":"a.ts","startLine":1,"endLine":3,"group":{...as above...}}
//   group change (body kind 1, text = a line for older programs):
//     {"group":{"v":1,"type":"create"|"update"|"leave","id":"<16 hex>","epoch":<n>,"by":"<16 hex>",
//               "name":"<1-64 characters>","members":["<16 hex>", ...]}}
//
// `id` is the group (chosen by its creator), `epoch`+`by` the membership state the sender had when
// it sent (a message) or the state it makes (a change; `by` is the person who made it and must be
// the sender). A change carries the whole membership. Keys are person ids (identity.ts personId).
import type { MessageBody } from './codec';

export const GROUP_META_VERSION = 1;
/** Largest group, the sender included. */
export const MAX_GROUP_MEMBERS = 256;
/** Group names are at most this many characters (code points). */
export const MAX_GROUP_NAME = 64;
/** meta is a u16-length field of the body. */
export const MAX_META_BYTES = 0xffff;

export type GroupOp = 'create' | 'update' | 'leave';
export type Code = NonNullable<MessageBody['code']>;

/** A membership state's version: higher `n` wins; equal `n`: the higher `by` (person id) wins. */
export interface Epoch { n: number; by: string }

export interface GroupState {
  /** 16 lowercase hex digits, random, chosen by the creator. */
  id: string;
  name: string;
  /** Person ids, sorted, unique. */
  members: string[];
  epoch: Epoch;
}

export type GroupEnvelope =
  | { type: 'message'; id: string; epoch: Epoch }
  | { type: GroupOp; state: GroupState };

const HEX16 = /^[0-9a-f]{16}$/;

export function isId(v: unknown): v is string { return typeof v === 'string' && HEX16.test(v); }

export function compareEpoch(a: Epoch, b: Epoch): number {
  if (a.n !== b.n) return a.n < b.n ? -1 : 1;
  return a.by < b.by ? -1 : a.by > b.by ? 1 : 0;
}

export function sameEpoch(a: Epoch, b: Epoch): boolean { return a.n === b.n && a.by === b.by; }

/** The name as kept: trimmed, control characters removed, at most MAX_GROUP_NAME characters; '' when nothing is left. */
export function cleanGroupName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').trim();
  return [...clean].slice(0, MAX_GROUP_NAME).join('').trim();
}

/**
 * Validates a state (from the wire or storage). Returns a normalized copy or undefined: the name
 * must already be clean, members unique person ids (any order; returned sorted), at most
 * MAX_GROUP_MEMBERS, epoch a positive safe integer.
 */
export function validState(v: unknown): GroupState | undefined {
  if (!isPlainObject(v)) return undefined;
  const { id, name, members, epoch } = v as Record<string, unknown>;
  if (!isId(id) || typeof name !== 'string' || !Array.isArray(members) || !isPlainObject(epoch)) return undefined;
  const { n, by } = epoch as Record<string, unknown>;
  if (!validN(n) || !isId(by)) return undefined;
  if (name === '' || cleanGroupName(name) !== name) return undefined;
  if (members.length > MAX_GROUP_MEMBERS || !members.every(isId)) return undefined;
  const sorted = [...(members as string[])].sort();
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) return undefined;
  return { id, name, members: sorted, epoch: { n, by } };
}

function validN(n: unknown): n is number { return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1; }

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The meta JSON of a group envelope; `code` (a snippet sent to the group) sits beside "group". */
export function encodeGroupMeta(env: GroupEnvelope, code?: Code): string {
  const group: Record<string, unknown> = { v: GROUP_META_VERSION, type: env.type };
  if (env.type === 'message') {
    group.id = env.id; group.epoch = env.epoch.n; group.by = env.epoch.by;
  } else {
    const s = env.state;
    group.id = s.id; group.epoch = s.epoch.n; group.by = s.epoch.by; group.name = s.name; group.members = s.members;
  }
  const meta = JSON.stringify(code ? { language: code.language, path: code.path, startLine: code.startLine, endLine: code.endLine, group } : { group });
  if (Buffer.byteLength(meta, 'utf8') > MAX_META_BYTES) throw new RangeError('group meta too large');
  return meta;
}

/** True when the meta claims to be a group envelope (then a receiver that knows groups never shows it as a direct message). */
export function hasGroupMeta(meta: string): boolean {
  if (!meta.includes('"group"')) return false;
  try {
    const m: unknown = JSON.parse(meta);
    return isPlainObject(m) && Object.prototype.hasOwnProperty.call(m, 'group');
  } catch {
    return false;
  }
}

/**
 * Reads a group envelope from a body's meta. Never throws. Unknown keys are ignored (a later
 * version may add some); a wrong version, type, id, epoch, name or membership gives undefined. A
 * change must be made by a member (create, update) or by someone who is no longer one (leave).
 */
export function decodeGroupMeta(meta: string): { env: GroupEnvelope; code?: Code } | undefined {
  if (typeof meta !== 'string' || meta.length === 0 || Buffer.byteLength(meta, 'utf8') > MAX_META_BYTES) return undefined;
  let m: unknown;
  try { m = JSON.parse(meta); } catch { return undefined; }
  if (!isPlainObject(m) || !isPlainObject(m.group)) return undefined;
  const g = m.group;
  if (g.v !== GROUP_META_VERSION || !isId(g.id) || !validN(g.epoch) || !isId(g.by)) return undefined;
  const epoch: Epoch = { n: g.epoch, by: g.by };
  let env: GroupEnvelope;
  if (g.type === 'message') {
    env = { type: 'message', id: g.id, epoch };
  } else if (g.type === 'create' || g.type === 'update' || g.type === 'leave') {
    const state = validState({ id: g.id, name: g.name, members: g.members, epoch });
    if (!state) return undefined;
    const byIsMember = state.members.includes(epoch.by);
    if (g.type === 'leave' ? byIsMember : !byIsMember) return undefined;
    if (g.type === 'create' && epoch.n !== 1) return undefined;
    env = { type: g.type, state };
  } else {
    return undefined;
  }
  const hasCode = 'language' in m || 'path' in m || 'startLine' in m || 'endLine' in m;
  if (!hasCode) return { env };
  if (typeof m.language !== 'string' || typeof m.path !== 'string') return undefined;
  const code: Code = {
    language: m.language.slice(0, 64), path: m.path.slice(0, 1024),
    startLine: Number.isSafeInteger(m.startLine) ? (m.startLine as number) : 0,
    endLine: Number.isSafeInteger(m.endLine) ? (m.endLine as number) : 0,
  };
  if (env.type !== 'message') return undefined; // a change carries no code
  return { env, code };
}

/** What older programs show for a group change (newer ones never show the text of a change). */
export function changeFallbackText(state: GroupState, op: GroupOp): string {
  const what = op === 'create' ? 'created' : op === 'leave' ? 'left' : 'updated';
  return `[group “${state.name}” ${what}, ${state.members.length} member${state.members.length === 1 ? '' : 's'} — this UDP Chat is too old for group chats]`;
}

// ---- the whole body (docs/PROTOCOL.md §8), for a session that carries meta through ----

const BODY_TEXT = 1;
const BODY_CODE = 2;
const BODY_HEAD = 19;

export interface RawBody { kind: 1 | 2; sentAt: number; uid: string; meta: string; text: string }

/** A body in the §8 layout with the given meta (kind 2 when the meta carries code). */
export function encodeRawBody(b: { sentAt: number; uid: string; meta: string; text: string; code?: boolean }): Buffer {
  if (!HEX16.test(b.uid)) throw new RangeError('uid must be 16 lowercase hex digits');
  const meta = Buffer.from(b.meta, 'utf8');
  if (meta.length > MAX_META_BYTES) throw new RangeError('meta too large');
  const head = Buffer.alloc(BODY_HEAD);
  head.writeUInt8(b.code ? BODY_CODE : BODY_TEXT, 0);
  head.writeDoubleBE(b.sentAt, 1);
  head.write(b.uid, 9, 8, 'hex');
  head.writeUInt16BE(meta.length, 17);
  return Buffer.concat([head, meta, Buffer.from(b.text, 'utf8')]);
}

/** Reads a §8 body keeping its meta as text. Never throws; undefined when it does not decode. */
export function decodeRawBody(buf: Buffer): RawBody | undefined {
  if (!Buffer.isBuffer(buf) || buf.length < BODY_HEAD) return undefined;
  const kind = buf[0];
  if (kind !== BODY_TEXT && kind !== BODY_CODE) return undefined;
  const metaLen = buf.readUInt16BE(17);
  if (BODY_HEAD + metaLen > buf.length) return undefined;
  const sentAt = buf.readDoubleBE(1);
  return {
    kind, sentAt: Number.isFinite(sentAt) ? sentAt : 0, uid: buf.toString('hex', 9, 17),
    meta: buf.toString('utf8', BODY_HEAD, BODY_HEAD + metaLen), text: buf.toString('utf8', BODY_HEAD + metaLen),
  };
}
