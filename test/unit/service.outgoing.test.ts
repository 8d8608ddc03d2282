import assert from 'node:assert/strict';
import { MAX_TEXT_BYTES } from '../../src/core/limits';
import type { OutgoingContent, OutStatus } from '../../src/core/session';
import { MessageTooLargeError } from '../../src/core/session';
import type { SendingSession } from '../../src/service/outgoing';
import { Outgoing } from '../../src/service/outgoing';
import type { OwnMessage } from '../../src/service/types';

/** A session that records what it is given, and throws like ChatSession when told to. */
class FakeSession implements SendingSession {
  isRunning = true;
  /** Throw "offline queue full" on send. */
  full = false;
  tooLarge = new Set<string>();
  readonly sent: Array<{ id: string; text: string; uid?: string; sentAsText?: boolean }> = [];
  readonly retried: string[] = [];
  failedHere = new Set<string>();
  private uids = 0;
  send(content: OutgoingContent, localId?: string, opts: { sentAsText?: boolean; uid?: string } = {}): string {
    if (!this.isRunning) throw new Error('The session is not running.');
    if (this.tooLarge.has(content.text)) throw new MessageTooLargeError(MAX_TEXT_BYTES + 1);
    if (this.full) throw new Error('The offline queue is full (1000 messages). Wait for the peer to come back.');
    this.sent.push({ id: localId!, text: content.text, uid: opts.uid, sentAsText: opts.sentAsText });
    return localId!;
  }
  retry(localId: string): boolean {
    if (!this.failedHere.has(localId)) return false;
    this.retried.push(localId);
    return true;
  }
  newUid(): string { return `uid${++this.uids}`; }
}

function setup() {
  const session = new FakeSession();
  let running: FakeSession | undefined = session;
  let n = 0;
  const log: string[] = [];
  const out = new Outgoing({
    session: () => running,
    newId: () => `m${++n}`,
    accepted: (m: OwnMessage) => log.push(`accepted ${m.id} ${m.content.text}`),
    status: (id: string, s: OutStatus) => log.push(`${s} ${id}`),
    sendError: (id, code) => log.push(`error ${code} ${id}`),
  });
  return { session, out, log, stopRunning: () => { running = undefined; } };
}

