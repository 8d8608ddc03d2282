import assert from 'node:assert/strict';
import {
  classifyTxt, cleanName, compactFingerprint, decodeTxt, DISCOVERY_VERSION, encodeTxt, hostName, instanceName,
  MAX_LABEL_BYTES, SERVICE_FULL_TYPE, truncateUtf8, usableAddresses,
} from '../../src/net/discoveryRecord';

const ID = '0123456789abcdef';
const OTHER = 'fedcba9876543210';
const FP = 'ab12 cd34 ef56 7890 ab12 cd34 ef56 7890';
const FP_COMPACT = 'ab12cd34ef567890ab12cd34ef567890';
const txt = (items: string[]) => decodeTxt(items.map((s) => Buffer.from(s, 'utf8')));

describe('net/discoveryRecord: what a peer advertises over DNS-SD and how a record is read', () => {
  it('the service type is _udpchat._udp and this code speaks version 2', () => {
    assert.equal(SERVICE_FULL_TYPE, '_udpchat._udp');
    assert.equal(DISCOVERY_VERSION, '2');
  });

  describe('encoding', () => {
    it('TXT carries v, id, fp without spaces and the display name', () => {
      assert.deepEqual(encodeTxt({ name: 'Ada Lovelace', personId: ID, fingerprint: FP }), { v: '2', id: ID, fp: FP_COMPACT, name: 'Ada Lovelace' });
      assert.equal(compactFingerprint(' AB12 cd34\tEF56 '), 'ab12cd34ef56');
    });

    it('the TXT name is cut to 63 bytes of UTF-8 at a character boundary', () => {
      const name = 'ü'.repeat(40); // 80 bytes
      const cut = encodeTxt({ name, personId: ID, fingerprint: FP }).name;
      assert.equal(cut, 'ü'.repeat(31));
      assert.ok(Buffer.byteLength(cut) <= 63);
      assert.equal(truncateUtf8('a😀b', 4), 'a'); // the emoji (4 bytes) does not fit after 'a'
      assert.equal(truncateUtf8('a😀b', 5), 'a😀');
      assert.equal(truncateUtf8('short', 63), 'short');
    });

    it('the instance name is `<name> (<first 6 of id>)`, at most 63 bytes, no dots or control characters', () => {
      assert.equal(instanceName('Ada Lovelace', ID), 'Ada Lovelace (012345)');
      assert.equal(instanceName('a.b.c', ID), 'a-b-c (012345)');
      assert.equal(instanceName('  tab\there\nnewline  ', ID), 'tab here newline (012345)');
      assert.equal(instanceName('', ID), 'UDP Chat (012345)');
      const long = instanceName('€'.repeat(40), ID);
      assert.ok(Buffer.byteLength(long) <= MAX_LABEL_BYTES, long);
      assert.equal(long, `${'€'.repeat(18)} (012345)`); // 54 bytes + 9
      assert.notEqual(instanceName('Ada', ID), instanceName('Ada', OTHER), 'two people with one name do not collide');
    });

    it('the SRV host is made from the id and a token, never the OS host name', () => {
      assert.equal(hostName(ID, 'a1b2c3'), `udpchat-${ID}-a1b2c3.local`);
    });

    it('cleanName falls back to "UDP Chat" for an empty or blank name', () => {
      assert.equal(cleanName('   '), 'UDP Chat');
      assert.equal(cleanName('\u0000\u0007'), 'UDP Chat');
      assert.equal(cleanName('Grace  Hopper'), 'Grace Hopper');
    });
  });

  describe('decoding', () => {
    it('keys are case-insensitive, the first occurrence wins, a key without = is a flag, empty keys are ignored', () => {
      const m = txt(['V=2', 'v=3', 'flag', '=nokey', 'name=a=b', '']);
      assert.deepEqual([...m], [['v', '2'], ['flag', ''], ['name', 'a=b']]);
    });

    it('anything unreadable gives an empty map, never an exception', () => {
      for (const raw of [undefined, null, 42, {}, [42, null, {}], 'x']) assert.doesNotThrow(() => decodeTxt(raw));
      assert.equal(decodeTxt(undefined).size, 0);
      assert.deepEqual([...decodeTxt('v=2')], [['v', '2']]);
      assert.deepEqual([...decodeTxt([new Uint8Array(Buffer.from('id=x'))])], [['id', 'x']]);
    });

    it('a round trip through TXT strings gives the peer back', () => {
      const enc = encodeTxt({ name: 'Ada ✓', personId: OTHER, fingerprint: FP });
      const c = classifyTxt(txt(Object.entries(enc).map(([k, v]) => `${k}=${v}`)), ID);
      assert.deepEqual(c, { kind: 'peer', peer: { id: OTHER, name: 'Ada ✓', fingerprint: FP_COMPACT, version: '2' } });
    });
  });

  describe('classification', () => {
    const good = ['v=2', `id=${OTHER}`, `fp=${FP_COMPACT}`, 'name=Grace'];

    it('our own record (same id, any case) is self', () => {
      assert.deepEqual(classifyTxt(txt(['v=2', `id=${ID.toUpperCase()}`, `fp=${FP_COMPACT}`]), ID), { kind: 'self' });
      assert.deepEqual(classifyTxt(txt(['v=9', `id=${ID}`]), ID), { kind: 'self' }, 'even with another version');
    });

    it('another version is incompatible, with what can be read of it', () => {
      assert.deepEqual(classifyTxt(txt(['v=1', `id=${OTHER}`]), ID, 'old (fedcba)'), { kind: 'incompatible', version: '1', id: OTHER, name: 'old' });
      assert.deepEqual(classifyTxt(txt(['v=3', 'id=garbage', 'name=New']), ID), { kind: 'incompatible', version: '3', name: 'New' });
    });

    it('malformed v2 records are rejected with a reason', () => {
      const cases: [string[], RegExp][] = [
        [['id=x'], /no v=/],
        [['v=2', `fp=${FP_COMPACT}`], /no id=/],
        [['v=2', 'id=0123', `fp=${FP_COMPACT}`], /16 hex/],
        [['v=2', `id=${OTHER}`], /no fp=/],
        [['v=2', `id=${OTHER}`, 'fp=zz'], /32 hex/],
        [['v=2', `id=${OTHER}`, `fp=${FP_COMPACT}00`], /32 hex/],
      ];
      for (const [items, reason] of cases) {
        const c = classifyTxt(txt(items), ID);
        assert.equal(c.kind, 'malformed', items.join(' '));
        assert.match((c as { reason: string }).reason, reason);
      }
    });

    it('the name comes from TXT, else from the instance name without the id suffix; it is cleaned and cut', () => {
      assert.equal((classifyTxt(txt(good), ID) as { peer: { name: string } }).peer.name, 'Grace');
      const noName = txt(good.filter((s) => !s.startsWith('name=')));
      assert.equal((classifyTxt(noName, ID, 'Grace Hopper (fedcba)') as { peer: { name: string } }).peer.name, 'Grace Hopper');
      assert.equal((classifyTxt(noName, ID) as { peer: { name: string } }).peer.name, 'UDP Chat');
      const long = txt([...good.slice(0, 3), `name=${'x'.repeat(100)}\u0007`]);
      assert.equal((classifyTxt(long, ID) as { peer: { name: string } }).peer.name, 'x'.repeat(63));
    });

    it('the fingerprint may carry spaces and capitals; it is given back compact and lowercase', () => {
      const c = classifyTxt(txt(['v=2', `id=${OTHER}`, `fp=${FP.toUpperCase()}`]), ID);
      assert.equal(c.kind, 'peer');
      assert.equal((c as { peer: { fingerprint: string } }).peer.fingerprint, FP_COMPACT);
    });
  });

  describe('addresses', () => {
    it('valid IPs only, IPv4 first, no duplicates, no link-local IPv6, loopback or unspecified', () => {
      assert.deepEqual(
        usableAddresses(['fd00:79::1', '10.79.0.1', 'fe80::1', 'FD00:79::1', '10.79.0.1', '127.0.0.1', '::1', '0.0.0.0', 'nonsense', 7, null, '2001:db8::5', '192.0.2.9']),
        ['10.79.0.1', '192.0.2.9', 'fd00:79::1', '2001:db8::5'],
      );
      assert.deepEqual(usableAddresses([]), []);
    });
  });
});
