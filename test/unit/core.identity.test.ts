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
});
