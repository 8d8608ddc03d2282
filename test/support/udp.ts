// Shared by every test layer: a UDP port on loopback that was free a moment ago.
import * as dgram from 'node:dgram';

/** Binds port 0 on 127.0.0.1, reads the port the OS chose, releases it. */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => { s.once('error', reject); s.bind(0, '127.0.0.1', () => resolve()); });
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
