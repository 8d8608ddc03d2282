// Flood: a ChatRuntime (the product path) on 127.0.0.1 with a real peer, blasted from a child process
// with 100,000 datagrams from a stranger and 100,000 garbage datagrams from the peer's own socket.
// Measures the event-loop delay of the runtime's process, counts what reached the handlers, and
// checks that a real message from the peer still arrives.
// Standalone: npx esbuild scripts/flood.ts --bundle --platform=node --outfile=/tmp/flood.js && node /tmp/flood.js
// (test/node/flood.test.ts runs the same, asserting counts, never timing).
import { fork } from 'node:child_process';
import * as dgram from 'node:dgram';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PLAIN_MESSAGE_GUARD, STRANGER_GUARD } from '../src/core/sourceGuard';
import { ChatRuntime } from '../src/net/chatRuntime';

const LOCAL = '127.0.0.1';

export interface FloodPhase {
  name: string;
  sent: number;
  sendMs: number;
  /** Datagrams the runtime's socket handed to it (the kernel may drop some when the buffer is full). */
  received: number;
  /** What reached the handler: stranger events, or message events for the peer flood. */
  passed: number;
  dropped: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** The designed bound on `passed`: burst + rate × duration (+1 s of slack). */
  bound: number;
  realMessageMs?: number;
}

export interface FloodResult {
  phases: FloodPhase[];
  realMessageArrived: boolean;
  notices: number;
}

type ChildCommand =
  | { cmd: 'start'; target: number }
  | { cmd: 'stranger'; count: number; sources: number }
  | { cmd: 'peerGarbage'; count: number }
  | { cmd: 'send'; text: string }
  | { cmd: 'stop' };

// ---------------------------------------------------------------- child: the legit peer and the flooder

async function child(): Promise<void> {
  let rt: ChatRuntime | undefined;
  let target = 0;
  const reply = (m: unknown) => process.send?.(m);
  const yieldNow = () => new Promise((r) => setImmediate(r));
  /** As fast as the socket takes it: batches of sends, then one turn of the loop for the callbacks. */
  const blast = async (send: (i: number, done: () => void) => void, count: number) => {
    const t0 = performance.now();
    for (let i = 0; i < count;) {
      let pending = 0;
      await new Promise<void>((res) => {
        const end = Math.min(count, i + 500);
        for (; i < end; i++) { pending++; send(i, () => { if (--pending === 0) res(); }); }
      });
      await yieldNow();
    }
    return performance.now() - t0;
  };
  process.on('message', async (m: ChildCommand) => {
    switch (m.cmd) {
      case 'start':
        target = m.target;
        rt = await ChatRuntime.start({
          localAddress: LOCAL, localPort: 0, displayName: 'peer', peer: { host: LOCAL, port: target, family: 4 },
          events: { presence: (_peer, p) => reply({ ev: 'presence', p }), status: (_peer, id, s) => reply({ ev: 'status', id, s }) },
        });
        reply({ ev: 'started', port: rt.local.port });
        return;
      case 'stranger': {
        // `sources` sockets, each a different source port: the per-source limit sees `sources` strangers.
        const sockets: dgram.Socket[] = [];
        for (let i = 0; i < m.sources; i++) {
          const s = dgram.createSocket('udp4');
          await new Promise<void>((r) => s.bind(0, LOCAL, () => r()));
          sockets.push(s);
        }
        const payload = Buffer.from('hello? anyone? this is a stranger flooding you with plain text lines.\n');
        const ms = await blast((i, done) => sockets[i % sockets.length].send(payload, target, LOCAL, () => done()), m.count);
        for (const s of sockets) s.close();
        reply({ ev: 'sent', ms });
        return;
      }
      case 'peerGarbage': {
        // From the peer's own socket: half plain bytes, half our magic with a random tail.
        const endpoint = rt!.endpoint;
        let x = 0x9e3779b9;
        const rnd = () => ((x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) & 0xff);
        const ms = await blast((i, done) => {
          const b = Buffer.allocUnsafe(16 + (i % 200));
          for (let k = 0; k < b.length; k++) b[k] = rnd();
          if (i % 2) { b[0] = 0xf5; b[1] = 0x55; b[2] = 0x43; b[3] = 1; } else if (b[0] === 0xf5) b[0] = 0x41;
          endpoint.send(b, { address: LOCAL, port: target });
          done();
        }, m.count);
        reply({ ev: 'sent', ms });
        return;
      }
      case 'send':
        rt!.session.send({ text: m.text }, 'real');
        reply({ ev: 'queued' });
        return;
      case 'stop':
        await rt?.stop();
        reply({ ev: 'stopped' });
        process.exit(0);
    }
  });
  reply({ ev: 'ready' });
}

// ---------------------------------------------------------------- parent: the measured process

