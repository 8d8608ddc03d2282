import * as assert from 'node:assert/strict';
import { decodeIdentity, encodeIdentity, IdentityError, keyFingerprint, newIdentity, personId, safetyNumber } from '../../src/core/identity';
import { MemoryTrustStorage, parseTrust, TrustStore } from '../../src/core/trust';

describe('core/identity: keys, files, numbers people compare', () => {
  it('an identity survives its file format, and a damaged file is refused with a reason', () => {
    const id = newIdentity();
    const back = decodeIdentity(encodeIdentity(id));
    assert.ok(back.publicKey.equals(id.publicKey));
    assert.throws(() => decodeIdentity('{'), /not JSON/);
    assert.throws(() => decodeIdentity('{"type":"x"}'), IdentityError);
    const other = JSON.parse(encodeIdentity(id)) as Record<string, string>;
    other.publicKey = newIdentity().publicKey.toString('base64');
    assert.throws(() => decodeIdentity(JSON.stringify(other)), /does not match/);
  });

  it('the safety number is the same from both sides, differs for other keys, and reads as 6 groups of 5 digits', () => {
    const a = newIdentity().publicKey;
    const b = newIdentity().publicKey;
    const c = newIdentity().publicKey;
    assert.equal(safetyNumber(a, b), safetyNumber(b, a));
    assert.notEqual(safetyNumber(a, b), safetyNumber(a, c));
    assert.match(safetyNumber(a, b), /^\d{5}( \d{5}){5}$/);
    assert.match(keyFingerprint(a), /^[0-9a-f]{4}( [0-9a-f]{4}){7}$/);
    assert.match(personId(a), /^[0-9a-f]{16}$/);
    assert.notEqual(personId(a), personId(b));
  });
});

describe('core/trust: trust on first use', () => {
  it('pins a contact on first use; the same key later is known; another key is a change', () => {
    const storage = new MemoryTrustStorage();
    const t = new TrustStore(storage, () => 5);
    const k1 = newIdentity().publicKey;
    const k2 = newIdentity().publicKey;
    assert.equal(t.check('bob:5000', k1).kind, 'new');
    t.remember(k1, 'Bob', 'bob:5000');
    assert.equal(t.check('bob:5000', k1).kind, 'known');
    const changed = t.check('bob:5000', k2);
    assert.equal(changed.kind, 'changed');
    assert.ok(changed.kind === 'changed' && changed.previousKey.equals(k1) && changed.previous?.name === 'Bob');
    // Another contact label with the known key: the same person, nothing changed.
    assert.equal(t.check('other:1', k1).kind, 'known');
    // What was stored comes back after a restart; verified is remembered per key.
    t.setVerified(k1, true);
    const again = new TrustStore(storage);
    assert.equal(again.check('bob:5000', k2).kind, 'changed');
    assert.equal(again.isVerified(k1), true);
    assert.equal(again.isVerified(k2), false);
    // Accepting the change pins the new key; the old person stays known but the label moves.
    again.remember(k2, '', 'bob:5000');
    assert.equal(again.check('bob:5000', k2).kind, 'known');
    assert.equal(again.check('bob:5000', k1).kind, 'changed');
  });

  it('damaged stored entries are dropped, never trusted', () => {
    const k = newIdentity().publicKey.toString('base64');
    const d = parseTrust({ version: 1, people: [{ key: 'short' }, { key: k, name: 7, verified: 'yes' }], pins: { a: 'bad', b: k } });
    assert.equal(d.people.length, 1);
    assert.equal(d.people[0].name, '');
    assert.equal(d.people[0].verified, false);
    assert.deepEqual(Object.keys(d.pins), ['b']);
    assert.equal(parseTrust({ version: 9 }).people.length, 0);
  });

  it('blocks are remembered through the storage, unblocked, and cleared with everyone', () => {
    const storage = new MemoryTrustStorage();
    const t = new TrustStore(storage, () => 5);
    const k = newIdentity().publicKey;
    const id = personId(k);
    const plainPeer = 'addr:192.168.1.20:5000';
    assert.equal(t.isBlocked(id), false);
    assert.deepEqual(t.blocked, []);
    t.block(id);
    t.block(plainPeer);
    t.block(id); // twice is once
    assert.equal(t.isBlocked(id), true);
    assert.equal(t.isBlocked(plainPeer), true);
    assert.equal(t.isBlocked('addr:192.168.1.20:5001'), false);
    assert.deepEqual(t.blocked, [id, plainPeer]);
    assert.deepEqual(storage.data?.blocked, [id, plainPeer], 'saved');
    // Another instance (a restart) loads them.
    const again = new TrustStore(storage);
    assert.equal(again.isBlocked(id), true);
    assert.equal(again.isBlocked(plainPeer), true);
    assert.equal(again.unblock(id), true);
    assert.equal(again.unblock(id), false, 'not blocked any more');
    assert.equal(again.unblock('0123456789abcdef'), false);
    assert.equal(again.isBlocked(id), false);
    assert.deepEqual(new TrustStore(storage).blocked, [plainPeer], 'the unblock was saved');
    // IPv6 addresses as formatAddress writes them; ids that are neither are refused.
    again.block('addr:[fe80::1%eth0]:5000');
    assert.equal(new TrustStore(storage).isBlocked('addr:[fe80::1%eth0]:5000'), true);
    for (const bad of ['', 'ABCDEF0123456789', '0123', 'addr:', 'addr:host', 'addr:host:99999', 'addr:a b:1']) {
      assert.throws(() => again.block(bad), RangeError, bad);
    }
    // Blocks stay apart from the people and pins, and clear() forgets them too.
    again.remember(k, 'Bob', 'bob:5000');
    assert.equal(again.isBlocked(id), false);
    again.block(id);
    again.clear();
    assert.equal(again.isBlocked(id), false);
    assert.deepEqual(new TrustStore(storage).blocked, []);
  });

  it('an old store without blocks loads with nobody blocked; damaged block entries are dropped', () => {
    const k = newIdentity().publicKey.toString('base64');
    const old = parseTrust({ version: 1, people: [{ key: k, name: 'Ann' }], pins: { a: k } });
    assert.deepEqual(old.blocked, []);
    assert.equal(old.people.length, 1);
    assert.deepEqual(parseTrust({ version: 1, people: [], pins: {}, blocked: 'aaaaaaaaaaaaaaaa' }).blocked, []);
    const d = parseTrust({
      version: 1, people: [], pins: {},
      blocked: ['aaaaaaaaaaaaaaaa', 7, null, 'AAAAAAAAAAAAAAAA', 'aaaa', 'addr:10.0.0.1:4000', 'addr:nope', 'aaaaaaaaaaaaaaaa', { id: 'bbbbbbbbbbbbbbbb' }, `addr:${'h'.repeat(400)}:1`],
    });
    assert.deepEqual(d.blocked, ['aaaaaaaaaaaaaaaa', 'addr:10.0.0.1:4000']);
    // Through a store: a damaged entry in storage is not blocked, the good ones are.
    const storage = new MemoryTrustStorage();
    storage.data = { version: 1, people: [], pins: {}, blocked: ['cccccccccccccccc', 'not an id'] };
    const t = new TrustStore(storage);
    assert.deepEqual(t.blocked, ['cccccccccccccccc']);
    assert.equal(t.isBlocked('not an id'), false);
  });
});
