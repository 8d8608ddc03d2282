// One end of a `npm run bench` measurement (or its lossy relay), in its own process: the
// orchestrator (scripts/bench.ts) starts one process per end, pinned to its own CPU, for every
// stack alike, and talks to it over the IPC channel. Argument: one JSON object (PeerArgs).
//
// Every stack is driven through the same small interface (Stack below): send one message, be told
// of each whole message that arrived. The phases are the same code for all four stacks:
//   rtt      A sends a 64-byte message, B echoes it; A times each round trip.
//   burst    A sends `warm` messages, waits for B's 1-byte answer, then `n` messages at once;
//            B stamps the arrival of the last one (process.hrtime is CLOCK_MONOTONIC, one clock
//            for every process of the machine, so A's start and B's stamp compare directly).
//   mib      the same with one message of `size` bytes (1 MiB).
//   goodput  the same with `n` × 1 KiB, through the relay (0 % or 30 % loss).
// B checks every message: its length, and the sequence number in its first 8 bytes (in order).
//
// Fairness traps, handled here for every stack the same way:
// - ENet (the `enet` package) is emscripten JS that only reads its socket queue when serviced; the
//   package services on a 10 ms timer. Here it is also serviced on each datagram's arrival, and
//   flushed right after the sends of one tick, so it is not held back by its timer.
// - ENet's Packet.data() and its socket sender call the deprecated `new Buffer()`. Node then
//   checks whether the caller is inside node_modules (a stack walk, for up to 10,000 calls)
//   unless it runs with --pending-deprecation, which warns once instead and skips the walk from
//   then on. So --pending-deprecation is the FAST way round; the orchestrator passes it to every
//   child (it only changes the deprecated Buffer constructor). Measured: see docs/BENCHMARKS.md.
// - enet and utp-native stay outside the bundle (esbuild external), loaded from node_modules as
//   any application would load them (a bundled copy would not be "inside node_modules").
// - uTP is a byte stream: messages are framed with a 4-byte length, as an application must.
// - raw dgram has no reliability: it runs with a window (32 datagrams; 64 for the 1 MiB message,
//   sent as 1200-byte chunks), B answering each datagram with 4 bytes, so that nothing overflows.
//   It has no goodput figures (a lossy relay would just lose its data).
import * as dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, OutStatus, Presence, SessionConfig } from '../src/core/session';
import { ChatRuntime } from '../src/net/chatRuntime';
import { mulberry32 } from '../src/core/random';

export type StackName = 'raw' | 'udpchat' | 'utp' | 'enet';
export type PhaseName = 'rtt' | 'burst' | 'mib' | 'goodput';
export interface PhaseConfig { n: number; warm: number; size: number }
export type PeerArgs =
  | { role: 'a' | 'b'; stack: StackName; phase: PhaseName; cfg: PhaseConfig }
  | { role: 'relay'; loss: number; seed: number };

/** Messages from a child to the orchestrator. */
export type PeerEvent =
  | { ev: 'ready'; port: number; port2?: number }
  | { ev: 'progress'; count: number; bytes: number }
  | { ev: 'arrived'; t1: string; count: number; bytes: number; verified: boolean; note?: string }
  | { ev: 'started'; t0: string }
  | { ev: 'result'; data: Record<string, unknown> }
  | { ev: 'failed'; note: string }
  | { ev: 'stats'; data: Record<string, unknown> };
/** Messages from the orchestrator to a child. */
export type PeerCommand = { cmd: 'peer'; port: number } | { cmd: 'go' } | { cmd: 'stop' } | { cmd: 'exit' };

const LOCAL = '127.0.0.1';
const MIB = 1024 * 1024;
const RAW_CHUNK = 1200;
/** Experiments: UDP Chat session config overrides as JSON, e.g. BENCH_SESSION_CONFIG='{"rto":{"minRtoMs":20}}'. */
const SESSION_CONFIG = process.env.BENCH_SESSION_CONFIG ? JSON.parse(process.env.BENCH_SESSION_CONFIG) as Partial<SessionConfig> : undefined;

const say = (e: PeerEvent): void => { process.send?.(e); };
const now = (): bigint => process.hrtime.bigint();

/** Message i of a phase: its sequence number as 8 ASCII digits, then filler (ASCII, so text = bytes). */
export function payload(i: number, size: number): Buffer {
  const b = Buffer.alloc(size, 0x61 + (i % 26));
  if (size >= 8) b.write(String(i % 1e8).padStart(8, '0'), 0, 'latin1');
  return b;
}
const seqOf = (b: Buffer): number => (b.length >= 8 ? Number(b.toString('latin1', 0, 8)) : -1);

