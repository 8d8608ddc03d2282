import assert from 'node:assert/strict';
import { endedPerson, newPerson, People, samePerson } from '../../src/service/people';
import { Conversations } from '../../src/service/conversations';
import { addressPersonId } from '../../src/service/types';

describe('service/people: people as view models', () => {
  it('a new person is reported as changed; the same reading again is not', () => {
    const people = new People();
    const p = newPerson(addressPersonId('127.0.0.1:50505'), '127.0.0.1:50505');
    assert.equal(p.id, 'addr:127.0.0.1:50505');
    assert.equal(people.update(p).changed, true);
    assert.equal(people.update({ ...p }).changed, false);
    assert.equal(people.update({ ...p, presence: 'online' }).changed, true);
    assert.equal(people.update({ ...p, presence: 'online', keyChangePending: true }).changed, true);
    assert.equal(people.list().length, 1);
  });

  it('keeps the last name heard when a reading has none, and takes a new one when said', () => {
    const people = new People();
    const p = newPerson('addr:h:1', 'h:1');
    people.update({ ...p, name: 'ann' });
    const u = people.update({ ...p, name: '' });
    assert.equal(u.person.name, 'ann');
    assert.equal(u.changed, false);
    assert.equal(people.update({ ...p, name: 'anna' }).person.name, 'anna');
  });

  it('moves a person to their key\'s id: one entry, the name kept, the old id reported', () => {
    const people = new People();
    const p = newPerson('addr:h:1', 'h:1');
    people.update({ ...p, name: 'ann' });
    const u = people.update({ ...p, id: 'f00dfeedf00dfeed', encrypted: true }, 'addr:h:1');
    assert.equal(u.previousId, 'addr:h:1');
    assert.equal(u.changed, true);
    assert.equal(u.person.name, 'ann');
    assert.deepEqual(people.list().map((x) => x.id), ['f00dfeedf00dfeed']);
    assert.equal(people.get('addr:h:1'), undefined);
    // A move alone is a change.
    assert.equal(people.update({ ...u.person, id: 'beefbeefbeefbeef' }, 'f00dfeedf00dfeed').changed, true);
    people.update({ ...u.person }, 'beefbeefbeefbeef');
    // Not a move when the id stays.
    assert.equal(people.update({ ...u.person }, 'f00dfeedf00dfeed').previousId, undefined);
  });

  it('add starts over (a new session forgets the name); an ended person keeps who they were, nothing live', () => {
    const people = new People();
    const p = newPerson('k', 'h:1');
    people.update({ ...p, name: 'ann', presence: 'online', encrypted: true, safetyNumber: '1 2', verified: true, keyChangePending: true, plain: true });
    const ended = endedPerson(people.get('k')!);
    assert.deepEqual(ended, { ...p, name: 'ann', plain: true });
    people.add(p);
    assert.equal(people.get('k')!.name, '');
    assert.ok(samePerson(people.get('k')!, p));
    assert.ok(!samePerson(p, { ...p, address: 'h:2' }));
  });
});

describe('service/conversations: keyed by person', () => {
  const hooks = { session: () => undefined, newId: () => 'm', accepted: () => undefined, status: () => undefined, sendError: () => undefined };

  it('a conversation follows its person to the key\'s id, and meets an earlier one there: counters add up', () => {
    const cs = new Conversations(hooks);
    cs.with('k').summary.sent = 3;
    cs.with('k').summary.received = 1;
    const a = cs.with('addr:h:1');
    a.summary.sent = 2;
    assert.equal(cs.move('addr:h:1', 'k'), a);
    assert.equal(a.personId, 'k');
    assert.equal(cs.get('addr:h:1'), undefined);
    assert.equal(cs.get('k'), a);
    assert.deepEqual([cs.get('k')!.summary.sent, cs.get('k')!.summary.received], [5, 1]);
    assert.equal(cs.total().sent, 5, 'counted once in the total');
  });
});
