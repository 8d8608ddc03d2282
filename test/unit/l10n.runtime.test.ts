// Runtime localisation (see l10n/ and src/host/viewStrings.ts): no user-facing word in the extension
// host or the webview bypasses it, the bundle holds every vscode.l10n.t source string, and the view
// shows what the host's table says (a pseudo-localised table here).
import './support/vscodeL10n';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { viewStrings } from '../../src/host/viewStrings';
import type { HeaderInfo, RosterItem } from '../../src/shared/protocol';
import { rosterModel, rosterRow } from '../../src/webview/roster';
import { f, nodes, setViewStrings } from '../../src/webview/strings';
import { composerMode, emptyGuidance, headingText, sessionLook, statusLook } from '../../src/webview/texts';
import { checkSource, describeFindings, type Finding } from './support/l10nCheck';
import { useTranslation } from './support/vscodeL10n';

const root = path.join(__dirname, '..', '..', '..');
const src = path.join(root, 'src');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f)).sort();
}

function scan(files: string[], side: 'host' | 'webview'): Finding[] {
  return files.flatMap((file) => checkSource(path.relative(root, file), fs.readFileSync(file, 'utf8'), side));
}

describe('l10n: no user-facing word bypasses localisation', () => {
  it('the extension host (src/host/**, src/extension.ts) says everything through vscode.l10n.t', () => {
    const files = [...tsFiles(path.join(src, 'host')), path.join(src, 'extension.ts')];
    assert.ok(files.length > 15, 'the host sources were found');
    const findings = scan(files, 'host');
    assert.deepEqual(findings, [], `words that bypass vscode.l10n.t:\n${describeFindings(findings)}`);
  });

  it('the webview (src/webview/**) puts only the host\'s table into the DOM', () => {
    const files = tsFiles(path.join(src, 'webview'));
    assert.ok(files.length > 10, 'the webview sources were found');
    const findings = scan(files, 'webview');
    assert.deepEqual(findings, [], `English in the webview bundle:\n${describeFindings(findings)}`);
  });

  it('catches host words that bypass it, and lets translated ones and logs pass', () => {
    const sample = [
      "import * as vscode from 'vscode';",
      "vscode.window.showErrorMessage('Something broke');", // 2
      "vscode.window.showWarningMessage(vscode.l10n.t('Fine'), { modal: true }, 'Do It');", // 3: the action
      "this.show('info', `UDP Chat: ${x} is here`);", // 4
      "this.notice('warning', n === 1 ? vscode.l10n.t('one') : 'many');", // 5
      "vscode.window.showInputBox({ title: 'UDP Chat: name', prompt: vscode.l10n.t('Name'), validateInput: (v) => (v ? undefined : 'Needs a name.') });", // 6: title and the answer
      "vscode.window.showQuickPick([{ label: 'Members…', detail: names, id: 'members' }]);", // 7
      "item.text = `$(broadcast) UDP Chat`; item.tooltip = vscode.l10n.t('Tip'); item.command = 'udpChat.focus';", // 8
      "throw new Error(`The passphrase must have ${n} characters.`);", // 9
      "const t = new vscode.TreeItem('A person'); const m = new vscode.MarkdownString('**bold** words');", // 10 (two)
      "this.add(id, { kind: 'notice', level: 'info', text: 'Accepted.', time: 1 });", // 11
      "log.info('Session started'); log.warn(`History: ${text}`); void vscode.commands.executeCommand('setContext', 'udpChat.x', true);",
      "this.show('error', vscode.l10n.t('UDP Chat: {0}', msg), [vscode.l10n.t('Open Settings')]);",
      "item.text = vscode.l10n.t('{icon} UDP Chat', { icon: '$(broadcast)' });",
    ].join('\n');
    const lines = checkSource('sample.ts', sample, 'host').map((x) => x.line);
    assert.deepEqual(lines, [2, 3, 4, 5, 6, 6, 7, 8, 9, 10, 10, 11], describeFindings(checkSource('sample.ts', sample, 'host')));
  });

  it('catches English put into the webview\'s DOM, and lets table words, class names and punctuation pass', () => {
    const sample = [
      "const b = button('Start', 'action action-start', () => post({ type: 'startSession' }), 'play');", // 1
      "header.setAttribute('aria-label', 'Session'); header.setAttribute('role', 'banner');", // 2
      "node.textContent = ok ? s('noPeerSet') : 'No peer set';", // 3
      "input.placeholder = `Message ${n}`;", // 4
      "peerEl.replaceChildren('Peer ', el('bdi', 'peer-name', name), ' · ', count);", // 5
      "const look = { icon: 'pass', text: 'Connected' };", // 6
      "summary.push(`${n} unread`);", // 7
      "const t = el('span', 'visually-hidden chat-heading', s('appName')); t.className = 'roster-item roster-person';",
      "hint.textContent = f('listeningOn', { address }); x.append(hidden(', '), badge); row.title = `${name}: ${members}`;",
      "setIcon(glyph, 'check'); list.setAttribute('aria-labelledby', 'roster-heading-1'); b.dataset.kind = 'group';",
    ].join('\n');
    const lines = checkSource('sample.ts', sample, 'webview').map((x) => x.line);
    assert.deepEqual(lines, [1, 2, 3, 4, 5, 6, 7], describeFindings(checkSource('sample.ts', sample, 'webview')));
  });
});