// ---------------------------------------------------------------- stacks

interface Stack {
  readonly port: number;
  /** Where to send (B: A's port or the relay's). Before `connect`. */
  setPeer(port: number): Promise<void>;
  /** A only: open the connection and wait until it is usable. */
  connect(): Promise<void>;
  send(msg: Buffer): void;
  onMessage: (msg: Buffer) => void;
  /** Fires if the stack gives up on the peer (disconnect, reset, error). */
  onFailure: (note: string) => void;
  extras(): Record<string, unknown>;
  close(): Promise<void>;
}

function bindUdp(): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, LOCAL, () => {
      s.removeListener('error', reject);
      try { s.setRecvBufferSize(4 * MIB); s.setSendBufferSize(4 * MIB); } catch { /* capped by the OS */ }
      resolve(s);
    });
  });
}
const portOf = (s: dgram.Socket): number => (s.address() as AddressInfo).port;

/** raw dgram: one datagram per message; outside rtt, B acks each datagram and A keeps a window. */
async function rawStack(role: 'a' | 'b', phase: PhaseName, cfg: PhaseConfig): Promise<Stack> {
  const sock = await bindUdp();
  const ACK = Buffer.from('ACK!');
  const windowed = phase !== 'rtt';
  const window = phase === 'mib' ? 64 : 32;
  let peerPort = 0;
  let inflight = 0;
  const queue: Buffer[] = [];
  let qHead = 0;
  const pump = () => {
    while (inflight < window && qHead < queue.length) {
      const c = queue[qHead++];
      inflight++;
      sock.send(c, peerPort, LOCAL);
    }
    if (qHead === queue.length) { queue.length = 0; qHead = 0; }
  };
  // B reassembles a message bigger than a datagram (the 1 MiB one) from its chunks.
  let partial: Buffer[] = [];
  let partialLen = 0;
  const st: Stack = {
    get port() { return portOf(sock); },
    async setPeer(p) { peerPort = p; },
    async connect() { /* connectionless */ },
    send(msg) {
      if (!windowed) { sock.send(msg, peerPort, LOCAL); return; }
      for (let off = 0; off < msg.length; off += RAW_CHUNK) queue.push(msg.subarray(off, off + RAW_CHUNK));
      pump();
    },
    onMessage: () => undefined,
    onFailure: () => undefined,
    extras: () => ({}),
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
  sock.on('message', (msg, rinfo) => {
    if (role === 'b' && peerPort === 0) peerPort = rinfo.port;
    if (windowed && msg.length === 4 && msg.equals(ACK)) { inflight--; pump(); return; }
    if (windowed) sock.send(ACK, rinfo.port, rinfo.address);
    if (role === 'b' && phase === 'mib') {
      partial.push(msg);
      partialLen += msg.length;
      if (partialLen < cfg.size) return;
      const whole = Buffer.concat(partial);
      partial = [];
      partialLen = 0;
      st.onMessage(whole);
      return;
    }
    st.onMessage(msg);
  });
  return st;
}

/** UDP Chat: ChatRuntime with one configured peer, as the extension and the terminal peer run it. */
async function udpchatStack(role: 'a' | 'b'): Promise<Stack> {
  let markOnline!: () => void;
  const online = new Promise<void>((r) => { markOnline = r; });
  let delivered = 0;
  let failed = 0;
  const notices: string[] = [];
  // eslint-disable-next-line prefer-const
  let st: Stack;
  const rt = await ChatRuntime.start({
    localAddress: LOCAL, localPort: 0, displayName: role === 'a' ? 'alice' : 'bob', config: SESSION_CONFIG,
    // A placeholder until the other end's port is known (setPeer).
    peer: { host: LOCAL, port: 9, family: 4 },
    events: {
      message: (_p, m: IncomingMessage) => st.onMessage(Buffer.from(m.text, 'latin1')),
      status: (_p, _id, s: OutStatus) => { if (s === 'delivered') delivered++; else if (s === 'failed') { failed++; st.onFailure('a message failed'); } },
      presence: (_p, p: Presence) => { if (p === 'online') markOnline(); },
      notice: (_l, t) => { if (notices.length < 20) notices.push(t); },
    },
  });
  st = {
    get port() { return rt.local.port; },
    async setPeer(p) { await rt.changePeer({ host: LOCAL, port: p, family: 4 }); },
    connect: () => online,
    send(msg) { rt.session.send({ text: msg.toString('latin1') }); },
    onMessage: () => undefined,
    onFailure: () => undefined,
    extras() {
      const s = rt.session.stats;
      const guard = (rt as unknown as { peerGuard?: { totalDropped?: number } }).peerGuard?.totalDropped;
      return {
        delivered, failed, retransmissions: s.retransmissions, fast_retransmits: s.fastRetransmits, rto_timeouts: s.timeouts, peer_guard_drops: guard,
        data_datagrams: s.dataDatagramsSent, acks_sent: s.acksSent, tail_probes: s.tailProbes, congestion: rt.session.congestion,
      };
    },
    close: () => rt.stop(),
  };
  return st;
}

interface UtpSocket {
  write(b: Buffer): boolean; on(ev: string, f: (...a: never[]) => void): void; destroy(): void;
}
interface UtpServer { listen(port: number, host: string, cb: () => void): void; address(): { port: number }; close(): void; on(ev: string, f: (...a: never[]) => void): void }
interface UtpModule { createServer(onConn: (s: UtpSocket) => void): UtpServer; connect(port: number, host: string): UtpSocket }

/** uTP (libutp through utp-native): a stream; messages framed by a 4-byte big-endian length. */
async function utpStack(role: 'a' | 'b'): Promise<Stack> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const utp = require('utp-native') as UtpModule;
  let conn: UtpSocket | undefined;
  let peerPort = 0;
  let server: UtpServer | undefined;
  const chunks: Buffer[] = [];
  let have = 0;
  const parse = (data: Buffer) => {
    chunks.push(data);
    have += data.length;
    while (have >= 4) {
      let head = chunks[0];
      if (head.length < 4) { head = Buffer.concat(chunks); chunks.length = 0; chunks.push(head); }
      const len = head.readUInt32BE(0);
      if (have < 4 + len) return;
      let buf = chunks.length === 1 ? head : Buffer.concat(chunks);
      const msg = buf.subarray(4, 4 + len);
      buf = buf.subarray(4 + len);
      chunks.length = 0;
      have = buf.length;
      if (have) chunks.push(buf);
      st.onMessage(msg);
    }
  };
  const attach = (s: UtpSocket) => {
    conn = s;
    s.on('data', parse as (d: never) => void);
    s.on('error', ((e: Error) => st.onFailure(`uTP error: ${e.message}`)) as (e: never) => void);
    s.on('close', () => st.onFailure('uTP connection closed'));
  };
  if (role === 'b') {
    server = utp.createServer((s) => attach(s));
    await new Promise<void>((r) => server!.listen(0, LOCAL, r));
  }
  const st: Stack = {
    get port() { return server ? server.address().port : 0; },
    async setPeer(p) { peerPort = p; },
    connect() {
      return new Promise<void>((resolve) => {
        const s = utp.connect(peerPort, LOCAL);
        attach(s);
        s.on('connect', () => resolve());
      });
    },
    send(msg) {
      const h = Buffer.allocUnsafe(4);
      h.writeUInt32BE(msg.length, 0);
      conn!.write(Buffer.concat([h, msg]));
    },
    onMessage: () => undefined,
    onFailure: () => undefined,
    extras: () => ({}),
    async close() { conn?.destroy(); server?.close(); },
  };
  return st;
}

