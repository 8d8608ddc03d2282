import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// A smoke test of `npm run bench`'s harness, NOT a benchmark: every stack's two processes (and the
// lossy relay) run on tiny sizes, and only correctness is checked: the bytes arrived and were right,
// and the last line is the JSON object with the four stacks. No figure is compared with anything.
const root = join(__dirname, '..', '..', '..');
const benchJs = join(root, 'dist', 'bench.js');

describe('bench harness smoke test (tiny sizes; correctness only, never speed)', function () {
  this.timeout(180_000);
  let out = '';
  let json: { stacks: Record<string, Record<string, unknown>> };

  before(async function () {
    if (!existsSync(benchJs)) throw new Error(`${benchJs} is missing: build first (node scripts/build.mjs)`);
    out = await new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, [benchJs], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          BENCH_ROUNDS: '1', BENCH_PING_N: '50', BENCH_PING_WARM: '10', BENCH_N: '300', BENCH_MSG_BYTES: '100',
          BENCH_MIB_BYTES: String(64 * 1024), BENCH_LOSSY_N: '50', BENCH_LOSSY_BYTES: '1024', BENCH_LOSS: '0.1',
          // Generous limits: a slow machine makes the run longer, never a failure.
          BENCH_PHASE_TIMEOUT_MS: '60000', BENCH_STALL_MS: '5000',
        },
      });
      let s = '';
      p.stdout.on('data', (d: Buffer) => { s += d.toString(); });
      p.stderr.on('data', () => undefined);
      p.on('error', reject);
      p.on('exit', () => resolve(s));
    });
    const last = out.trim().split('\n').pop() ?? '';
    json = JSON.parse(last);
  });

  it('prints the table and, as the last line, JSON with the four stacks', () => {
    assert.match(out, /figure \(median\)/);
    assert.deepEqual(Object.keys(json.stacks).sort(), ['enet', 'raw', 'udpchat', 'utp']);
  });

  for (const stack of ['raw', 'udpchat', 'utp', 'enet']) {
    it(`${stack}: what arrived was right, and the lossless transfers completed`, () => {
      const s = json.stacks[stack];
      const notes = JSON.stringify(s.notes ?? []);
      assert.equal(s.verified, true, `${stack}: wrong bytes arrived ${notes}`);
      const lossless = ['rtt_p50_us', 'rtt_p99_us', 'throughput_msgs', 'mib_ms', 'rss_growth_mb', ...(stack === 'raw' ? [] : ['goodput_lossless_Bps'])];
      for (const f of lossless) assert.equal(typeof s[f], 'number', `${stack}.${f} is ${String(s[f])} ${notes}`);
      // Under loss a stack may stall or drop its peer: then null with a note, never a hang.
      if (stack !== 'raw') assert.ok(typeof s.goodput_loss30_Bps === 'number' || (s.goodput_loss30_Bps === null && notes.includes('loss')), `${stack}: goodput at loss is a number or null with a note`);
    });
  }
});
