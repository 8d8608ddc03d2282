// `npm run fuzz`: a million datagrams through codec.decode, a running ChatSession and an encrypted
// one (fake clock). Env: FUZZ_SEED, FUZZ_N, FUZZ_HEAP_MB (allowed heap growth, default 200).
// Exit 1 on an escaped exception, a hang, unbounded heap growth, or a session that stopped working.
import { runFuzz } from '../test/unit/support/fuzz';

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : (Math.random() * 0x1_0000_0000) >>> 0;
const count = process.env.FUZZ_N ? Number(process.env.FUZZ_N) : 1_000_000;
const heapBoundMb = process.env.FUZZ_HEAP_MB ? Number(process.env.FUZZ_HEAP_MB) : 200;

console.log(`fuzz: seed ${seed} (rerun with FUZZ_SEED=${seed}), ${count} datagrams × 3 targets`);
const r = runFuzz({
  seed, count,
  progress: (done, heap) => console.log(`  ${String(done).padStart(8)} datagrams, heapUsed ${heap.toFixed(1)} MB`),
});

const failures: string[] = [];
if (r.escapeCount > 0) failures.push(`${r.escapeCount} exception(s) escaped`);
if (r.hangs.length > 0) failures.push(`${r.hangs.length} call(s) over the hang bound`);
if (r.heapMaxMb - r.heapBaselineMb > heapBoundMb) failures.push(`heap grew ${(r.heapMaxMb - r.heapBaselineMb).toFixed(0)} MB (> ${heapBoundMb} MB)`);
if (!r.recovered.plain) failures.push('the plain session no longer delivers');
if (!r.recovered.secure) failures.push('the encrypted session no longer delivers');

const fmt = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ');
console.log('');
console.log(`seed                 ${r.seed}`);
console.log(`datagrams            ${r.count} (${fmt(r.generators)})`);
console.log(`decode results       ${fmt(r.decodeKinds)}`);
console.log(`time                 ${(r.elapsedMs / 1000).toFixed(1)} s, slowest call ${r.slowestCallMs.toFixed(2)} ms (${r.slowestTarget})`);
console.log(`heapUsed             baseline ${r.heapBaselineMb.toFixed(1)} MB, max ${r.heapMaxMb.toFixed(1)} MB (+${(r.heapMaxMb - r.heapBaselineMb).toFixed(1)} MB; bound +${heapBoundMb} MB)`);
console.log(`escaped exceptions   ${r.escapeCount}`);
console.log(`caught inside receive ${r.internal.length ? `${r.internal.length}+ (safety net; rate-limited notice)` : 0}`);
console.log(`messages surfaced    plain session ${r.messagesSurfaced.plain}, encrypted session ${r.messagesSurfaced.secure}`);
if (r.firstMessageLost.plain || r.firstMessageLost.secure) console.log(`first message lost   plain ${r.firstMessageLost.plain}, encrypted ${r.firstMessageLost.secure} (desynchronised stream: see the report)`);
for (const d of r.recoveryDetail) console.log(`after fuzz           ${d}`);
for (const f of r.escapes) console.log(`ESCAPE in ${f.target}: ${f.error.split('\n')[0]}\n  reproducer hex: ${f.hex}`);
for (const f of r.hangs) console.log(`HANG in ${f.target}: ${f.error}\n  reproducer hex: ${f.hex}`);
for (const f of r.internal) console.log(`caught inside ${f.target}: ${f.error}\n  reproducer hex: ${f.hex}`);
console.log(failures.length ? `fuzz: FAILED: ${failures.join('; ')}` : 'fuzz: OK');
process.exit(failures.length ? 1 : 0);