interface EnetPacket { data(): Buffer }
interface EnetPeer { send(ch: number, p: unknown): boolean; on(ev: string, f: (...a: never[]) => void): void }
interface EnetHost {
  _socket: dgram.Socket; _service(): void; flush(): void; start(ms?: number): void; destroy(): void;
  address(): AddressInfo; on(ev: string, f: (...a: never[]) => void): void;
  connect(addr: { address: string; port: number }, channels: number, data: number, cb: (err: Error | undefined, peer: EnetPeer) => void): EnetPeer;
}
interface EnetModule {
  createServer(o: object, cb: (err: Error | undefined, h: EnetHost) => void): EnetHost;
  createClient(o: object, cb: (err: Error | undefined, h: EnetHost) => void): EnetHost;
  Packet: new (b: Buffer, flags: number) => unknown;
  PACKET_FLAG: { RELIABLE: number };
}

/** ENet 1.3.5 (emscripten JS, the `enet` package): reliable packets on channel 0. */
async function enetStack(role: 'a' | 'b'): Promise<Stack> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const enet = require('enet') as EnetModule;
  let peer: EnetPeer | undefined;
  let peerPort = 0;
  const host = await new Promise<EnetHost>((resolve, reject) => {
    const cb = (err: Error | undefined, h: EnetHost) => (err ? reject(err) : resolve(h));
    // Both ends are "server" hosts: bound to loopback at once, like every other stack's sockets
    // (a client host binds only when it connects); a server host connects out all the same.
    enet.createServer({ address: { address: LOCAL, port: 0 }, peers: 4, channels: 1, down: 0, up: 0 }, cb);
  });
  // Serviced as soon as a datagram arrives (the package's own listener, registered first, has queued
  // it), not only on the 10 ms timer; sends are flushed at the end of the tick that made them.
  host._socket.on('message', () => host._service());
  let flushQueued = false;
  const flush = () => { flushQueued = false; host.flush(); };
  host.on('message', ((_p: EnetPeer, packet: EnetPacket) => st.onMessage(packet.data())) as (...a: never[]) => void);
  host.on('connect', ((p: EnetPeer) => {
    if (role === 'b') peer = p;
    p.on('disconnect', () => st.onFailure('ENet peer disconnected'));
  }) as (...a: never[]) => void);
  host.start(10); // the package's own 10 ms service timer, as it runs by default
  const st: Stack = {
    get port() { return host.address().port; },
    async setPeer(p) { peerPort = p; },
    connect() {
      return new Promise<void>((resolve, reject) => {
        host.connect({ address: LOCAL, port: peerPort }, 1, 0, (err, p) => {
          if (err) { reject(err); return; }
          peer = p;
          resolve();
        });
        host.flush();
      });
    },
    send(msg) {
      peer!.send(0, new enet.Packet(msg, enet.PACKET_FLAG.RELIABLE));
      if (!flushQueued) { flushQueued = true; process.nextTick(flush); }
    },
    onMessage: () => undefined,
    onFailure: () => undefined,
    extras: () => ({}),
    async close() { try { host.destroy(); } catch { /* already gone */ } },
  };
  return st;
}

