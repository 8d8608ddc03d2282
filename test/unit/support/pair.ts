import type { IncomingMessage, OutStatus, Presence, SessionConfig, SessionOptions } from '../../../src/core/session';
import { ChatSession } from '../../../src/core/session';
import { FakeClock, mulberry32 } from './fakeClock';
import type { Impairment } from './link';
import { ImpairedLink, PERFECT } from './link';

export interface Side {
  session: ChatSession;
  link: ImpairedLink;
  received: IncomingMessage[];
  statuses: Map<string, OutStatus[]>;
  presence: Presence[];
  notices: string[];
}

export function makeSide(clock: FakeClock, rand: () => number, imp: Impairment, name: string, opts: Partial<SessionOptions>, config?: Partial<SessionConfig>): Side {
  const link = new ImpairedLink(clock, rand, imp);
  const side: Side = { session: undefined as unknown as ChatSession, link, received: [], statuses: new Map(), presence: [], notices: [] };
  // Distinct, repeatable sender ids per name.
  let idSeed = name === 'alice' ? 0x1111 : name === 'bob' ? 0x2222 : [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  side.session = new ChatSession({
    transport: link, clock, displayName: name, random32: () => (idSeed = (idSeed * 1103515245 + 12345) >>> 0), config,
    // Sends made in one go leave together when the fake clock next runs (the product uses a microtask).
    defer: (fn) => { clock.setTimeout(fn, 0); },
    events: {
      message: (m) => side.received.push(m),
      status: (id, s) => { const l = side.statuses.get(id) ?? []; l.push(s); side.statuses.set(id, l); },
      presence: (p) => side.presence.push(p),
      notice: (_l, t) => side.notices.push(t),
    },
    ...opts,
  });
  return side;
}

/** Two sessions joined by impaired links on one fake clock. */
export function makePair(opts: { seed?: number; ab?: Impairment; ba?: Impairment; config?: Partial<SessionConfig>; a?: Partial<SessionOptions>; b?: Partial<SessionOptions> } = {}) {
  const clock = new FakeClock();
  const rand = mulberry32(opts.seed ?? 1);
  const a = makeSide(clock, rand, opts.ab ?? PERFECT, 'alice', opts.a ?? {}, opts.config);
  const b = makeSide(clock, rand, opts.ba ?? PERFECT, 'bob', opts.b ?? {}, opts.config);
  a.link.deliver = (d) => b.session.receive(d);
  b.link.deliver = (d) => a.session.receive(d);
  return { clock, a, b };
}

export function lastStatus(side: Side, id: string): OutStatus | undefined {
  const l = side.statuses.get(id);
  return l ? l[l.length - 1] : undefined;
}