describe('l10n: l10n/bundle.l10n.json', () => {
  const runCheck = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'scripts', 'l10n.mjs'), '--check', ...args], { cwd: root, encoding: 'utf8' });

  it('holds every vscode.l10n.t source string of src/ and no stale one (else: npm run l10n)', () => {
    const r = runCheck();
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  it('the check fails for a source string the bundle lacks', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'udp-chat-l10n-'));
    try {
      const file = path.join(dir, 'extra.ts');
      fs.writeFileSync(file, "import * as vscode from 'vscode';\nexport const x = vscode.l10n.t('A sentence the bundle never had');\n");
      const r = runCheck('--bundle', path.join(root, 'l10n', 'bundle.l10n.json'), file);
      assert.notEqual(r.status, 0, 'a missing string fails the check');
      assert.match(r.stderr, /not in the bundle: "A sentence the bundle never had"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds every word of the webview table', () => {
    const bundle = JSON.parse(fs.readFileSync(path.join(root, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
    for (const [key, english] of Object.entries(viewStrings())) {
      assert.ok(english.length > 0, `${key} has words`);
      assert.ok(Object.prototype.hasOwnProperty.call(bundle, english), `${key}: ${JSON.stringify(english)} is in the bundle`);
    }
  });
});

describe('l10n: the webview shows the host\'s words (pseudo-localised)', () => {
  // Pseudo-localisation: every word wrapped in markers and its vowels accented, placeholders kept.
  const pseudo = (m: string) => `⟦${m.replace(/\{(\w+)\}|([aeiou])/g, (whole, ph: string | undefined, v: string | undefined) => (ph ? whole : ({ a: 'á', e: 'é', i: 'í', o: 'ó', u: 'ú' } as Record<string, string>)[v!]!))}⟧`;
  const header: HeaderInfo = {
    state: 'active', local: '', localAddresses: [], peer: '10.0.0.2:50505', peerName: 'Ada', presence: 'unknown',
    plainPeer: false, encrypted: false, fingerprint: '', verified: false, keyChanged: false, passphrase: false,
  };

  before(() => {
    useTranslation(pseudo);
    setViewStrings(viewStrings());
  });
  after(() => {
    useTranslation(undefined);
    setViewStrings(viewStrings());
  });

  it('the header, the guidance, the composer and the statuses say the table\'s words, names filled in', () => {
    assert.equal(sessionLook(header).text, '⟦Wáítíng fór Ada⟧');
    assert.equal(headingText(header), '⟦UDP Chát wíth Ada⟧');
    assert.deepEqual(emptyGuidance(header), ['⟦Wáítíng fór Ada tó ánswér.⟧', '⟦Typé á mésságé ánd préss Entér: ít góés óút whén théy dó.⟧']);
    assert.equal(composerMode({ ...header, state: 'idle' }).placeholder, '⟦Typé á mésságé⟧');
    assert.equal(statusLook('delivered').text, '⟦délívéréd⟧');
  });

  it('the list of conversations counts and names in the table\'s words', () => {
    const item: RosterItem = {
      id: 'g:fedcba9876543210', kind: 'group', name: 'Team', detail: '', presence: 'online', unread: 2,
      encrypted: true, plain: false, request: true, configured: false, members: ['Ann', 'Bob'],
    };
    const row = rosterRow(item, 'p:configured');
    assert.equal(row.iconText, '⟦gróúp óf 2 mémbérs⟧');
    assert.equal(row.unreadText, '⟦2 únréád⟧');
    assert.equal(row.members, '⟦Ann ánd Bob⟧');
    assert.equal(rosterModel([item], 'p:configured').summary, `1 · ⟦2 únréád⟧ · ⟦1 réqúést⟧`);
  });

  it('nodes() keeps the translated word order around the nodes it fills in', () => {
    setViewStrings({ ...viewStrings(), peerWithName: '({address}) — {name}' });
    try {
      assert.deepEqual(nodes<{ n: string }>('peerWithName', { name: { n: 'Ada' }, address: { n: '10.0.0.2' } }), ['(', { n: '10.0.0.2' }, ') — ', { n: 'Ada' }]);
      assert.equal(f('peerWithName', { name: 'Ada' }), '({address}) — Ada', 'a placeholder without a value stays');
    } finally {
      setViewStrings(viewStrings());
    }
  });
});