async function makeStack(stack: StackName, role: 'a' | 'b', phase: PhaseName, cfg: PhaseConfig): Promise<Stack> {
  switch (stack) {
    case 'raw': return rawStack(role, phase, cfg);
    case 'udpchat': return udpchatStack(role);
    case 'utp': return utpStack(role);
    case 'enet': return enetStack(role);
  }
}

// ---------------------------------------------------------------- the two ends

function commands(): AsyncGenerator<PeerCommand> {
  const queue: PeerCommand[] = [];
  let wake: (() => void) | undefined;
  process.on('message', (m: PeerCommand) => { queue.push(m); wake?.(); });
  process.on('disconnect', () => process.exit(0)); // the orchestrator is gone
  return (async function* gen() {
    for (;;) {
      while (queue.length) yield queue.shift()!;
      await new Promise<void>((r) => { wake = r; });
      wake = undefined;
    }
  })();
}

async function expect(cmds: AsyncGenerator<PeerCommand>, want: PeerCommand['cmd']): Promise<PeerCommand> {
  for (;;) {
    const { value } = await cmds.next();
    if (value.cmd === 'exit') process.exit(0);
    if (value.cmd === want) return value;
  }
}

/** Peak RSS growth over the start of a phase, sampled every 5 ms. */
class RssPeak {
  private readonly base = process.memoryUsage.rss();
  private peak = this.base;
  private readonly timer = setInterval(() => this.sample(), 5);
  sample(): void { this.peak = Math.max(this.peak, process.memoryUsage.rss()); }
  stopMb(): number { this.sample(); clearInterval(this.timer); return (this.peak - this.base) / MIB; }
}

async function runB(stack: Stack, phase: PhaseName, cfg: PhaseConfig, cmds: AsyncGenerator<PeerCommand>): Promise<void> {
  let count = 0;
  let bytes = 0;
  let verified = true;
  let note: string | undefined;
  const main = phase === 'rtt' ? Infinity : cfg.n;
  stack.onFailure = (n) => say({ ev: 'failed', note: n });
  stack.onMessage = (msg) => {
    if (phase === 'rtt') { stack.send(msg); return; }
    const inMain = count >= cfg.warm;
    const expectSeq = inMain ? count - cfg.warm : count;
    if (msg.length !== cfg.size || seqOf(msg) !== expectSeq % 1e8) {
      if (verified) note = `message ${count}: ${msg.length} bytes, seq ${seqOf(msg)} (expected ${cfg.size} bytes, seq ${expectSeq})`;
      verified = false;
    }
    count++;
    allBytes += msg.length;
    if (!inMain) { if (count === cfg.warm) stack.send(Buffer.from('W')); return; }
    bytes += msg.length;
    if (count - cfg.warm === main) say({ ev: 'arrived', t1: now().toString(), count: count - cfg.warm, bytes, verified, note });
  };
  let allBytes = 0; // warm-up included: the orchestrator's stall detector watches the warm-up too
  const progress = setInterval(() => say({ ev: 'progress', count, bytes: allBytes }), 250);
  progress.unref();
  const p = await expect(cmds, 'peer');
  await stack.setPeer((p as { port: number }).port);
  await expect(cmds, 'exit');
}

