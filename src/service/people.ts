// The people the service knows, as view models: one reading of the driver's state per person,
// merged into what was known (a name once heard stays until another one is said), compared so that
// only real changes are reported, and moved to the key's id when the key becomes known.
import type { Person } from './types';

const FIELDS: ReadonlyArray<keyof Person> = ['id', 'name', 'address', 'presence', 'plain', 'encrypted', 'safetyNumber', 'verified', 'keyChangePending', 'discovered', 'request', 'configured'];

export function samePerson(a: Person, b: Person): boolean {
  return FIELDS.every((f) => a[f] === b[f]);
}

/** Nothing known yet about someone at `address`. */
export function newPerson(id: string, address: string): Person {
  return { id, name: '', address, presence: 'unknown', plain: false, encrypted: false, safetyNumber: '', verified: false, keyChangePending: false, discovered: false, request: false, configured: false };
}

/** What is left of a person's view when the session with them ends: who they were, nothing live. */
export function endedPerson(p: Person): Person {
  return { ...p, presence: 'unknown', encrypted: false, safetyNumber: '', verified: false, keyChangePending: false };
}

export interface PersonUpdate {
  person: Person;
  /** The id the person had before (they took their key's id). */
  previousId?: string;
  /** Anything differs from before (or the person is new). */
  changed: boolean;
}

export class People {
  private readonly byId = new Map<string, Person>();

  list(): Person[] { return [...this.byId.values()]; }
  get(id: string): Person | undefined { return this.byId.get(id); }
  get size(): number { return this.byId.size; }

  /** Starts over with someone: what was known under this id is replaced. */
  add(person: Person): Person {
    const p = { ...person };
    this.byId.set(p.id, p);
    return p;
  }

  /**
   * A fresh reading of a person. `previousId`: the id they were known under until now (moved to
   * `reading.id`). A name read as '' keeps the name last heard.
   */
  update(reading: Person, previousId?: string): PersonUpdate {
    const moved = previousId !== undefined && previousId !== reading.id;
    const before = this.byId.get(moved ? previousId : reading.id) ?? this.byId.get(reading.id);
    const next: Person = { ...reading, name: reading.name || before?.name || '' };
    if (moved) this.byId.delete(previousId);
    this.byId.set(next.id, next);
    // The id is compared too: a move is a change.
    return { person: next, previousId: moved ? previousId : undefined, changed: !before || !samePerson(before, next) };
  }

  remove(id: string): boolean { return this.byId.delete(id); }
  clear(): void { this.byId.clear(); }
}