describe('service/outgoing: our messages to one person', () => {
  it('gives every message an id and a uid, announces it before the session sees it, and hands it over with both', () => {
    const { session, out, log } = setup();
    const a = out.submit({ text: 'one' });
    const b = out.submit({ text: 'two' }, { id: 'entry-7', uid: 'keep-me', sentAsText: true });
    assert.deepEqual(a, { ok: true, id: 'm1', uid: 'uid1', status: 'new' });
    assert.equal(b.ok && b.id, 'entry-7');
    assert.deepEqual(session.sent, [
      { id: 'm1', text: 'one', uid: 'uid1', sentAsText: false },
      { id: 'entry-7', text: 'two', uid: 'keep-me', sentAsText: true },
    ]);
    assert.deepEqual(log, ['accepted m1 one', 'accepted entry-7 two']);
    assert.equal(out.summary.sent, 2);
    assert.equal(out.pending, 2, 'accepted, not yet queued by a status: pending');
  });

  it('refuses without a running session, and refuses an oversize text before accepting it', () => {
    const { session, out, log, stopRunning } = setup();
    const big = out.submit({ text: 'x'.repeat(MAX_TEXT_BYTES + 1) });
    assert.equal(big.ok, false);
    assert.equal(!big.ok && big.code, 'EMSGSIZE');
    assert.match(!big.ok ? big.message : '', /too large: 1048577 bytes/);
    assert.deepEqual(log, [], 'nothing accepted or echoed');
    session.isRunning = false;
    assert.equal((out.submit({ text: 'late' }) as { code?: string }).code, 'ENOTRUNNING');
    stopRunning();
    assert.equal((out.submit({ text: 'later' }) as { code?: string }).code, 'ENOTRUNNING');
    assert.equal(out.summary.sent, 0);
  });

  it('holds messages back in order while the offline queue is full, and sends them first, in order, once flushed', () => {
    const { session, out, log } = setup();
    out.submit({ text: 'a' });
    session.full = true;
    out.submit({ text: 'b' });
    session.full = false;
    // The queue has room again, but b waits: nothing newer may overtake it.
    out.submit({ text: 'c' });
    assert.deepEqual(session.sent.map((s) => s.text), ['a']);
    assert.equal(out.held, 2);
    assert.deepEqual(log.filter((l) => l.startsWith('queued')), ['queued m2', 'queued m3']);
    out.flushBacklog();
    assert.deepEqual(session.sent.map((s) => s.text), ['a', 'b', 'c']);
    assert.equal(out.held, 0);
    // The session's own 'queued' for a message already shown as queued is not repeated.
    out.onStatus('m2', 'queued');
    assert.equal(log.filter((l) => l === 'queued m2').length, 1);
  });

  it('a flush that fills the queue again keeps the rest in order for the next one', () => {
    const { session, out } = setup();
    session.full = true;
    for (const t of ['a', 'b', 'c']) out.submit({ text: t });
    assert.equal(session.sent.length, 0);
    let calls = 0;
    const send = session.send.bind(session);
    session.full = false;
    session.send = (c, id, o) => { if (++calls === 2) throw new Error('The offline queue is full'); return send(c, id, o); };
    out.flushBacklog();
    assert.deepEqual(session.sent.map((s) => s.text), ['a']);
    assert.equal(out.held, 2);
    out.flushBacklog();
    assert.deepEqual(session.sent.map((s) => s.text), ['a', 'b', 'c']);
  });

  it('tracks statuses: counters, pending, failed ids; delivered and unconfirmed messages are forgotten', () => {
    const { out, log } = setup();
    for (const t of ['a', 'b', 'c', 'd']) out.submit({ text: t });
    out.onStatus('m1', 'sending');
    out.onStatus('m1', 'delivered');
    out.onStatus('m2', 'failed');
    out.onStatus('m3', 'unconfirmed');
    out.onStatus('m4', 'textSent');
    out.onStatus('nobody', 'delivered');
    assert.deepEqual(out.summary, { sent: 4, delivered: 1, failed: 1, unconfirmed: 1, undelivered: 0, received: 0 });
    assert.deepEqual(out.failedIds(), ['m2']);
    assert.equal(out.pending, 1, 'textSent still waits for an answer');
    assert.equal(out.get('m1'), undefined);
    assert.equal(out.get('m3'), undefined);
    assert.equal(out.get('m2')?.status, 'failed');
    assert.ok(!log.includes('delivered nobody'));
  });

  it('retries failed messages only, and counts them as no longer failed', () => {
    const { session, out } = setup();
    for (const t of ['a', 'b', 'c']) out.submit({ text: t });
    out.onStatus('m1', 'failed');
    out.onStatus('m2', 'failed');
    session.failedHere = new Set(['m1', 'm2', 'm3']);
    assert.equal(out.retry('m3'), 0, 'not failed here');
    assert.equal(out.retry('all'), 2);
    assert.deepEqual(session.retried, ['m1', 'm2']);
    assert.equal(out.summary.failed, 0);
  });

  it('a message the session finds too large is reported with its id and fails', () => {
    const { session, out, log } = setup();
    session.tooLarge.add('huge');
    const r = out.submit({ text: 'huge' });
    assert.equal(r.ok, true);
    assert.deepEqual(log, ['accepted m1 huge', 'error EMSGSIZE m1', 'failed m1']);
    assert.equal(out.summary.failed, 1);
  });

  it('sending the same id again replaces it (the extension resends an entry)', () => {
    const { session, out } = setup();
    session.full = true;
    out.submit({ text: 'x' }, { id: 'e1' });
    session.full = false;
    out.submit({ text: 'x' }, { id: 'e1' });
    assert.equal(out.held, 0, 'the held copy is gone');
    assert.deepEqual(session.sent.map((s) => s.id), ['e1'], 'sent once');
    assert.equal(out.pending, 1);
  });

  it('at the end of a session, what is pending counts as undelivered and the records go', () => {
    const { session, out } = setup();
    out.submit({ text: 'a' });
    session.full = true;
    out.submit({ text: 'b' });
    out.onStatus('m1', 'sending');
    assert.equal(out.sessionEnded(), 2);
    assert.equal(out.summary.undelivered, 2);
    assert.equal(out.pending, 0);
    assert.equal(out.held, 0);
  });
});
