// `npm run fuzz`: a million datagrams through codec.decode, a running plain ChatSession, and
// Endpoint.receive of two wire v2 endpoint pairs (without and with a passphrase) on a fake clock.
// Env: FUZZ_SEED, FUZZ_N, FUZZ_HEAP_MB (allowed heap growth, default 200).
// Exit 1 on an escaped exception, a hang, unbounded heap growth, a session that stopped working, or
// forged input that surfaced with a passphrase, added a peer, or raised a key change.
import type { HarnessName } from '../test/unit/support/fuzz';
import { runFuzz } from '../test/unit/support/fuzz';

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : (Math.random() * 0x1_0000_0000) >>> 0;
const count = process.env.FUZZ_N ? Number(process.env.FUZZ_N) : 1_000_000;
const heapBoundMb = process.env.FUZZ_HEAP_MB ? Number(process.env.FUZZ_HEAP_MB) : 200;

console.log(`fuzz: seed ${seed} (rerun with FUZZ_SEED=${seed}), ${count} datagrams × 4 targets`);
const r = runFuzz({
  seed, count,
  progress: (done, heap) => console.log(`  ${String(done).padStart(8)} datagrams, heapUsed ${heap.toFixed(1)} MB`),
});

const LABEL: Record<HarnessName, string> = { plain: 'plain session', endpoint: 'endpoint pair', endpointPsk: 'endpoint pair with passphrase' };
const failures: string[] = [];
if (r.escapeCount > 0) failures.push(`${r.escapeCount} exception(s) escaped`);
if (r.hangs.length > 0) failures.push(`${r.hangs.length} call(s) over the hang bound`);
if (r.heapMaxMb - r.heapBaselineMb > heapBoundMb) failures.push(`heap grew ${(r.heapMaxMb - r.heapBaselineMb).toFixed(0)} MB (> ${heapBoundMb} MB)`);
for (const k of Object.keys(LABEL) as HarnessName[]) if (!r.recovered[k]) failures.push(`the ${LABEL[k]} no longer delivers`);
if (r.messagesSurfaced.endpointPsk > 0) failures.push(`${r.messagesSurfaced.endpointPsk} forged message(s) surfaced with a passphrase`);
for (const [k, e] of Object.entries(r.endpoints)) {
  if (e.peers !== 1 || e.keyChanges > 0 || e.keyHeld) failures.push(`${LABEL[k as HarnessName]}: ${e.peers} peers, ${e.keyChanges} key change(s)${e.keyHeld ? ', a key held' : ''}`);
}

const fmt = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ');
console.log('');
console.log(`seed                 ${r.seed}`);
console.log(`datagrams            ${r.count} (${fmt(r.generators)})`);
console.log(`decode results       ${fmt(r.decodeKinds)}`);
for (const [k, e] of Object.entries(r.endpoints)) {
  console.log(`${k.padEnd(21)}received ${e.received}, by receiver id ${e.routedByIndex}, unknown id ${e.unknownIndex}, malformed ${e.malformed}, text ${e.text}; handshakes answered ${e.handshakesAnswered}, refused by Noise ${e.handshakesFailed}; peers ${e.peers}, key changes ${e.keyChanges}`);
}
console.log(`time                 ${(r.elapsedMs / 1000).toFixed(1)} s, slowest call ${r.slowestCallMs.toFixed(2)} ms (${r.slowestTarget})`);
console.log(`heapUsed             baseline ${r.heapBaselineMb.toFixed(1)} MB, max ${r.heapMaxMb.toFixed(1)} MB (+${(r.heapMaxMb - r.heapBaselineMb).toFixed(1)} MB; bound +${heapBoundMb} MB)`);
console.log(`escaped exceptions   ${r.escapeCount}`);
console.log(`caught inside receive ${r.internal.length ? `${r.internal.length}+ (safety net; rate-limited notice)` : 0}`);
console.log(`messages surfaced    ${(Object.keys(LABEL) as HarnessName[]).map((k) => `${LABEL[k]} ${r.messagesSurfaced[k]}`).join(', ')}`);
const lost = (Object.keys(LABEL) as HarnessName[]).filter((k) => r.firstMessageLost[k]);
if (lost.length) console.log(`first message lost   ${lost.map((k) => LABEL[k]).join(', ')} (desynchronised stream: see the report)`);
for (const d of r.recoveryDetail) console.log(`after fuzz           ${d}`);
for (const f of r.escapes) console.log(`ESCAPE in ${f.target}: ${f.error.split('\n')[0]}\n  reproducer hex: ${f.hex}`);
for (const f of r.hangs) console.log(`HANG in ${f.target}: ${f.error}\n  reproducer hex: ${f.hex}`);
for (const f of r.internal) console.log(`caught inside ${f.target}: ${f.error}\n  reproducer hex: ${f.hex}`);
console.log(failures.length ? `fuzz: FAILED: ${failures.join('; ')}` : 'fuzz: OK');
process.exit(failures.length ? 1 : 0);
