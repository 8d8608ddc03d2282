import assert from 'node:assert/strict';
import { parseArgs } from '../../src/cli/args';
import type { PersonRef } from '../../src/cli/chat';
import { CliChat } from '../../src/cli/chat';
import type { ChatServiceListener, Person } from '../../src/service/types';

const BOB = 'bbbbbbbbbbbbbbbb';

function person(p: Partial<Person> = {}): Person {
  return {
    id: BOB, name: 'bob', address: '10.0.0.2:50505', presence: 'online', plain: false, encrypted: true, safetyNumber: '', verified: false,
    keyChangePending: false, discovered: true, request: false, configured: false, ...p,
  };
}

/** A CliChat in LAN mode whose service events the test fires by hand (the service is not started). */
function lanChat() {
  const r = parseArgs(['--no-discovery'], 'me');
  assert.ok(r.ok);
  const seen: string[] = [];
  const chat = new CliChat(r.options, {
    lost: (p: PersonRef, reason) => seen.push(`lost ${p.name} ${reason}`),
    discovered: (p: PersonRef) => seen.push(`discovered ${p.name}`),
    request: (p: PersonRef) => seen.push(`request ${p.name}`),
  });
  const fire = (f: (l: ChatServiceListener) => void) => (chat.service as unknown as { emit(f: (l: ChatServiceListener) => void): void }).emit(f);
  return { chat, seen, fire };
}

describe('cli/chat: LAN events', () => {
  it('one person-lost per departure (silence and goodbye together), again after they are back', () => {
    const { seen, fire } = lanChat();
    fire((l) => l.lost?.(person(), 'offline'));
    fire((l) => l.lost?.(person(), 'goodbye'));
    fire((l) => l.discovered?.(person()));
    fire((l) => l.lost?.(person(), 'goodbye'));
    assert.deepEqual(seen, ['lost bob offline', 'discovered bob', 'lost bob goodbye']);
  });

  it('a request is shown with the stranger\'s name: at once when known, else when their name arrives', () => {
    const { seen, fire } = lanChat();
    fire((l) => l.request?.(person({ name: 'bob', request: true })));
    assert.deepEqual(seen, ['request bob']);
    const cyd = person({ id: 'cccccccccccccccc', name: '', address: '10.0.0.3:50505', request: true });
    fire((l) => l.request?.(cyd));
    assert.deepEqual(seen, ['request bob'], 'held until the name is known');
    fire((l) => l.personChanged?.({ ...cyd, name: 'cyd' }));
    fire((l) => l.personChanged?.({ ...cyd, name: 'cyd', presence: 'offline' }));
    assert.deepEqual(seen, ['request bob', 'request cyd'], 'once, with the name');
  });
});