export async function runFlood(opts: { count?: number; strangerSources?: number; log?: (s: string) => void } = {}): Promise<FloodResult> {
  const count = opts.count ?? 100_000;
  const log = opts.log ?? (() => undefined);
  const kid = fork(__filename, ['--flood-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waitFor = <T = Record<string, unknown>>(ev: string, timeoutMs = 120_000) => new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => { kid.off('message', on); reject(new Error(`flood child: no '${ev}' within ${timeoutMs} ms`)); }, timeoutMs);
    const on = (m: { ev: string }) => { if (m.ev === ev) { clearTimeout(t); kid.off('message', on); resolve(m as T); } };
    kid.on('message', on);
  });
  const ready = waitFor('ready', 20_000);
  const exited = new Promise<void>((r) => kid.once('exit', () => r()));
  let rt: ChatRuntime | undefined;
  try {
    await ready;
    let strangerEvents = 0;
    let peerMessages = 0;
    let notices = 0;
    const noticeKinds = new Map<string, number>();
    let realAt = 0;
    let markOnline!: () => void;
    const online = new Promise<void>((r) => { markOnline = r; });
    rt = await ChatRuntime.start({
      localAddress: LOCAL, localPort: 0, displayName: 'measured', peer: { host: LOCAL, port: 9, family: 4 },
      events: {
        stranger: () => { strangerEvents++; },
        message: (_p, m) => { peerMessages++; if (m.text === 'the real message') realAt = performance.now(); },
        presence: (_p, p) => { if (p === 'online') markOnline(); },
        notice: (_l, t) => { notices++; noticeKinds.set(t.slice(0, 40), (noticeKinds.get(t.slice(0, 40)) ?? 0) + 1); },
      },
    });
    kid.send({ cmd: 'start', target: rt.local.port } satisfies ChildCommand);
    const { port: peerPort } = await waitFor<{ port: number }>('started');
    await rt.changePeer({ host: LOCAL, port: peerPort, family: 4 });
    await Promise.race([online, new Promise((_, rej) => setTimeout(() => rej(new Error('peer never came online')), 10_000))]);
    const runtime = rt;

    const phase = async (name: string, cmd: ChildCommand, counted: () => number, rate: number, burst: number, sources: number, real: boolean): Promise<FloodPhase> => {
      const h = monitorEventLoopDelay({ resolution: 1 });
      const recv0 = name === 'stranger' ? runtime.strangerDatagrams : runtime.session.stats.datagramsReceived;
      const passed0 = counted();
      let received = 0;
      // Count what the socket hands over, whatever the runtime then does with it.
      const off = runtime.endpoint.onDatagram(() => { received++; });
      const t0 = performance.now();
      h.enable();
      const sent = waitFor<{ ms: number }>('sent');
      kid.send(cmd);
      if (real) {
        // The legit peer speaks up in the middle of the flood (from the same socket as the garbage).
        await new Promise((r) => setTimeout(r, 20));
        kid.send({ cmd: 'send', text: 'the real message' } satisfies ChildCommand);
      }
      const { ms } = await sent;
      await new Promise((r) => setTimeout(r, 200)); // what is still in the socket buffer
      h.disable();
      off();
      const secs = (performance.now() - t0) / 1000;
      const passed = counted() - passed0;
      void recv0;
      const p: FloodPhase = {
        name, sent: count, sendMs: ms, received, passed, dropped: received - passed,
        loopP99Ms: h.percentile(99) / 1e6, loopMaxMs: h.max / 1e6,
        bound: Math.ceil(sources * (burst + rate * (secs + 1))),
      };
      log(`flood: ${count} datagrams in ${ms.toFixed(0)} ms, event-loop p99 ${p.loopP99Ms.toFixed(1)} ms, max ${p.loopMaxMs.toFixed(1)} ms, ${name} events passed ${passed}, dropped ${p.dropped} (received ${received}, sources ${sources}, bound ${p.bound})`);
      return p;
    };

    const phases: FloodPhase[] = [];
    phases.push(await phase('stranger', { cmd: 'stranger', count, sources: 1 }, () => strangerEvents, STRANGER_GUARD.ratePerSecond, STRANGER_GUARD.burst, 1, false));
    const sources = opts.strangerSources ?? 0;
    if (sources > 1) {
      phases.push(await phase(`stranger×${sources} ports`, { cmd: 'stranger', count, sources }, () => strangerEvents, STRANGER_GUARD.ratePerSecond, STRANGER_GUARD.burst, Math.min(sources, STRANGER_GUARD.maxSources * 100), false));
    }
    const tPeer = performance.now();
    // Garbage from the peer's address is plain text: each line becomes a chat entry, so the line limit bounds it.
    const peer = await phase('peer', { cmd: 'peerGarbage', count }, () => peerMessages, PLAIN_MESSAGE_GUARD.ratePerSecond, PLAIN_MESSAGE_GUARD.burst, 1, true);
    phases.push(peer);
    // The real message may have been rate-limited with the garbage: its retransmission must get through.
    for (let i = 0; i < 100 && realAt === 0; i++) await new Promise((r) => setTimeout(r, 100));
    peer.realMessageMs = realAt ? realAt - tPeer : undefined;
    log(`flood: the real message from the peer ${realAt ? `arrived ${(realAt - tPeer).toFixed(0)} ms after the peer flood began` : 'did NOT arrive within 10 s'}; notices ${notices} ${JSON.stringify([...noticeKinds])}`);
    return { phases, realMessageArrived: realAt > 0, notices };
  } finally {
    await rt?.stop();
    if (kid.connected) kid.send({ cmd: 'stop' } satisfies ChildCommand);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (kid.exitCode === null) kid.kill();
  }
}

if (process.argv.includes('--flood-child')) {
  void child();
} else if (require.main === module) {
  runFlood({ strangerSources: Number(process.env.FLOOD_SOURCES ?? 2000), log: (s) => console.log(s) }).then((r) => {
    console.log(JSON.stringify(r));
    process.exit(0);
  }, (e) => { console.error(e); process.exit(1); });
}
