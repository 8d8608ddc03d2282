import assert from 'node:assert/strict';
import { parseArgs, usage } from '../../src/cli/args';
import { parseJsonInput } from '../../src/cli/jsonMode';
import { formatIncoming } from '../../src/cli/interactive';

describe('cli/args', () => {
  const ok = (...argv: string[]) => {
    const r = parseArgs(argv, 'osuser');
    assert.ok(r.ok, `expected ${argv.join(' ')} to parse: ${r.ok ? '' : r.error}`);
    return r.options;
  };
  const bad = (...argv: string[]) => {
    const r = parseArgs(argv, 'osuser');
    assert.equal(r.ok, false, `expected ${argv.join(' ')} to be rejected`);
    return r.ok ? '' : r.error;
  };

  it('applies defaults: all interfaces, port 50505, OS user name, protocol mode', () => {
    const o = ok('--peer', '192.0.2.7:6000');
    assert.equal(o.localAddress, '');
    assert.equal(o.localPort, 50505);
    assert.equal(o.displayName, 'osuser');
    assert.equal(o.plain, false);
    assert.equal(o.json, false);
    assert.deepEqual(o.peer, { host: '192.0.2.7', port: 6000, family: 4 });
  });

  it('accepts long, short, --flag=value and -fvalue forms', () => {
    const o = ok('-l', '127.0.0.1', '--port=0', '-Pexample.org', '-n', 'Ann Lee', '--plain', '--json');
    assert.equal(o.localAddress, '127.0.0.1');
    assert.equal(o.localPort, 0);
    assert.deepEqual(o.peer, { host: 'example.org', port: 50505, family: 0 });
    assert.equal(o.displayName, 'Ann Lee');
    assert.equal(o.plain, true);
    assert.equal(o.json, true);
    assert.equal(ok('-p5000', '--peer=[::1]:7').localPort, 5000);
    assert.deepEqual(ok('--peer=[::1]:7').peer, { host: '::1', port: 7, family: 6 });
    assert.equal(ok('--local', '[::1]', '-P', '::1').localAddress, '::1');
  });

  it('--help and --version need no peer', () => {
    assert.equal(ok('--help').help, true);
    assert.equal(ok('-h').help, true);
    assert.equal(ok('--version').version, true);
  });

  it('rejects unknown flags, missing values, stray arguments and a missing peer', () => {
    assert.match(bad('--peer', '1.2.3.4', '--bogus'), /Unknown option "--bogus"/);
    assert.match(bad('-x'), /Unknown option "-x"/);
    assert.match(bad('--peer'), /"--peer" needs a value/);
    assert.match(bad('-P'), /"-P" needs a value/);
    assert.match(bad('1.2.3.4:5'), /Unexpected argument "1.2.3.4:5"/);
    assert.match(bad('--plain'), /--plain needs --peer/);
    assert.match(bad('--plain=yes', '-P', '1.2.3.4'), /"--plain" takes no value/);
    assert.match(bad('-hx'), /"-h" takes no value/);
  });

  it('"--" ends the options: what follows is a positional argument, refused even when it looks like a flag', () => {
    assert.match(bad('--', '--help'), /^Unexpected argument "--help"\. Give a peer with --peer HOST:PORT/);
    assert.match(bad('-n', 'Ann', '--', '-P'), /^Unexpected argument "-P"\./);
    assert.match(bad('--', '-'), /^Unexpected argument "-"\./);
    // Options before it still apply; a lone "--" changes nothing.
    assert.equal(ok('-n', 'Ann', '--').displayName, 'Ann');
    // Right after a flag that takes a value, "--" (like any text starting with "-") is that value,
    // as with getopt: the flag asked for one.
    assert.equal(ok('--name', '--').displayName, '--');
    assert.equal(ok('--name', '-x-').displayName, '-x-');
  });

  it('--flag=value takes everything after the first "=" (empty included), for every value flag', () => {
    assert.equal(ok('--name=a=b').displayName, 'a=b');
    assert.equal(ok('--port=0', '--local=::1').localAddress, '::1');
    assert.equal(ok('--port=6001').localPort, 6001);
    assert.equal(ok('--identity=/tmp/id.json').identityPath, '/tmp/id.json');
    assert.equal(ok('-P', '127.0.0.1:5', '--passphrase-file=/tmp/p').passphraseFile, '/tmp/p');
    assert.match(bad('--name='), /^--name: the name cannot be empty\.$/);
    assert.match(bad('--peer='), /^--peer: /);
    // The last occurrence wins, as before.
    assert.equal(ok('-n', 'first', '--name=second').displayName, 'second');
  });

  it('an unknown flag is one line naming it, long or short, with or without a value', () => {
    assert.equal(bad('--frobnicate'), 'Unknown option "--frobnicate".');
    assert.equal(bad('--frobnicate=3'), 'Unknown option "--frobnicate".');
    assert.equal(bad('-z'), 'Unknown option "-z".');
    assert.equal(bad('-zh'), 'Unknown option "-z".');
    assert.equal(bad('--h'), 'Unknown option "--h".', 'a short letter is not a long name');
    assert.equal(bad('--Peer', '1.2.3.4'), 'Unknown option "--Peer".', 'names are case-sensitive');
    // The first problem in argv order is the one reported.
    assert.equal(bad('--bogus', '--peer'), 'Unknown option "--bogus".');
    for (const e of [bad('--frobnicate'), bad('-z')]) assert.doesNotMatch(e, /\n/);
  });

  it('a missing value is one line naming the flag and its placeholder', () => {
    assert.equal(bad('--name'), 'Option "--name" needs a value (NAME).');
    assert.equal(bad('-p'), 'Option "-p" needs a value (PORT).');
    assert.equal(bad('--plain', '--peer'), 'Option "--peer" needs a value (HOST:PORT).');
    assert.equal(bad('--interface'), 'Option "--interface" needs a value (NAME).');
    assert.equal(bad('-h5'), 'Option "-h" takes no value (got "-h5").');
    assert.equal(bad('--json=true'), 'Option "--json" takes no value.');
  });

  it('validates values with the same rules as the extension', () => {
    assert.match(bad('-P', '1.2.3.4:0'), /--peer: Port 0 is out of range/);
    assert.match(bad('-P', '256.1.1.1'), /--peer: .*not a valid IPv4/);
    assert.match(bad('-P', 'bad_host!'), /--peer: .*not a valid hostname/);
    assert.match(bad('-P', '1.2.3.4', '-p', '70000'), /--port: .*out of range \(use 0-65535\)/);
    assert.match(bad('-P', '1.2.3.4', '-p', 'http'), /--port: .*not a port/);
    assert.match(bad('-P', '1.2.3.4', '-l', 'localhost'), /--local: "localhost" is not an IP address/);
    assert.match(bad('-P', '1.2.3.4', '-n', '   '), /--name: the name cannot be empty/);
    assert.match(bad('-P', '1.2.3.4', '-n', 'x'.repeat(65)), /longer than 64/);
    assert.match(bad('-P', '1.2.3.4', '-n', 'a\u0007b'), /control characters/);
  });

  it('usage documents every flag, quit words, JSON events and exit codes', () => {
    const u = usage();
    for (const flag of ['--local', '-l', '--port', '-p', '--peer', '-P', '--name', '-n', '--plain', '--json', '--help', '-h', '--version']) {
      assert.ok(u.includes(flag), `usage lacks ${flag}`);
    }
    for (const word of ['quit', 'exit', 'bye bye', '/retry', '/status', '/help']) assert.ok(u.includes(word), `usage lacks ${word}`);
    for (const ev of ['ready', 'accepted', 'queued', 'sending', 'delivered', 'failed', 'unconfirmed', 'message', 'peer-online', 'peer-offline', 'plain-peer', 'notice', 'stranger', 'error', 'bye', 'stats']) {
      assert.ok(u.includes(`"${ev}"`), `usage lacks event ${ev}`);
    }
    assert.match(u, /Exit status: 0 .* 1 on a runtime error .* 2 on a usage error/s);
  });
});

