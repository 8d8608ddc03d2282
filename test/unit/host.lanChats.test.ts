// The host's LAN conversations (src/host/lanChats.ts) over a real chat service on loopback: what the
// roster lists, where messages go, unread counts, group delivery, requests and blocks.
import './support/vscodeL10n';
import assert from 'node:assert/strict';
import { newIdentity, personId } from '../../src/core/identity';
import { MemoryTrustStorage, TrustStore } from '../../src/core/trust';
import { ChatService } from '../../src/service/chatService';
import type { ConversationId, HeaderInfo, HostToWebview } from '../../src/shared/protocol';
import { SINGLE_CONVERSATION } from '../../src/shared/protocol';
import type { ConversationMemo } from '../../src/host/lanChats';
import { LanChats, personConversation } from '../../src/host/lanChats';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Notifications } from '../../src/host/notifications';
import { freeUdpPort } from '../support/udp';

async function until(cond: () => boolean, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const HEADER: HeaderInfo = {
  state: 'active', local: '', localAddresses: [], peer: '', peerName: '', presence: 'unknown', plainPeer: false,
  encrypted: false, fingerprint: '', verified: false, keyChanged: false, passphrase: false,
};

describe('host/lanChats: the conversations beside the configured peer', function () {
  this.timeout(20_000);
  const services: ChatService[] = [];
  afterEach(async () => { await Promise.all(services.splice(0).map((s) => s.stop())); });

  async function service(name: string, reach?: 'anyone' | 'known') {
    const s = new ChatService();
    const identity = newIdentity();
    const port = await freeUdpPort();
    await s.start({ localAddress: '127.0.0.1', localPort: port, displayName: name, identity, reach, trust: new TrustStore(new MemoryTrustStorage()) });
    services.push(s);
    return { s, port, id: personId(identity.publicKey) };
  }

  function host(s: ChatService, store: { storageDir?: string; memo?: { get(): Record<string, ConversationMemo>; set(v: Record<string, ConversationMemo>): void } } = {}) {
    const posted: HostToWebview[] = [];
    const shown: Array<{ text: string; actions: string[] }> = [];
    const incoming: string[] = [];
    let active: ConversationId = SINGLE_CONVERSATION;
    let rosterChanges = 0;
    const notifications = {
      show: (_level: string, text: string, actions: string[] = []) => { shown.push({ text, actions }); },
      incoming: (e: { from?: string; text: string }) => { incoming.push(`${e.from}: ${e.text}`); },
    } as unknown as Notifications;
    const log = { appendLine: () => undefined, warn: () => undefined, error: () => undefined, info: () => undefined } as never;
    const lan = new LanChats({
      log, notifications, post: (m) => posted.push(m), service: () => s, workspaceHas: () => false, ...store,
      active: () => active, open: (id) => { active = id; }, rosterChanged: () => { rosterChanges++; }, headerChanged: () => undefined,
      sessionHeader: () => HEADER,
    });
    s.on(lan);
    return { lan, posted, shown, incoming, setActive: (id: ConversationId) => { active = id; }, rosterChanges: () => rosterChanges };
  }

  it('a person who writes appears in the roster with an unread count; opening the conversation shows the message and reads it', async () => {
    const a = await service('ann');
    const b = await service('bob');
    const h = host(a.s);
    const p = await b.s.addPeer({ host: '127.0.0.1', port: a.port, family: 4 });
    b.s.send(p.id, { text: 'hi ann' });
    await until(() => h.incoming.length === 1, 'the message');
    assert.deepEqual(h.incoming, ['bob: hi ann']);
    const conv = personConversation(b.id);
    const item = h.lan.roster().find((r) => r.id === conv);
    assert.ok(item, 'bob is listed');
    assert.deepEqual([item.name, item.unread, item.kind, item.configured], ['bob', 1, 'person', false]);
    assert.ok(h.rosterChanges() > 0);
    assert.ok(!h.posted.some((m) => m.type === 'didAddEntries'), 'not posted: another conversation is shown');
    h.setActive(conv);
    const snap = await h.lan.snapshot(conv);
    assert.deepEqual(snap.entries.filter((e) => e.kind === 'peer').map((e) => [e.from, e.text]), [['bob', 'hi ann']]);
    assert.equal(snap.header.conversation, conv);
    assert.equal(snap.header.peerName, 'bob');
    assert.equal(h.lan.roster().find((r) => r.id === conv)?.unread, 0, 'read once opened');

    await h.lan.send(conv, 'hi bob');
    await until(() => h.posted.some((m) => m.type === 'didChangeStatus' && m.status === 'delivered' && m.conversation === conv), 'delivered');
  });

  it('a group: our message shows per-member delivery; a member\'s message lands in the group conversation with the sender', async () => {
    const a = await service('ann');
    const b = await service('bob');
    const c = await service('cid');
    const h = host(a.s);
    for (const x of [b, c]) {
      const p = await a.s.addPeer({ host: '127.0.0.1', port: x.port, family: 4 });
      a.s.send(p.id, { text: 'hello' });
    }
    await until(() => a.s.people().filter((p) => p.encrypted).length === 2, 'both secured');
    const g = a.s.createGroup('team', [b.id, c.id]);
    const conv = `g:${g.id}` as const;
    h.setActive(conv);
    await h.lan.snapshot(conv);
    assert.ok(h.lan.roster().some((r) => r.id === conv && r.kind === 'group' && r.name === 'team' && r.members?.length === 2));
    await h.lan.send(conv, 'to the team');
    await until(() => h.posted.some((m) => m.type === 'didChangeStatus' && m.conversation === conv && m.delivery?.label === 'delivered to 2 of 2'), 'delivered to 2 of 2');
    const last = h.posted.filter((m) => m.type === 'didChangeStatus' && m.conversation === conv).at(-1)!;
    assert.equal(last.type === 'didChangeStatus' && last.status, 'delivered');
    await until(() => b.s.groups().length === 1, 'bob has the group');
    b.s.sendGroup(g.id, { text: 'from bob' });
    await until(() => h.posted.some((m) => m.type === 'didAddEntries' && m.conversation === conv && m.entries.some((e) => e.text === 'from bob')), 'bob\'s group message');
    const e = h.posted.flatMap((m) => (m.type === 'didAddEntries' ? m.entries : [])).find((x) => x.text === 'from bob')!;
    assert.equal(e.from, 'bob');
    assert.deepEqual(h.incoming.filter((x) => x.includes('from bob')), ['bob in team: from bob'], 'the notification names the group');
  });

  it("a stranger under 'known' is a request: one notice with Accept and Block; Block removes them from the list", async () => {
    const a = await service('ann', 'known');
    const e = await service('eve');
    const h = host(a.s);
    const p = await e.s.addPeer({ host: '127.0.0.1', port: a.port, family: 4 });
    e.s.send(p.id, { text: 'one' });
    e.s.send(p.id, { text: 'two' });
    await until(() => h.incoming.length === 2, 'both messages');
    assert.equal(h.shown.filter((x) => x.text.includes('wants to chat')).length, 1, 'one short notice');
    assert.deepEqual(h.shown.find((x) => x.text.includes('wants to chat'))!.actions, ['Open', 'Accept', 'Block']);
    const conv = personConversation(e.id);
    assert.equal(h.lan.roster().find((r) => r.id === conv)?.request, true);
    assert.equal(h.lan.header(conv).request, true);
    assert.ok(h.lan.block(conv));
    assert.equal(h.lan.roster().find((r) => r.id === conv), undefined, 'gone from the list');
  });

  it('a conversation started by address keeps its history when the person takes their key\'s id, also after a reload', async () => {
    const a = await service('ann');
    const b = await service('bob');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'udp-chat-lan-'));
    let memo: Record<string, ConversationMemo> = {};
    const store = { storageDir: dir, memo: { get: () => memo, set: (v: Record<string, ConversationMemo>) => { memo = v; } } };
    try {
      const h = host(a.s, store);
      const p = await a.s.addPeer({ host: '127.0.0.1', port: b.port, family: 4 });
      const byAddress = personConversation(p.id);
      assert.match(byAddress, /^p:addr:/);
      h.setActive(byAddress);
      await h.lan.snapshot(byAddress);
      await h.lan.send(byAddress, 'written before the key was known');
      const byKey = personConversation(b.id);
      await until(() => h.lan.roster().some((r) => r.id === byKey), 'the person took their key\'s id');
      await h.lan.flush();
      const again = new LanChats({ ...h.lan['parts'], ...store, service: () => undefined });
      const snap = await again.snapshot(byKey);
      assert.deepEqual(snap.entries.filter((e) => e.kind === 'own').map((e) => e.text), ['written before the key was known']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
