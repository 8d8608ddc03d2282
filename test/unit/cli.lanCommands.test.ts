import assert from 'node:assert/strict';
import type { LanCommand, LanParse } from '../../src/cli/lanCommands';
import { LAN_SLASH_USAGE, MAX_MEMBERS, parseLanJson, parseLanSlash, takeName } from '../../src/cli/lanCommands';

function ok(r: LanParse | undefined): LanCommand {
  assert.ok(r, 'expected a LAN command, got undefined');
  assert.ok(r.ok, `expected success, got: ${r.ok ? '' : r.error}`);
  return r.command;
}
function err(r: LanParse | undefined): string {
  assert.ok(r, 'expected a LAN error, got undefined');
  assert.equal(r.ok, false, `expected an error, got ${JSON.stringify(r)}`);
  return r.ok ? '' : r.error;
}

describe('cli/lanCommands: JSON input', () => {
  it('parses messages to a person and to a group', () => {
    assert.deepEqual(ok(parseLanJson('{"to":"bob","text":"hi\\nthere"}')), { kind: 'send', to: 'bob', text: 'hi\nthere' });
    assert.deepEqual(ok(parseLanJson('{"to":"  Ann Lee ","text":"x"}')), { kind: 'send', to: 'Ann Lee', text: 'x' });
    assert.deepEqual(ok(parseLanJson('{"group":"team","text":"all"}')), { kind: 'groupSend', group: 'team', text: 'all' });
  });

  it('parses group members (deduplicated, case-insensitively) and leave', () => {
    assert.deepEqual(ok(parseLanJson('{"group":"team","members":["bob","carol","Bob"]}')), { kind: 'groupMembers', group: 'team', members: ['bob', 'carol'] });
    assert.deepEqual(ok(parseLanJson('{"group":"team","members":[]}')), { kind: 'groupMembers', group: 'team', members: [] });
    assert.deepEqual(ok(parseLanJson('{"group":"team","leave":true}')), { kind: 'groupLeave', group: 'team' });
  });

  it('parses who, groups, accept, block and add', () => {
    assert.deepEqual(ok(parseLanJson('{"command":"who"}')), { kind: 'who' });
    assert.deepEqual(ok(parseLanJson('{"command":"groups"}')), { kind: 'groups' });
    assert.deepEqual(ok(parseLanJson('{"command":"accept","person":"bob"}')), { kind: 'accept', person: 'bob' });
    assert.deepEqual(ok(parseLanJson('{"command":"block","person":"a1b2"}')), { kind: 'block', person: 'a1b2' });
    assert.deepEqual(ok(parseLanJson('{"command":"unblock","person":"a1b2"}')), { kind: 'unblock', person: 'a1b2' });
    assert.deepEqual(ok(parseLanJson('{"command":"add","address":"127.0.0.1:6000"}')),
      { kind: 'add', address: { host: '127.0.0.1', port: 6000, family: 4 }, text: '127.0.0.1:6000' });
    assert.deepEqual(ok(parseLanJson('{"command":"add","address":"[::1]"}')),
      { kind: 'add', address: { host: '::1', port: 50505, family: 6 }, text: '[::1]' });
  });

  it('leaves everything else to the --peer parser (undefined)', () => {
    for (const line of ['hello', '{"text":"hi"}', '{"retry":"m1"}', '{"command":"accept-key"}', '{"command":"verify"}', '{not json', '[1,2]', '"str"', '{"other":1}', '']) {
      assert.equal(parseLanJson(line), undefined, line);
    }
  });

  it('refuses malformed LAN lines with a clear error (never throws)', () => {
    assert.match(err(parseLanJson('{"to":5,"text":"x"}')), /"to" must be a name or id/);
    assert.match(err(parseLanJson('{"to":"  ","text":"x"}')), /"to" is empty/);
    assert.match(err(parseLanJson('{"to":"bob"}')), /needs "text"/);
    assert.match(err(parseLanJson('{"to":"bob","text":""}')), /"text" is empty/);
    assert.match(err(parseLanJson('{"to":"bob","text":7}')), /"text" must be a string/);
    assert.match(err(parseLanJson('{"to":"bob","group":"g","text":"x"}')), /not both/);
    assert.match(err(parseLanJson('{"to":"b\\u001b[2J","text":"x"}')), /control characters/);
    assert.match(err(parseLanJson(`{"to":"${'x'.repeat(65)}","text":"x"}`)), /longer than 64/);
    assert.match(err(parseLanJson('{"group":"g"}')), /needs "text".*"members".*"leave"/);
    assert.match(err(parseLanJson('{"group":"g","text":"x","members":["a"]}')), /one of .*"text" and "members"/);
    assert.match(err(parseLanJson('{"group":"g","members":"bob"}')), /"members" must be a list/);
    assert.match(err(parseLanJson('{"group":"g","members":["bob",3]}')), /member 2 must be a name/);
    assert.match(err(parseLanJson(`{"group":"g","members":${JSON.stringify(Array.from({ length: MAX_MEMBERS + 1 }, (_, i) => `p${i}`))}}`)), /at most 256/);
    assert.match(err(parseLanJson('{"group":"g","leave":"yes"}')), /"leave" must be true/);
    assert.match(err(parseLanJson('{"group":null,"text":"x"}')), /"group" must be a name/);
    assert.match(err(parseLanJson('{"command":"accept"}')), /accept: give "person"/);
    assert.match(err(parseLanJson('{"command":"block","person":""}')), /block: "person" is empty/);
    assert.match(err(parseLanJson('{"command":"add"}')), /add: give the address as HOST:PORT/);
    assert.match(err(parseLanJson('{"command":"add","address":"999.1.1.1:5"}')), /add: address: .*not a valid IPv4/);
    assert.match(err(parseLanJson('{"command":"who","to":"bob"}')), /either a command or a message/);
  });
});