describe('cli/jsonMode input', () => {
  it('takes plain lines as text, {"text"} objects with embedded newlines, {"retry"} requests', () => {
    assert.deepEqual(parseJsonInput('hello'), { text: 'hello', quit: false });
    assert.deepEqual(parseJsonInput('{"text":"a\\nb"}'), { text: 'a\nb', quit: false });
    assert.deepEqual(parseJsonInput('{"retry":"m3"}'), { retry: 'm3' });
    assert.deepEqual(parseJsonInput('{"command":"verify"}'), { command: 'verify' });
    assert.deepEqual(parseJsonInput('{"command":"accept-key","person":"bob"}'), { command: 'accept-key', person: 'bob' });
    assert.deepEqual(parseJsonInput('{"command":"reject-key","person":5}'), { command: 'reject-key' });
    assert.deepEqual(parseJsonInput('{not json'), { text: '{not json', quit: false });
    assert.deepEqual(parseJsonInput('{"other":1}'), { text: '{"other":1}', quit: false });
    assert.equal(parseJsonInput('   '), undefined);
  });

  it('a plain quit word ends the session; the JSON form sends it as text only', () => {
    assert.deepEqual(parseJsonInput('Bye  Bye'), { text: 'Bye  Bye', quit: true });
    assert.deepEqual(parseJsonInput('{"text":"quit"}'), { text: 'quit', quit: false });
  });
});

describe('cli/interactive format', () => {
  it('prints [HH:MM] name: text and indents further lines', () => {
    assert.equal(formatIncoming('09:05', 'bob', 'hi'), '[09:05] bob: hi');
    assert.equal(formatIncoming('09:05', 'bob', 'a\nb'), `[09:05] bob: a\n${' '.repeat(13)}b`);
  });
});

