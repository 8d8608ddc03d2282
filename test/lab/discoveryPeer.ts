// One LAN discovery peer for the lab tests (test/node/lan.test.ts), run with `ip netns exec` in a lab
// host: advertises and browses with LanDiscovery and prints one JSON line per event on stdout:
//   {"event":"started","ms":…,"status":{"ipv4":true,"ipv6":true}}
//   {"event":"discovered","ms":…,"peer":{id,name,addresses,port,fingerprint,version}}
//   {"event":"lost","ms":…,"id":…} | {"event":"incompatible",…} | {"event":"warning","message":…}
//   {"event":"stopped","ms":…}
// `ms` counts from this process's start. stdin lines: `name <new name>` re-announces, `stop` (or
// end of input) sends goodbyes and exits 0.
// usage: node out/test/lab/discoveryPeer.js --name N --port P --id HEX16 --fp HEX32 [--interface eth0] [--host h]
import { createInterface } from 'node:readline';
import { LanDiscovery } from '../../src/net/discovery';

const t0 = Date.now();
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const out = (event: string, data: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ event, ms: Date.now() - t0, ...data })}\n`);

const d = new LanDiscovery();
d.on('discovered', (peer) => out('discovered', { peer }));
d.on('lost', (id) => out('lost', { id }));
d.on('incompatible', (peer) => out('incompatible', { peer }));
d.on('warning', (message) => out('warning', { message }));

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await d.stop();
  out('stopped');
  process.exit(0);
}

async function main(): Promise<void> {
  const iface = arg('interface');
  const host = arg('host');
  const status = await d.start({
    name: arg('name') ?? 'peer', port: Number(arg('port') ?? 50505), personId: arg('id') ?? '', fingerprint: arg('fp') ?? '',
    ...(iface ? { interface: iface } : {}), ...(host ? { host } : {}),
  });
  out('started', { status });
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line.trim() === 'stop') void stop();
    else if (line.startsWith('name ')) { d.setName(line.slice(5)); out('renamed', { name: line.slice(5) }); }
  });
  rl.on('close', () => { void stop(); });
}

process.on('SIGTERM', () => { void stop(); });
main().catch((e: unknown) => { out('fatal', { message: e instanceof Error ? e.message : String(e) }); process.exit(1); });
