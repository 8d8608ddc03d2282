// A peer's session keys (wireguard-go's keypair.go): the current pair seals what we send; the
// previous one still opens late datagrams; the next one (answered IK, not yet confirmed) becomes
// current once a datagram opens under it. Each pair has its own receiver id.
import { aeadDecrypt, aeadEncryptInto } from './noise';
import { TAG_BYTES, TRANSPORT_HEADER, writeTransportHeader } from './wire';

/** Counters this far behind the highest one seen are rejected as too old (RFC 6479-style window). */
export const REPLAY_WINDOW = 2048;

/** Sliding-window replay filter over 64-bit counters. */
export class ReplayWindow {
  private max = -1n;
  private readonly seen = new Set<bigint>();

  constructor(private readonly size = REPLAY_WINDOW) {}

  /** True when the counter is fresh. Call `accept` only after the datagram authenticated. */
  check(counter: bigint): boolean {
    if (counter > this.max) return true;
    if (this.max - counter >= BigInt(this.size)) return false;
    return !this.seen.has(counter);
  }

  accept(counter: bigint): void {
    this.seen.add(counter);
    if (counter > this.max) {
      this.max = counter;
      const floor = this.max - BigInt(this.size);
      if (this.seen.size > this.size * 2) for (const c of this.seen) if (c <= floor) this.seen.delete(c);
    }
  }
}

export interface Keypair {
  /** Our receiver id for datagrams sealed with it (what the peer writes at offset 6). */
  localId: number;
  /** The peer's receiver id (what we write). */
  remoteId: number;
  send: Buffer;
  recv: Buffer;
  sendCounter: bigint;
  replay: ReplayWindow;
  /** True when we started the handshake that made it. */
  initiator: boolean;
  /** A datagram opened under it: the peer has it too. */
  confirmed: boolean;
  createdAt: number;
}

/** `confirmedNow`: the first datagram under these keys: the peer has them (the handshake is proven both ways). */
export type OpenResult = { inner: Buffer; keypair: Keypair; promoted: boolean; confirmedNow: boolean } | { error: 'replay' | 'auth' };

export class Keypairs {
  current?: Keypair;
  previous?: Keypair;
  next?: Keypair;

  /** Every pair this peer holds, for the endpoint's index table. */
  all(): Keypair[] { return [this.current, this.previous, this.next].filter((k): k is Keypair => k !== undefined); }

  /**
   * Installs a new pair. Returns the pairs that dropped out (their receiver ids are freed). An
   * unconfirmed responder pair waits as `next`: message 1 of IK can be replayed by anyone.
   */
  install(kp: Keypair): Keypair[] {
    const dropped: Keypair[] = [];
    if (!kp.initiator && !kp.confirmed) {
      if (this.next) dropped.push(this.next);
      this.next = kp;
      return dropped;
    }
    if (this.previous) dropped.push(this.previous);
    this.previous = this.current;
    this.current = kp;
    return dropped;
  }

  /** Seals an inner datagram with the current pair; undefined when there is none. */
  seal(inner: Buffer): Buffer | undefined {
    const kp = this.current;
    if (!kp) return undefined;
    const counter = kp.sendCounter++;
    // One buffer, the datagram as it goes on the wire: the header (also the AEAD's associated data), then the sealed inner datagram.
    const out = Buffer.allocUnsafe(TRANSPORT_HEADER + inner.length + TAG_BYTES);
    writeTransportHeader(out, kp.remoteId, counter);
    aeadEncryptInto(kp.send, counter, out.subarray(0, TRANSPORT_HEADER), inner, out, TRANSPORT_HEADER);
    return out;
  }

  /** Opens a TRANSPORT datagram addressed to `kp` (found by receiver id). */
  open(kp: Keypair, wire: Buffer, counter: bigint, sealed: Buffer): OpenResult & { dropped?: Keypair[] } {
    if (!kp.replay.check(counter)) return { error: 'replay' };
    const header = wire.subarray(0, 18);
    const inner = aeadDecrypt(kp.recv, counter, header, sealed);
    if (!inner) return { error: 'auth' };
    kp.replay.accept(counter);
    let promoted = false;
    let dropped: Keypair[] | undefined;
    const confirmedNow = !kp.confirmed;
    if (!kp.confirmed) {
      kp.confirmed = true;
      if (kp === this.next) {
        this.next = undefined;
        dropped = this.install(kp);
        promoted = true;
      }
    }
    return { inner, keypair: kp, promoted, confirmedNow, dropped };
  }

  /** Forgets one pair (a handshake whose last message was refused); the previous one is current again. */
  remove(kp: Keypair): void {
    if (this.current === kp) { this.current = this.previous; this.previous = undefined; }
    else if (this.previous === kp) this.previous = undefined;
    else if (this.next === kp) this.next = undefined;
  }

  clear(): Keypair[] {
    const all = this.all();
    this.current = this.previous = this.next = undefined;
    return all;
  }
}