describe('cli/args: encryption flags', () => {
  it('takes --passphrase-file and --passphrase, and refuses them with --plain or together', () => {
    const r = parseArgs(['-P', '127.0.0.1:5', '--passphrase-file', '/tmp/p']);
    assert.ok(r.ok && r.options.passphraseFile === '/tmp/p' && !r.options.passphrasePrompt);
    const q = parseArgs(['-P', '127.0.0.1:5', '--passphrase']);
    assert.ok(q.ok && q.options.passphrasePrompt);
    const bad = parseArgs(['-P', '127.0.0.1:5', '--plain', '--passphrase']);
    assert.ok(!bad.ok && /--plain cannot be encrypted/.test(bad.error));
    const both = parseArgs(['-P', '127.0.0.1:5', '--passphrase', '--passphrase-file=/x']);
    assert.ok(!both.ok && /either/.test(both.error));
    assert.match(usage(), /--passphrase-file FILE/);
  });
});

describe('cli/args: LAN mode', () => {
  const ok = (...argv: string[]) => {
    const r = parseArgs(argv, 'osuser');
    assert.ok(r.ok, `expected ${argv.join(' ')} to parse: ${r.ok ? '' : r.error}`);
    return r.options;
  };
  const bad = (...argv: string[]) => {
    const r = parseArgs(argv, 'osuser');
    assert.equal(r.ok, false, `expected ${argv.join(' ')} to be rejected`);
    return r.ok ? '' : r.error;
  };

  it('without --peer: LAN mode with discovery, reach left to the service (anyone)', () => {
    const o = ok();
    assert.equal(o.peer, undefined);
    assert.equal(o.discovery, true);
    assert.equal(o.reach, undefined);
    assert.equal(ok('-P', '127.0.0.1:5').reach, undefined, 'with --peer the service keeps its default (the contact only)');
    assert.equal(o.discoveryInterface, undefined);
    assert.equal(ok('--json', '-p', '0').discovery, true);
  });

  it('with --peer discovery stays off unless --discover', () => {
    assert.equal(ok('-P', '127.0.0.1:5').discovery, false);
    assert.equal(ok('-P', '127.0.0.1:5', '--discover').discovery, true);
    assert.equal(ok('-P', '127.0.0.1:5', '--discover', '--interface', 'eth0').discoveryInterface, 'eth0');
  });

  it('--no-discovery, --reach and --interface', () => {
    assert.equal(ok('--no-discovery').discovery, false);
    assert.equal(ok('--reach', 'known').reach, 'known');
    assert.equal(ok('--reach=Anyone').reach, 'anyone');
    assert.equal(ok('--interface=192.168.1.5').discoveryInterface, '192.168.1.5');
    assert.equal(ok('--discover').discovery, true);
  });

  it('refuses contradictions and bad values clearly', () => {
    assert.match(bad('--reach', 'friends'), /--reach: use "anyone" or "known" \(got "friends"\)/);
    assert.match(bad('--reach'), /"--reach" needs a value/);
    assert.match(bad('--no-discovery', '--discover'), /either --discover or --no-discovery/);
    assert.match(bad('--no-discovery', '--interface', 'eth0'), /--interface is for discovery: it cannot be used with --no-discovery/);
    assert.match(bad('-P', '127.0.0.1:5', '--interface', 'eth0'), /add --discover/);
    assert.match(bad('--interface', ''), /--interface: give an interface name/);
    assert.match(bad('--interface', 'eth 0'), /is not an interface name/);
    assert.match(bad('--plain'), /--plain needs --peer HOST:PORT/);
    assert.match(bad('--plain', '-P', '127.0.0.1:5', '--discover'), /--plain cannot --discover/);
    assert.match(bad('--plain', '-P', '127.0.0.1:5', '--reach', 'known'), /--reach known needs identity keys/);
    assert.match(bad('--no-discovery=1'), /"--no-discovery" takes no value/);
  });

  it('usage documents the LAN flags, commands and events', () => {
    const u = usage();
    for (const s of ['--reach WHO', '--no-discovery', '--discover', '--interface NAME', 'Usage: udp-chat [options]', 'udp-chat --peer HOST:PORT [options]',
      '/who', '/msg NAME text', '/group NAME a,b', '/g NAME text', '/groups', '/leave NAME', '/accept NAME', '/block NAME', '/add HOST:PORT',
      '"to"', '"members"', '"leave": true', '"command": "who"', '"command": "add"', 'ENOPEER', 'EINPUT']) {
      assert.ok(u.includes(s), `usage lacks ${s}`);
    }
    for (const ev of ['person-discovered', 'person-lost', 'group-delivery', 'group-changed', 'request', 'blocked', 'people']) assert.ok(u.includes(`"${ev}"`), `usage lacks event ${ev}`);
  });
});