async function runA(stack: Stack, phase: PhaseName, cfg: PhaseConfig, cmds: AsyncGenerator<PeerCommand>): Promise<void> {
  const p = await expect(cmds, 'peer');
  await stack.setPeer((p as { port: number }).port);
  await expect(cmds, 'go');
  stack.onFailure = (n) => say({ ev: 'failed', note: n });
  await stack.connect();
  let waiter: ((m: Buffer) => void) | undefined;
  stack.onMessage = (m) => { const w = waiter; waiter = undefined; w?.(m); };
  const next = () => new Promise<Buffer>((r) => { waiter = r; });

  if (phase === 'rtt') {
    const ping = payload(0, cfg.size);
    const rtts: number[] = [];
    let bad = 0;
    for (let i = 0; i < cfg.warm + cfg.n; i++) {
      const t0 = now();
      const got = next();
      stack.send(ping);
      const reply = await got;
      if (i >= cfg.warm) rtts.push(Number(now() - t0) / 1000);
      if (!reply.equals(ping)) bad++;
    }
    rtts.sort((x, y) => x - y);
    const pct = (q: number) => rtts[Math.min(rtts.length - 1, Math.floor(q * rtts.length))];
    say({ ev: 'result', data: { rtt_p50_us: pct(0.5), rtt_p99_us: pct(0.99), verified: bad === 0, bad_replies: bad, ...stack.extras() } });
    await expect(cmds, 'exit');
    return;
  }

  // Warm-up: `warm` messages, answered by one byte once all arrived.
  if (cfg.warm > 0) {
    const w = next();
    for (let i = 0; i < cfg.warm; i++) stack.send(payload(i, cfg.size));
    await w;
  }
  const msgs = Array.from({ length: cfg.n }, (_, i) => payload(i, cfg.size)); // made before the clock starts
  const rss = new RssPeak();
  const t0 = now();
  say({ ev: 'started', t0: t0.toString() });
  for (let i = 0; i < cfg.n; i++) stack.send(msgs[i]);
  await expect(cmds, 'stop');
  say({ ev: 'result', data: { rss_growth_mb: rss.stopMb(), ...stack.extras() } });
  await expect(cmds, 'exit');
}

/** The lossy relay: A talks to port 1, B to port 2; each direction drops `loss` of its datagrams, seeded. */
async function runRelay(loss: number, seed: number, cmds: AsyncGenerator<PeerCommand>): Promise<void> {
  const ra = await bindUdp();
  const rb = await bindUdp();
  const dropAB = mulberry32(seed);
  const dropBA = mulberry32(seed ^ 0x9e3779b9);
  let aPort = 0;
  let bPort = 0;
  const counts = { forwarded: 0, dropped: 0 };
  ra.on('message', (msg, r) => {
    aPort = r.port;
    if (loss > 0 && dropAB() < loss) counts.dropped++; else { counts.forwarded++; rb.send(msg, bPort, LOCAL); }
  });
  rb.on('message', (msg) => {
    if (!aPort) return;
    if (loss > 0 && dropBA() < loss) counts.dropped++; else { counts.forwarded++; ra.send(msg, aPort, LOCAL); }
  });
  say({ ev: 'ready', port: portOf(ra), port2: portOf(rb) });
  const p = await expect(cmds, 'peer');
  bPort = (p as { port: number }).port;
  process.on('message', (m: PeerCommand) => { if (m.cmd === 'stop') say({ ev: 'stats', data: counts }); });
  await expect(cmds, 'exit');
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as PeerArgs;
  const cmds = commands();
  if (args.role === 'relay') { await runRelay(args.loss, args.seed, cmds); return; }
  const stack = await makeStack(args.stack, args.role, args.phase, args.cfg);
  say({ ev: 'ready', port: stack.port });
  if (args.role === 'b') await runB(stack, args.phase, args.cfg, cmds);
  else await runA(stack, args.phase, args.cfg, cmds);
}

if (require.main === module) {
  main().catch((e) => {
    say({ ev: 'failed', note: e instanceof Error ? e.message : String(e) });
    setTimeout(() => process.exit(1), 100);
  });
}
