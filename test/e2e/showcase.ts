// A conversation that shows every kind of entry and state the view can draw, for the theme,
// contrast and axe checks. As much as possible comes from a real session with a real peer; the
// states a session reaches only after long waits or with another kind of peer (failed: the 20 s
// retry budget; unsent; textSent/unconfirmed: a plain-text peer; an error notice; the plain-peer
// and encryption marks) are handed to the view as the host would post them. The host's side of
// those is covered by delivery, classic, chat and twoEditors tests.
import type { FrameLocator } from 'playwright-core';
import type { ChatEntry, DeliveryStatus, HeaderInfo } from '../../src/shared/protocol';
import { asIfFromHost } from './a11y';
import type { VsCode } from './harness';
import { expectStatus, peerEntry, startChat, type TestPeer, typeAndSend, waitFor } from './support';

export const OWN_SENT = 'Own message with **bold**, `inline code` and https://example.com/own';
export const OWN_SHOWN = 'Own message with bold, inline code and https://example.com/own';
export const PEER_TEXT = 'Peer reply: see _this_, `npm test` and https://example.com';
export const PEER_SHOWN = 'Peer reply: see this, npm test and https://example.com';
export const QUEUED = 'Queued while you are away';
/** Indented lines and one line far wider than the side bar. */
export const CODE = [
  'export function add(a: number, b: number): number {',
  '  // a long line: it must scroll sideways, never wrap ---------------------------------------------------------',
  '  if (a === 0) {',
  '    return b;',
  '  }',
  '  return a + b;',
  '}',
].join('\n');
export const FENCED_CODE = 'for (const x of xs) {\n    console.log(x);\n}';
export const FENCED = `A fenced block:\n\`\`\`js\n${FENCED_CODE}\n\`\`\``;

const SIMULATED: DeliveryStatus[] = ['sending', 'failed', 'unsent', 'unconfirmed', 'textSent'];

/** Starts the chat and fills it with every kind of entry; returns the chat frame. */
export async function buildShowcase(v: VsCode, p: TestPeer): Promise<FrameLocator> {
  const frame = await startChat(v);
  await p.waitOnline();
  await frame.locator('.presence[data-presence="online"]').waitFor({ timeout: 20_000 });
  await typeAndSend(frame, OWN_SENT);
  await expectStatus(frame, OWN_SHOWN, 'delivered');
  p.send(PEER_TEXT);
  p.runtime!.session.send({ text: CODE, code: { language: 'typescript', path: 'src/math.ts', startLine: 3, endLine: 9 } });
  p.send(FENCED);
  await peerEntry(frame, PEER_SHOWN).waitFor({ timeout: 10_000 });
  await frame.locator('#messages .entry-peer .codeblock pre.code code').waitFor({ timeout: 10_000 });
  await frame.locator('#messages .entry-peer .text pre.md-codeblock').waitFor({ timeout: 10_000 });

  // The peer leaves (bye): a real warning notice, and a message typed now stays queued.
  await p.stop();
  await frame.locator('.presence[data-presence="offline"]').waitFor({ timeout: 10_000 });
  await frame.locator('#messages .entry-notice.notice-warning').waitFor({ timeout: 10_000 });
  await typeAndSend(frame, QUEUED);
  await expectStatus(frame, QUEUED, 'queued', 5_000);

  const now = Date.now();
  const simulated: ChatEntry[] = SIMULATED.map((status, i) => ({
    id: `showcase-${status}`, kind: 'own', text: `A message that is ${status}`, time: now + i, status,
  }));
  simulated.push({ id: 'showcase-error', kind: 'notice', level: 'error', text: 'Network error: ENETUNREACH. Messages are kept and retried.', time: now + 10 });
  await asIfFromHost(frame, { type: 'didAddEntries', entries: simulated });
  await waitFor('the simulated entries', async () => (await frame.locator('#messages .entry[data-id^="showcase-"]').count()) === simulated.length);
  return frame;
}

/** The header with every mark it can show (several addresses, plain peer, encryption), as the host would post it (the key-change alert: e2e identity.test.ts). */
export function markedHeader(extPort: number, peerPort: number): HeaderInfo {
  return {
    state: 'active',
    local: `0.0.0.0:${extPort}`,
    localAddresses: [`192.0.2.10:${extPort}`, `198.51.100.7:${extPort}`, `127.0.0.1:${extPort}`],
    peer: `127.0.0.1:${peerPort}`,
    peerName: 'Theme Peer',
    presence: 'offline',
    plainPeer: true,
    encrypted: true,
    fingerprint: '12345 67890 13579 24680 11223 34455',
    verified: false,
    keyChanged: false,
    passphrase: false,
  };
}

/** Shows the marked header; call again before each check, since any real header update replaces it. */
export async function showMarkedHeader(frame: FrameLocator, extPort: number, peerPort: number): Promise<void> {
  await asIfFromHost(frame, { type: 'didChangeHeader', header: markedHeader(extPort, peerPort) });
  await frame.locator('.plain-peer').waitFor({ state: 'visible', timeout: 5_000 });
}

/** Every kind of text the showcase must contain, so a kind that vanished fails instead of passing unmeasured. */
export const REQUIRED_KINDS = [
  'own text', 'own meta', 'own link', 'own inline code',
  'peer text', 'peer meta', 'peer link', 'peer inline code', 'peer code', 'peer code header', 'peer button code-copy',
  'notice-info text', 'notice-info meta', 'notice-warning text', 'notice-warning meta', 'notice-error text', 'notice-error meta',
  ...['queued', 'sending', 'delivered', 'failed', 'unsent', 'unconfirmed', 'textSent'].map((s) => `own status ${s}`),
  'own retry',
  'header state', 'header peer', 'header address', 'header address label', 'header button', 'header plain-peer',
  'header encryption', 'header fingerprint',
  'composer input', 'composer button',
];

/** What the empty view (no entries, peer set, not started) must show. */
export const REQUIRED_EMPTY_KINDS = ['empty state', 'composer hint', 'composer input', 'header state', 'header peer', 'header button'];
