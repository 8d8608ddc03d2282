// This installation's identity key and the people it knows. The private key lives in VS Code's
// SecretStorage (the OS keychain); known people (public keys, names, verified marks, pins) in the
// global state, so every workspace recognises the same people.
import type * as vscode from 'vscode';
import { SECRET_IDENTITY, STATE_KNOWN_PEOPLE } from '../constants';
import type { Identity } from '../core/identity';
import { decodeIdentity, encodeIdentity, keyFingerprint, newIdentity } from '../core/identity';
import type { TrustData, TrustStorage } from '../core/trust';
import { TrustStore } from '../core/trust';

export class IdentityStore {
  private identity?: Promise<Identity>;
  private store?: TrustStore;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly state: vscode.Memento,
    private readonly log: { info(text: string): void; warn(text: string): void },
  ) {}

  /** The identity key, created (and stored) on first use. */
  load(): Promise<Identity> {
    this.identity ??= this.loadOrCreate().catch((e) => { this.identity = undefined; throw e; });
    return this.identity;
  }

  private async loadOrCreate(): Promise<Identity> {
    const stored = await this.secrets.get(SECRET_IDENTITY);
    if (stored) {
      try {
        return decodeIdentity(stored);
      } catch (e) {
        // Kept aside, not overwritten: a damaged key is still evidence, and may be repairable.
        await this.secrets.store(`${SECRET_IDENTITY}.damaged-${Date.now()}`, stored);
        this.log.warn(`The stored identity key could not be read (${(e as Error).message}); it was kept aside and a new one was made. People who knew you will see a key-change warning.`);
      }
    }
    const id = newIdentity();
    await this.secrets.store(SECRET_IDENTITY, encodeIdentity(id));
    this.log.info(`Created this installation's identity key ${keyFingerprint(id.publicKey)}.`);
    return id;
  }

  /** Known people and pins, loaded once per window. */
  trust(): TrustStore {
    this.store ??= new TrustStore(new MementoTrustStorage(this.state));
    return this.store;
  }
}

class MementoTrustStorage implements TrustStorage {
  constructor(private readonly state: vscode.Memento) {}
  load(): TrustData | undefined { return this.state.get<TrustData>(STATE_KNOWN_PEOPLE); }
  save(data: TrustData): void { void this.state.update(STATE_KNOWN_PEOPLE, JSON.parse(JSON.stringify(data))); }
}