describe('cli/lanCommands: slash commands', () => {
  it('parses every LAN command', () => {
    assert.deepEqual(ok(parseLanSlash('/who')), { kind: 'who' });
    assert.deepEqual(ok(parseLanSlash('/groups ')), { kind: 'groups' });
    assert.deepEqual(ok(parseLanSlash('/msg bob hello there')), { kind: 'send', to: 'bob', text: 'hello there' });
    assert.deepEqual(ok(parseLanSlash('/MSG "Ann Lee" hi')), { kind: 'send', to: 'Ann Lee', text: 'hi' });
    assert.deepEqual(ok(parseLanSlash('/group team bob, carol ,"Ann Lee"')), { kind: 'groupMembers', group: 'team', members: ['bob', 'carol', 'Ann Lee'] });
    assert.deepEqual(ok(parseLanSlash('/group "night shift" bob')), { kind: 'groupMembers', group: 'night shift', members: ['bob'] });
    assert.deepEqual(ok(parseLanSlash('/g team all of you')), { kind: 'groupSend', group: 'team', text: 'all of you' });
    assert.deepEqual(ok(parseLanSlash('/leave team')), { kind: 'groupLeave', group: 'team' });
    assert.deepEqual(ok(parseLanSlash('/accept bob')), { kind: 'accept', person: 'bob' });
    assert.deepEqual(ok(parseLanSlash('/block "Ann Lee"')), { kind: 'block', person: 'Ann Lee' });
    assert.deepEqual(ok(parseLanSlash('/unblock "Ann Lee"')), { kind: 'unblock', person: 'Ann Lee' });
    assert.deepEqual(ok(parseLanSlash('/add 127.0.0.1:7000')), { kind: 'add', address: { host: '127.0.0.1', port: 7000, family: 4 }, text: '127.0.0.1:7000' });
  });

  it('leaves other slash commands to the caller (undefined)', () => {
    for (const line of ['/retry', '/status', '/verify', '/accept-key', '/reject-key', '/quit', '/help', '/nonsense x', 'plain text', '/']) {
      assert.equal(parseLanSlash(line), undefined, line);
    }
  });

  it('refuses malformed commands with the usage', () => {
    assert.match(err(parseLanSlash('/msg')), /\/msg: give a person\. \(usage: \/msg NAME text\)/);
    assert.match(err(parseLanSlash('/msg bob')), /\/msg: nothing to send/);
    assert.match(err(parseLanSlash('/msg "Ann hi')), /closing "/);
    assert.match(err(parseLanSlash('/g team   ')), /\/g: nothing to send/);
    assert.match(err(parseLanSlash('/group team')), /list the members/);
    assert.match(err(parseLanSlash('/group team bob,,carol')), /empty member/);
    assert.match(err(parseLanSlash('/group')), /\/group: give a group name/);
    assert.match(err(parseLanSlash('/who bob')), /\/who takes nothing/);
    assert.match(err(parseLanSlash('/block Ann Lee')), /unexpected "Lee".*quotes/);
    assert.match(err(parseLanSlash('/accept')), /\/accept: give a person/);
    assert.match(err(parseLanSlash('/leave')), /\/leave: give a group/);
    assert.match(err(parseLanSlash('/add')), /\/add: give one address/);
    assert.match(err(parseLanSlash('/add a b')), /\/add: give one address/);
    assert.match(err(parseLanSlash('/add 1.2.3.4:0')), /\/add: address: Port 0 is out of range/);
    assert.match(err(parseLanSlash('/msg "" hi')), /is empty/);
  });

  it('every command has a usage line; takeName splits words and quoted names', () => {
    for (const w of ['/who', '/msg', '/group', '/g', '/groups', '/leave', '/accept', '/block', '/unblock', '/add']) assert.ok(LAN_SLASH_USAGE[w]?.startsWith(w), w);
    assert.deepEqual(takeName('  bob  rest of it'), { name: 'bob', rest: ' rest of it' });
    assert.deepEqual(takeName('"a b" c'), { name: 'a b', rest: 'c' });
    assert.equal(takeName('   '), undefined);
  });

  it('never throws on arbitrary input', () => {
    const samples = ['/msg \u0000 x', '/group x ,', '/g "', '{"to":{}}', '{"group":[]}', '{"command":null,"to":"x"}', '/add [::1', '{"command":"add","address":5}'];
    let seed = 7;
    for (let i = 0; i < 500; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const chars = '/ "{}[],:abgmsw\\\u001b0123456789.'.split('');
      let s = ['/msg ', '/g ', '/group ', '{"to":', '{"group":', '/add '][seed % 6];
      for (let j = 0; j < (seed % 23); j++) s += chars[(seed >> (j % 16)) % chars.length];
      samples.push(s);
    }
    for (const s of samples) {
      assert.doesNotThrow(() => { parseLanJson(s); parseLanSlash(s); }, s);
    }
  });
});
