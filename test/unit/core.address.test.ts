import assert from 'node:assert/strict';
import { DEFAULT_PORT, formatAddress, parsePeerAddress, sameEndpoint } from '../../src/core/address';

describe('core/address', () => {
  const ok = (s: string) => {
    const r = parsePeerAddress(s);
    assert.ok(r.ok, `expected ${s} to parse: ${r.ok ? '' : r.error}`);
    return r.value;
  };
  const bad = (s: string) => {
    const r = parsePeerAddress(s);
    assert.equal(r.ok, false, `expected ${s} to be rejected`);
    return r.ok ? '' : r.error;
  };

  it('parses host:port, IPv4, [IPv6]:port and hostnames', () => {
    assert.deepEqual(ok('127.0.0.1:5000'), { host: '127.0.0.1', port: 5000, family: 4 });
    assert.deepEqual(ok('10.1.2.3'), { host: '10.1.2.3', port: DEFAULT_PORT, family: 4 });
    assert.deepEqual(ok('[::1]:6000'), { host: '::1', port: 6000, family: 6 });
    assert.deepEqual(ok('[fe80::1%eth0]:6000'), { host: 'fe80::1%eth0', port: 6000, family: 6 });
    assert.deepEqual(ok('::1'), { host: '::1', port: DEFAULT_PORT, family: 6 });
    assert.deepEqual(ok('localhost'), { host: 'localhost', port: DEFAULT_PORT, family: 0 });
    assert.deepEqual(ok(' my-host.example.org:65535 '), { host: 'my-host.example.org', port: 65535, family: 0 });
  });

  it('rejects bad addresses and ports with a message', () => {
    assert.match(bad(''), /Enter an address/);
    assert.match(bad('1.2.3.4:0'), /out of range/);
    assert.match(bad('1.2.3.4:70000'), /out of range/);
    assert.match(bad('1.2.3.4:http'), /not a port/);
    assert.match(bad('256.1.1.1'), /not a valid IPv4/);
    assert.match(bad('[::1'), /Missing "\]"/);
    assert.match(bad('[zz::1]:5'), /not a valid IPv6/);
    assert.match(bad('bad_host!:5'), /not a valid hostname/);
    assert.match(bad('a b'), /spaces/);
    assert.match(bad(':5000'), /host part is empty/);
  });

  it('formats and compares endpoints, treating IPv4-mapped IPv6 as IPv4', () => {
    assert.equal(formatAddress('::1', 5), '[::1]:5');
    assert.equal(formatAddress('1.2.3.4', 5), '1.2.3.4:5');
    assert.ok(sameEndpoint({ address: '::ffff:127.0.0.1', port: 9 }, { address: '127.0.0.1', port: 9 }));
    assert.ok(!sameEndpoint({ address: '127.0.0.1', port: 9 }, { address: '127.0.0.1', port: 10 }));
  });

  it('compares IPv6 endpoints canonically, whatever form the user typed', () => {
    assert.ok(sameEndpoint({ address: '2001:db8::1', port: 5 }, { address: '2001:DB8:0:0::1', port: 5 }));
    assert.ok(sameEndpoint({ address: 'fe80::1%eth0', port: 5 }, { address: 'fe80::1%2', port: 5 }));
    assert.ok(sameEndpoint({ address: '::ffff:7f00:1', port: 5 }, { address: '127.0.0.1', port: 5 }));
    assert.ok(!sameEndpoint({ address: '2001:db8::1', port: 5 }, { address: '2001:db8::2', port: 5 }));
  });
});
