// Conversations keyed by person id: our messages on their way (Outgoing) and the counters. A
// conversation follows its person when they take their key's id.
import type { OutStatus } from '../core/session';
import type { OutgoingHooks, SendingSession } from './outgoing';
import { Outgoing } from './outgoing';
import type { OwnMessage, Summary } from './types';
import { emptySummary } from './types';

export interface ConversationHooks {
  session(personId: string): SendingSession | undefined;
  newId(): string;
  accepted(personId: string, m: OwnMessage): void;
  status(personId: string, id: string, status: OutStatus, m: OwnMessage): void;
  sendError(personId: string, id: string, code: 'EMSGSIZE', message: string): void;
}

export class Conversation {
  readonly outgoing: Outgoing;

  constructor(public personId: string, hooks: ConversationHooks) {
    const h: OutgoingHooks = {
      session: () => hooks.session(this.personId),
      newId: () => hooks.newId(),
      accepted: (m) => hooks.accepted(this.personId, m),
      status: (id, s, m) => hooks.status(this.personId, id, s, m),
      sendError: (id, code, message) => hooks.sendError(this.personId, id, code, message),
    };
    this.outgoing = new Outgoing(h);
  }

  get summary(): Summary { return this.outgoing.summary; }
}

export class Conversations {
  private readonly byPerson = new Map<string, Conversation>();

  constructor(private readonly hooks: ConversationHooks) {}

  get(personId: string): Conversation | undefined { return this.byPerson.get(personId); }

  /** The conversation with a person, started when there is none. */
  with(personId: string): Conversation {
    let c = this.byPerson.get(personId);
    if (!c) {
      c = new Conversation(personId, this.hooks);
      this.byPerson.set(personId, c);
    }
    return c;
  }

  /** The person took another id (their key's): the conversation goes with them, counters merged. */
  move(from: string, to: string): Conversation | undefined {
    const c = this.byPerson.get(from);
    if (!c || from === to) return c;
    const there = this.byPerson.get(to);
    if (there) addInto(c.summary, there.summary);
    this.byPerson.delete(from);
    c.personId = to;
    this.byPerson.set(to, c);
    return c;
  }

  all(): Conversation[] { return [...this.byPerson.values()]; }

  /** Counters over every conversation. */
  total(): Summary {
    const s = emptySummary();
    for (const c of this.byPerson.values()) addInto(s, c.summary);
    return s;
  }
}

function addInto(into: Summary, from: Summary): void {
  into.sent += from.sent;
  into.delivered += from.delivered;
  into.failed += from.failed;
  into.unconfirmed += from.unconfirmed;
  into.undelivered += from.undelivered;
  into.received += from.received;
}
