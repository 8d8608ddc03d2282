// The terminal peer's LAN mode (no --peer) on loopback: real processes, real UDP on 127.0.0.1.
// Discovery (mDNS) needs a multicast interface, so these peers run with --no-discovery and reach
// each other with {"command":"add"} / /add HOST:PORT; the lab tests (lanChat.test.ts) cover
// discovery. Every wait is bounded and generous, and prints every process's output when it times out.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Proc } from './cliHarness';
import { STRANGER_GRACE_MS } from '../../src/cli/interactive';
import { buildCli, freePort, Procs, sleep, STACK_TRACE } from './cliHarness';

const WAIT = 30_000;

describe('terminal peer, LAN mode on loopback (real processes, --no-discovery, add by address)', function () {
  this.timeout(90_000);
  let cli = '';
  const procs = new Procs();

  before(async function () {
    this.timeout(60_000);
    cli = await buildCli();
  });

  afterEach(async () => { await procs.killAll(); });

  interface Peer { p: Proc; name: string; port: number; id: string; home: string }

  /** A JSON-mode LAN peer on a free loopback port; resolves once it is ready (with its own id). */
  async function peer(name: string, extra: string[] = [], home = mkdtempSync(join(tmpdir(), 'udp-chat-home-'))): Promise<Peer> {
    const port = await freePort();
    const p = procs.cli(cli, name, ['--json', '--no-discovery', '-l', '127.0.0.1', '-p', String(port), '-n', name, ...extra], { UDP_CHAT_HOME: home });
    const ready = await procs.waitFor(`${name} to be ready`, () => p.of('ready')[0], WAIT);
    assert.equal(ready.lan, true);
    assert.equal(ready.discovery, false);
    assert.equal(ready.local, `127.0.0.1:${port}`);
    assert.match(String(ready.id), /^[0-9a-f]{16}$/);
    return { p, name, port, id: String(ready.id), home };
  }

  const send = (from: Peer, line: Record<string, unknown>) => from.p.write(`${JSON.stringify(line)}\n`);
  const online = (a: Peer, b: Peer) => a.p.of('peer-online').some((e) => e.id === b.id && e.name === b.name);

  /** `a` adds `b` by address; both see each other online under their key ids. */
  async function connect(a: Peer, b: Peer): Promise<void> {
    send(a, { command: 'add', address: `127.0.0.1:${b.port}` });
    await procs.waitFor(`${a.name} and ${b.name} to see each other online`, () => online(a, b) && online(b, a), WAIT);
  }

  const messages = (p: Peer, text: string) => p.p.of('message').filter((e) => e.text === text);
  const acceptedFor = (p: Peer, text: string) => p.p.of('accepted').find((e) => e.text === text);
  const withId = (p: Peer, event: string, id: unknown) => p.p.of(event).filter((e) => e.id === id);
  const errors = (p: Peer, code: string) => p.p.of('error').filter((e) => e.code === code);

  it('one to one by name and by id prefix: message carries from and fromId; accepted and delivered carry to; who lists people', async () => {
    const ada = await peer('ada');
    const bob = await peer('bob');
    await connect(ada, bob);
    const added = ada.p.of('person-added')[0];
    assert.equal(added.address, `127.0.0.1:${bob.port}`);

    send(ada, { to: 'BOB', text: 'hello bob' });
    send(bob, { to: ada.id.slice(0, 6), text: 'hello ada (by id prefix)' });
    for (const [from, to, text] of [[ada, bob, 'hello bob'], [bob, ada, 'hello ada (by id prefix)']] as const) {
      await procs.waitFor(`${to.name} to get "${text}" and ${from.name} to see it delivered`, () => {
        const acc = acceptedFor(from, text);
        return messages(to, text).length > 0 && acc && withId(from, 'delivered', acc.id).length > 0;
      }, WAIT);
      const got = messages(to, text);
      assert.equal(got.length, 1, procs.describe());
      assert.equal(got[0].from, from.name);
      assert.equal(got[0].fromId, from.id);
      assert.equal(got[0].group, undefined, 'a one-to-one message has no group');
      const acc = acceptedFor(from, text)!;
      assert.equal(acc.to, to.id, 'accepted names the recipient');
      assert.deepEqual(withId(from, 'delivered', acc.id).map((e) => e.to), [to.id], 'one delivered, naming the recipient');
    }

    send(ada, { command: 'verify', person: 'bob' });
    const verified = await procs.waitFor('ada to verify bob', () => ada.p.of('notice').find((e) => e.person === bob.id), WAIT);
    assert.equal(verified.text, 'bob: key marked as verified.');
    send(ada, { command: 'accept-key' });
    await procs.waitFor('no key change waits: say whose', () => errors(ada, 'ENOPERSON')[0], WAIT);
    send(ada, { command: 'who' });
    const people = await procs.waitFor('ada\'s people event', () => ada.p.of('people')[0], WAIT);
    const list = people.people as Array<Record<string, unknown>>;
    assert.equal(list.length, 1, JSON.stringify(list));
    assert.deepEqual(
      { id: list[0].id, name: list[0].name, address: list[0].address, presence: list[0].presence, discovered: list[0].discovered, encrypted: list[0].encrypted, request: list[0].request },
      { id: bob.id, name: 'bob', address: `127.0.0.1:${bob.port}`, presence: 'online', discovered: false, encrypted: true, request: false },
    );
    assert.equal(ada.p.stderr, '', 'nothing on stderr');
  });

  it('a group of three: created with two members, each message reaches both exactly once with its group; delivered per member; "delivered to 2 of 2"; leave', async () => {
    const ada = await peer('ada');
    const bob = await peer('bob');
    const cyd = await peer('cyd');
    await connect(ada, bob);
    await connect(ada, cyd);
    await connect(bob, cyd);
    const trio = [ada, bob, cyd];
    const others = (p: Peer) => trio.filter((q) => q !== p);

    send(ada, { group: 'team', members: ['bob', 'cyd'] });
    await procs.waitFor('every member to see the group', () => trio.every((p) => p.p.of('group-changed').some((e) => e.group === 'team' && e.isMember === true)), WAIT);
    for (const p of trio) {
      const change = p.p.of('group-changed').find((e) => e.group === 'team' && e.isMember === true)!;
      assert.deepEqual((change.members as { id: string }[]).map((m) => m.id).sort(), trio.map((q) => q.id).sort(), `${p.name}: the members`);
      assert.equal(change.by, ada.id, 'ada made it');
      assert.equal(typeof change.groupId, 'string');
    }

    const text = (p: Peer) => `group hello from ${p.name}`;
    for (const p of trio) send(p, { group: 'team', text: text(p) });
    const finalDelivery = (p: Peer) => {
      const acc = acceptedFor(p, text(p));
      return acc ? withId(p, 'group-delivery', acc.id).find((e) => e.delivered === 2 && e.total === 2) : undefined;
    };
    await procs.waitFor('every member to get the others\' group messages and every sender "2 of 2"', () => trio.every((p) =>
      others(p).every((q) => messages(p, text(q)).length > 0) && finalDelivery(p)), WAIT);
    // A later message from each sender, waited for: a duplicate of the first would be shown before it.
    for (const p of trio) send(p, { group: 'team', text: `${text(p)} (2)` });
    await procs.waitFor('the second round', () => trio.every((p) => others(p).every((q) => messages(p, `${text(q)} (2)`).length > 0)), WAIT);

    const groupIds = new Set<unknown>();
    for (const p of trio) {
      for (const q of others(p)) {
        const got = messages(p, text(q));
        assert.equal(got.length, 1, `${p.name} shows ${q.name}'s group message once\n${procs.describe()}`);
        assert.equal(got[0].group, 'team');
        assert.equal(got[0].from, q.name);
        assert.equal(got[0].fromId, q.id);
        groupIds.add(got[0].groupId);
      }
      assert.equal(messages(p, text(p)).length, 0, `${p.name} does not get its own message back`);
      const acc = acceptedFor(p, text(p))!;
      assert.equal(acc.group, 'team', 'accepted names the group');
      assert.equal(acc.to, undefined, 'a group message has no single recipient');
      const delivered = withId(p, 'delivered', acc.id);
      assert.deepEqual(delivered.map((e) => e.to).sort(), others(p).map((q) => q.id).sort(), `${p.name}: one delivered per member\n${p.p.describe()}`);
      for (const d of delivered) assert.equal(d.group, 'team');
      assert.match(String(finalDelivery(p)!.label), /delivered to 2 of 2/i);
      assert.deepEqual(withId(p, 'failed', acc.id), []);
    }
    assert.equal(groupIds.size, 1, 'one group id everywhere');
    const gid = [...groupIds][0];

    // cyd leaves: the others see it, and cyd gets nothing of the group afterwards.
    send(cyd, { group: 'team', leave: true });
    await procs.waitFor('cyd to have left, seen by all', () => trio.every((p) => p.p.of('group-changed').some((e) => e.groupId === gid && e.op === 'leave'
      && !(e.members as { id: string }[]).some((m) => m.id === cyd.id))), WAIT);
    assert.equal(cyd.p.of('group-changed').find((e) => e.op === 'leave')!.isMember, false);
    send(ada, { group: 'team', text: 'after cyd left' });
    const acc = await procs.waitFor('ada\'s message after the leave', () => acceptedFor(ada, 'after cyd left'), WAIT);
    await procs.waitFor('bob to get it, "delivered to 1 of 1"', () => messages(bob, 'after cyd left').length === 1
      && withId(ada, 'group-delivery', acc.id).some((e) => e.delivered === 1 && e.total === 1), WAIT);
    assert.equal(messages(cyd, 'after cyd left').length, 0, 'cyd left: nothing of the group reaches it');
    send(cyd, { group: 'team', text: 'still here?' });
    const err = await procs.waitFor('cyd to be told it is not a member', () => errors(cyd, 'ENOGROUP')[0], WAIT);
    assert.match(String(err.message), /not a member/);
  });

  it('--reach known: a stranger\'s first message comes after a request event and is marked as a request until accept', async () => {
    const ada = await peer('ada');
    const dee = await peer('dee', ['--reach', 'known']);
    send(ada, { command: 'add', address: `127.0.0.1:${dee.port}` });
    await procs.waitFor('ada to see dee online', () => online(ada, dee), WAIT);
    assert.deepEqual(dee.p.of('request'), [], 'a handshake alone is no request');
    send(ada, { to: 'dee', text: 'knock knock' });
    const request = await procs.waitFor('dee to report a request from ada', () => dee.p.of('request').find((e) => e.id === ada.id), WAIT);
    assert.equal(request.name, 'ada');
    send(dee, { command: 'who' });
    const people = await procs.waitFor('dee\'s people list', () => dee.p.of('people')[0], WAIT);
    assert.equal((people.people as { id: string; request: boolean }[]).find((x) => x.id === ada.id)?.request, true, 'who marks the request');
    // Shown marked as a request (or held until accept): never as a plain message before accept.
    assert.deepEqual(dee.p.of('message').filter((e) => e.request !== true), [], 'nothing plain before accept');

    send(dee, { command: 'accept', person: 'ada' });
    await procs.waitFor('dee to confirm', () => dee.p.of('request-accepted').find((e) => e.id === ada.id), WAIT);
    await procs.waitFor('the first message (marked, or released by accept)', () => messages(dee, 'knock knock').length === 1, WAIT);
    send(ada, { to: 'dee', text: 'second' });
    await procs.waitFor('the next message', () => messages(dee, 'second').length === 1, WAIT);
    assert.deepEqual(dee.p.of('message').map((e) => e.text), ['knock knock', 'second'], 'each once, in order');
    assert.equal(messages(dee, 'second')[0].request, undefined, 'accepted: no longer a request');
    assert.equal(dee.p.of('request').length, 1, 'one request per person');
    const ev = dee.p.events.map((e) => e.event);
    assert.ok(ev.indexOf('request') < ev.indexOf('message'), 'the request comes before the message');
  });

  it('block: nothing of theirs appears afterwards (one to one or in a group), and who no longer lists them', async () => {
    const ada = await peer('ada');
    const bob = await peer('bob');
    const cyd = await peer('cyd');
    await connect(ada, bob);
    await connect(ada, cyd);
    await connect(bob, cyd);
    send(ada, { group: 'trio', members: ['bob', 'cyd'] });
    await procs.waitFor('the group everywhere', () => [ada, bob, cyd].every((p) => p.p.of('group-changed').some((e) => e.group === 'trio' && e.isMember)), WAIT);
    send(cyd, { to: 'ada', text: 'before the block' });
    await procs.waitFor('ada to get cyd\'s message', () => messages(ada, 'before the block').length === 1, WAIT);

    send(ada, { command: 'block', person: 'cyd' });
    const blocked = await procs.waitFor('ada to confirm the block', () => ada.p.of('blocked')[0], WAIT);
    assert.deepEqual({ id: blocked.id, name: blocked.name }, { id: cyd.id, name: 'cyd' });
    const mark = ada.p.events.length;
    send(cyd, { to: ada.id, text: 'blocked one to one' });
    send(cyd, { group: 'trio', text: 'blocked in the group' });
    send(bob, { to: 'ada', text: 'control from bob' });
    send(bob, { group: 'trio', text: 'control in the group' });
    await procs.waitFor('bob to get cyd\'s group message, ada bob\'s two', () => messages(bob, 'blocked in the group').length === 1
      && messages(ada, 'control from bob').length === 1 && messages(ada, 'control in the group').length === 1, WAIT);
    // Cyd's own retransmissions to ada go on for a while: ask twice more, with bob's lines as the clock.
    for (const n of [1, 2]) {
      send(cyd, { to: ada.id, text: `blocked again ${n}` });
      send(bob, { to: 'ada', text: `control ${n}` });
      await procs.waitFor(`bob's control ${n}`, () => messages(ada, `control ${n}`).length === 1, WAIT);
    }
    const after = ada.p.events.slice(mark);
    assert.deepEqual(after.filter((e) => e.event === 'message' && (e.fromId === cyd.id || e.from === 'cyd')), [], `nothing of cyd's shows\n${ada.p.describe()}`);
    assert.deepEqual(after.filter((e) => e.event === 'request' || e.event === 'person-discovered'), []);
    send(ada, { command: 'who' });
    const people = await procs.waitFor('ada\'s people list', () => ada.p.of('people')[0], WAIT);
    const ids = (people.people as { id: string }[]).map((x) => x.id);
    assert.ok(!ids.includes(cyd.id), `a blocked person is not listed: ${JSON.stringify(ids)}`);
    assert.ok(ids.includes(bob.id));
    send(ada, { to: 'cyd', text: 'to the blocked one' });
    await procs.waitFor('ada: cyd is not found any more', () => errors(ada, 'ENOPERSON')[0], WAIT);

    // Unblocked (by name, from the known people), and ada reaches out again: cyd's messages show.
    send(ada, { command: 'unblock', person: 'cyd' });
    const unblocked = await procs.waitFor('ada to confirm the unblock', () => ada.p.of('unblocked')[0], WAIT);
    assert.equal(unblocked.id, cyd.id);
    const addedBefore = ada.p.of('person-added').length;
    send(ada, { command: 'add', address: `127.0.0.1:${cyd.port}` });
    await procs.waitFor('ada to have cyd again', () => ada.p.of('person-added').length > addedBefore, WAIT);
    send(ada, { to: 'cyd', text: 'unblocked you' });
    await procs.waitFor('cyd to get ada\'s message', () => messages(cyd, 'unblocked you').length === 1, WAIT);
    send(cyd, { to: ada.id, text: 'after the unblock' });
    await procs.waitFor('ada to get cyd\'s message again', () => messages(ada, 'after the unblock').length === 1, WAIT);
  });

  it('input errors are events, never a crash: ENOPEER, EINPUT, ENOPERSON, EAMBIGUOUS with candidates, ENOGROUP, EGROUP (a member without a key)', async () => {
    const ada = await peer('ada');
    const bob1 = await peer('bob');
    const bob2 = await peer('bob');
    await connect(ada, bob1);
    await connect(ada, bob2);
    ada.p.write('plain line\n');
    ada.p.write('{"text":"no recipient"}\n');
    ada.p.write('{"to":"bob"}\n');
    ada.p.write('{"group":"g","members":"bob"}\n');
    ada.p.write('{"to":"nobody","text":"x"}\n');
    ada.p.write('{"to":"bob","text":"which bob?"}\n');
    ada.p.write('{"group":"nothing","text":"x"}\n');
    const silent = await freePort(); // nobody answers there: no key, so no group member
    ada.p.write(`{"command":"add","address":"127.0.0.1:${silent}"}\n`);
    await procs.waitFor('the silent address to be added', () => ada.p.of('person-added').length === 3, WAIT);
    ada.p.write(`{"group":"g","members":["127.0.0.1:${silent}"]}\n`);
    await procs.waitFor('every error', () => ada.p.of('error').length >= 8, WAIT);
    const codes = ada.p.of('error').map((e) => e.code);
    assert.deepEqual(codes.slice(0, 8), ['ENOPEER', 'ENOPEER', 'EINPUT', 'EINPUT', 'ENOPERSON', 'EAMBIGUOUS', 'ENOGROUP', 'EGROUP'], procs.describe());
    assert.match(String(ada.p.of('error')[2].message), /needs "text"/);
    const amb = ada.p.of('error')[5];
    assert.deepEqual((amb.candidates as { id: string }[]).map((c) => c.id).sort(), [bob1.id, bob2.id].sort());
    assert.match(String(ada.p.of('error')[7].message), /cannot be in a group yet/);
    assert.deepEqual(ada.p.of('group-changed'), [], 'no group was made');
    assert.deepEqual(ada.p.of('accepted'), [], 'nothing was sent');
    // Still working: by id it is unambiguous.
    send(ada, { to: bob2.id, text: 'to the second bob' });
    await procs.waitFor('the second bob to get it', () => messages(bob2, 'to the second bob').length === 1, WAIT);
    assert.equal(messages(bob1, 'to the second bob').length, 0);
    ada.p.end();
    assert.equal(await procs.waitExit(ada.p, WAIT), 0);
    assert.doesNotMatch(ada.p.stderr, STACK_TRACE);
  });

  it('groups are kept in <identity>.groups.json (0600, written whole) and come back after a restart', async () => {
    const home = mkdtempSync(join(tmpdir(), 'udp-chat-home-'));
    let ada = await peer('ada', [], home);
    const bob = await peer('bob');
    await connect(ada, bob);
    send(ada, { group: 'kept', members: ['bob'] });
    await procs.waitFor('bob to see the group', () => bob.p.of('group-changed').some((e) => e.group === 'kept' && e.isMember), WAIT);
    const file = join(home, 'identity.groups.json');
    await procs.waitFor('the groups file', () => existsSync(file), WAIT);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'only its owner can read it');
    assert.match(readFileSync(file, 'utf8'), /kept/);
    assert.ok(!existsSync(`${file}.${ada.p.child.pid}.tmp`), 'no temporary file left');
    ada.p.end();
    assert.equal(await procs.waitExit(ada.p, WAIT), 0);

    ada = await peer('ada', [], home);
    send(ada, { command: 'groups' });
    const groups = await procs.waitFor('ada\'s groups after the restart', () => ada.p.of('groups')[0], WAIT);
    const kept = (groups.groups as { name: string; active: boolean; members: { id: string }[] }[]).find((g) => g.name === 'kept');
    assert.ok(kept && kept.active, JSON.stringify(groups));
    assert.ok(kept.members.some((m) => m.id === bob.id));
    send(ada, { command: 'add', address: `127.0.0.1:${bob.port}` });
    await procs.waitFor('ada and bob online again', () => online(ada, bob), WAIT);
    send(ada, { group: 'kept', text: 'after the restart' });
    await procs.waitFor('bob to get the group message', () => messages(bob, 'after the restart').some((e) => e.group === 'kept'), WAIT);
  });

  it('interactive LAN mode: /add, /msg, /group, /g and plain lines print readable lines; peer text cannot drive the terminal', async () => {
    const bob = await peer('bob');
    const port = await freePort();
    const ada = procs.cli(cli, 'ada (interactive)', ['--no-discovery', '-l', '127.0.0.1', '-p', String(port), '-n', 'ada']);
    await procs.waitFor('ada\'s greeting', () => /LAN mode without discovery/.test(ada.stdout), WAIT);
    ada.write(`/add 127.0.0.1:${bob.port}\n`);
    await procs.waitFor('bob to see ada', () => bob.p.of('peer-online').some((e) => e.name === 'ada'), WAIT);
    await procs.waitFor('ada to see bob online', () => /\* bob is online/.test(ada.stdout), WAIT);
    // Bob writes first to a new ada too (its opening line for nc users comes as a stranger's): not shown as ignored.
    const eve = await peer('eve');
    const eveAddedAt = Date.now();
    send(eve, { command: 'add', address: `127.0.0.1:${port}` });
    await procs.waitFor('ada to see eve online', () => /\* eve is online/.test(ada.stdout), WAIT);
    ada.write('/msg bob hello from the terminal\n');
    ada.write('and a plain line to the same person\n');
    await procs.waitFor('bob to get both', () => messages(bob, 'hello from the terminal').length === 1 && messages(bob, 'and a plain line to the same person').length === 1, WAIT);
    await procs.waitFor('ada to print the delivery', () => /✓ delivered to bob: and a plain line/.test(ada.stdout), WAIT);

    send(bob, { to: 'ada', text: 'evil \u001b]52;c;SGVsbG8=\u0007 \u001b[2J text' });
    await procs.waitFor('ada to print bob\'s message', () => /\] bob: evil /.test(ada.stdout), WAIT);
    assert.ok(!ada.stdout.includes('\u001b'), 'no raw ESC reaches the terminal');
    assert.ok(ada.stdout.includes('␛]52;c;SGVsbG8=␇ ␛[2J text'), ada.stdout);

    ada.write('/group crew bob\n');
    await procs.waitFor('bob to join the group', () => bob.p.of('group-changed').some((e) => e.group === 'crew' && e.isMember), WAIT);
    assert.match(ada.stdout, /\* \[crew\] created; members: /);
    ada.write('/g crew hello crew\n');
    await procs.waitFor('bob to get the group message', () => messages(bob, 'hello crew').some((e) => e.group === 'crew'), WAIT);
    await procs.waitFor('ada to print "delivered to 1 of 1"', () => /✓ \[crew\] delivered to 1 of 1: hello crew/.test(ada.stdout), WAIT);
    send(bob, { group: 'crew', text: 'reply to the crew' });
    await procs.waitFor('ada to print the group message', () => /\[\d\d:\d\d\] \[crew\] bob: reply to the crew/.test(ada.stdout), WAIT);
    ada.write('/who\n');
    await procs.waitFor('the /who line', () => new RegExp(`  bob  ${bob.id}  127\\.0\\.0\\.1:${bob.port}  online, encrypted`).test(ada.stdout), WAIT);
    ada.write('/groups\n');
    await procs.waitFor('the /groups line', () => /  \[crew\] (you|ada), bob|  \[crew\] bob, (you|ada)/.test(ada.stdout), WAIT);
    ada.write('/verify bob\n');
    await procs.waitFor('the verify line', () => /\* marked bob's key as verified: safety number \d{5} \d{5}/.test(ada.stdout), WAIT);
    ada.write('/accept-key bob\n');
    await procs.waitFor('no key change for bob', () => /\* no key change is waiting for bob/.test(ada.stdout), WAIT);
    ada.write('/msg nobody hi\n/g\n');
    await procs.waitFor('the errors', () => /! Nobody called "nobody"/.test(ada.stdout) && /! \/g: give a group/.test(ada.stdout), WAIT);
    await sleep(Math.max(0, eveAddedAt + STRANGER_GRACE_MS + 500 - Date.now())); // the line would be out by now
    assert.doesNotMatch(ada.stdout, /ignored \d+ bytes/, 'a peer starting a conversation is no stranger');
    ada.write('/block bob\n');
    await procs.waitFor('the block line', () => /\* blocked bob/.test(ada.stdout), WAIT);
    ada.end();
    assert.equal(await procs.waitExit(ada, WAIT), 0);
    assert.doesNotMatch(ada.stderr, STACK_TRACE);
  });
});

