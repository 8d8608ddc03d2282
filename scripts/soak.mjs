// Drives the soak (see scripts/soak.sh, which sets up the namespaces): one `udp-chat --json` per
// namespace, SOAK_N messages each way, then checks that every message arrived exactly once and in
// order, and that the sender saw "delivered" for each id. Exit 0 on success, 1 otherwise.
// usage: node scripts/soak.mjs --cli dist/cli.js --ns-a NS --ns-b NS --ip-a IP --ip-b IP
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const arg = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || !process.argv[i + 1]) { console.error(`soak.mjs: missing --${name}`); process.exit(2); }
  return process.argv[i + 1];
};
const cli = arg('cli');
const N = Number(process.env.SOAK_N ?? 1000);
const TIMEOUT_MS = Number(process.env.SOAK_TIMEOUT_S ?? 900) * 1000;
const PORT = 50505;
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

function peer(label, ns, localIp, peerIp) {
  // Each side its own identity (two peers under one account would share ~/.config/udp-chat).
  const home = mkdtempSync(join(tmpdir(), `udp-chat-soak-${label}-`));
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, cli, '--json', '-l', localIp, '-p', String(PORT), '-P', `${peerIp}:${PORT}`, '-n', label], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, UDP_CHAT_HOME: home } });
  const side = {
    label, child, events: [], accepted: [], delivered: new Map(), failed: [], received: [], online: false, offline: 0,
    stats: undefined, bye: undefined, errors: [], stderr: '', exit: undefined,
  };
  side.exited = new Promise((resolve) => child.on('close', (code) => { side.exit = code; resolve(code); }));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { side.stderr += d; });
  child.stdin.on('error', () => {});
  createInterface({ input: child.stdout }).on('line', (line) => {
    let e;
    try { e = JSON.parse(line); } catch { side.errors.push(`non-JSON stdout line: ${line}`); return; }
    switch (e.event) {
      case 'accepted': side.accepted.push(e); break;
      case 'delivered': side.delivered.set(e.id, (side.delivered.get(e.id) ?? 0) + 1); break;
      case 'failed': side.failed.push(e.id); break;
      case 'message': side.received.push(e.text); break;
      case 'peer-online': side.online = true; break;
      case 'peer-offline': side.offline++; break;
      case 'stats': side.stats = e; break;
      case 'bye': side.bye = e; break;
      case 'error': side.errors.push(`${e.code}: ${e.message}`); break;
      default: break;
    }
  });
  return side;
}

async function until(what, check, ms) {
  const deadline = Date.now() + ms;
  let lastReport = Date.now();
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    if (Date.now() - lastReport > 10_000) { lastReport = Date.now(); progress(); }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const a = peer('a', arg('ns-a'), arg('ip-a'), arg('ip-b'));
const b = peer('b', arg('ns-b'), arg('ip-b'), arg('ip-a'));
const sent = { a: Array.from({ length: N }, (_, i) => `a>b #${i}`), b: Array.from({ length: N }, (_, i) => `b>a #${i}`) };
const deliveredCount = (s) => [...s.delivered.values()].filter((n) => n > 0).length;
function progress() {
  console.log(`soak: ${elapsed()}  a→b delivered ${deliveredCount(a)}/${N}, received ${b.received.length}; b→a delivered ${deliveredCount(b)}/${N}, received ${a.received.length}; failed ${a.failed.length + b.failed.length}`);
}

let ok = true;
const problems = [];
try {
  await until('both peers online', () => a.online && b.online, 60_000);
  console.log(`soak: peers online after ${elapsed()}; sending ${N} messages each way`);
  const t0 = Date.now();
  a.child.stdin.write(sent.a.map((t) => `${t}\n`).join(''));
  b.child.stdin.write(sent.b.map((t) => `${t}\n`).join(''));
  await until('every message delivered or failed',
    () => deliveredCount(a) + a.failed.length >= N && deliveredCount(b) + b.failed.length >= N && b.received.length >= N - a.failed.length && a.received.length >= N - b.failed.length,
    TIMEOUT_MS);
  console.log(`soak: exchange took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  ok = false;
  problems.push(e.message);
  progress();
}

// End of stdin on both: bye, stats, exit.
a.child.stdin.end();
b.child.stdin.end();
const exits = await Promise.race([Promise.all([a.exited, b.exited]), new Promise((r) => setTimeout(() => r('timeout'), 40_000))]);
if (exits === 'timeout') {
  problems.push('a peer did not exit within 40 s of the end of its input');
  for (const s of [a, b]) if (s.exit === undefined) s.child.kill('SIGKILL');
}

for (const [from, to] of [[a, b], [b, a]]) {
  const dir = `${from.label}→${to.label}`;
  const expected = sent[from.label];
  const ids = from.accepted.map((e) => e.id);
  const dupDelivered = [...from.delivered.values()].filter((n) => n > 1).length;
  const missing = expected.filter((t) => !to.received.includes(t)).length;
  const seen = new Map();
  for (const t of to.received) seen.set(t, (seen.get(t) ?? 0) + 1);
  const duplicates = [...seen.values()].filter((n) => n > 1).length;
  const inOrder = to.received.length === expected.length && to.received.every((t, i) => t === expected[i]);
  console.log(`soak: ${dir}: delivered ${deliveredCount(from)}/${N} (sender), received ${to.received.length}/${N} (receiver), in order: ${inOrder ? 'yes' : 'NO'}, missing ${missing}, duplicates ${duplicates}, failed ${from.failed.length}`);
  if (ids.length !== N) problems.push(`${dir}: ${ids.length} of ${N} lines accepted`);
  if (!ids.every((id) => from.delivered.get(id) === 1)) problems.push(`${dir}: not every id has exactly one delivered event`);
  if (dupDelivered) problems.push(`${dir}: ${dupDelivered} ids delivered more than once`);
  if (from.failed.length) problems.push(`${dir}: ${from.failed.length} messages failed`);
  if (!inOrder) problems.push(`${dir}: the receiver did not get exactly the sent sequence (missing ${missing}, duplicates ${duplicates})`);
}
for (const s of [a, b]) {
  const st = s.stats;
  if (st) {
    console.log(`soak: ${s.label} stats: retransmissions ${st.retransmissions} (fast ${st.fastRetransmits}), timeouts ${st.timeouts}, datagrams sent ${st.datagramsSent}, received ${st.datagramsReceived}, duplicates dropped ${st.duplicatesDropped}, stream resets ${st.streamResets}, rto ${st.rto} ms, srtt ${st.srtt} ms`);
  } else problems.push(`${s.label}: no stats event at exit`);
  if (s.exit !== 0) problems.push(`${s.label}: exit status ${s.exit}`);
  if (s.offline > 0) console.log(`soak: ${s.label} saw the peer go offline ${s.offline} time(s)`);
  if (s.errors.length) problems.push(`${s.label}: ${s.errors.join('; ')}`);
  if (s.stderr.trim()) console.log(`soak: ${s.label} stderr: ${s.stderr.trim().slice(0, 2000)}`);
}
console.log(`soak: elapsed ${elapsed()}`);
if (problems.length) ok = false;
for (const p of problems) console.log(`soak: FAIL ${p}`);
console.log(ok ? 'soak: PASS' : 'soak: FAIL');
process.exit(ok ? 0 : 1);
