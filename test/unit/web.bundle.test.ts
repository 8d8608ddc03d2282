// The browser entry (dist/web.js, package.json "browser"): a browser-only VS Code (vscode.dev) loads it
// in a web worker, where Node's modules do not exist. Two checks:
//  1. the bundle needs nothing but `vscode` (esbuild's metafile lists every input; the bundle's own
//     require calls are counted too);
//  2. run it in a bare `vm` context (no require, process or Buffer, as in a worker) against a small
//     fake `vscode` holding only registerCommand, showErrorMessage, executeCommand,
//     registerWebviewViewProvider and Uri.joinPath, which records what the extension asks VS Code to
//     do. That fake is the only mock here; test/e2e/web.test.ts runs the same bundle in code-server's
//     real web worker extension host (remote.extensionKind sends it there).
import * as assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';

const root = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const bundlePath = path.join(root, 'dist', 'web.js');
const metaPath = path.join(root, 'dist', 'web.meta.json');
const MESSAGE = 'UDP Chat needs a desktop VS Code or a remote/Codespaces server: browsers cannot open UDP sockets.';

function readBundle(): string {
  assert.ok(fs.existsSync(bundlePath), 'dist/web.js exists (node scripts/build.mjs)');
  return fs.readFileSync(bundlePath, 'utf8');
}

interface Fake {
  commands: Map<string, (...a: unknown[]) => unknown>;
  errors: Array<{ text: string; actions: string[] }>;
  executed: unknown[][];
  views: Map<string, { resolveWebviewView(v: unknown): void }>;
  pick?: string;
  /** Commands that fail (a VS Code without the Markdown preview). */
  failing: Set<string>;
}

function loadInFakeWorker(): { fake: Fake; exports: { activate(c: unknown): void } } {
  const fake: Fake = { commands: new Map(), errors: [], executed: [], views: new Map(), failing: new Set() };
  const vscode = {
    Uri: { joinPath: (base: { path: string }, ...parts: string[]) => ({ path: [base.path, ...parts].join('/') }) },
    // VS Code's default language: the English source (a marker would show the words go through l10n.t).
    l10n: { t: (m: string) => m },
    commands: {
      registerCommand(id: string, fn: (...a: unknown[]) => unknown) {
        assert.ok(!fake.commands.has(id), `${id} registered once`);
        fake.commands.set(id, fn);
        return { dispose() { fake.commands.delete(id); } };
      },
      executeCommand(...args: unknown[]) {
        fake.executed.push(args);
        return fake.failing.has(args[0] as string) ? Promise.reject(new Error(`command '${String(args[0])}' not found`)) : Promise.resolve();
      },
    },
    window: {
      showErrorMessage(text: string, ...actions: string[]) { fake.errors.push({ text, actions }); return Promise.resolve(fake.pick); },
      registerWebviewViewProvider(id: string, provider: { resolveWebviewView(v: unknown): void }) {
        fake.views.set(id, provider);
        return { dispose() { fake.views.delete(id); } };
      },
    },
  };
  const module = { exports: {} as { activate(c: unknown): void } };
  const requested: string[] = [];
  const require = (id: string) => {
    requested.push(id);
    if (id === 'vscode') return vscode;
    throw new Error(`the web bundle required "${id}", which a browser does not have`);
  };
  // A bare context: no process, Buffer, require or setImmediate of Node's, as in a web worker.
  const context = vm.createContext({ module, exports: module.exports, require, console });
  vm.runInContext(readBundle(), context, { filename: 'web.js' });
  assert.deepEqual([...new Set(requested)], ['vscode']);
  return { fake, exports: module.exports };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('browser entry (dist/web.js): says UDP is impossible in a browser instead of failing', () => {
  it('package.json points "browser" at dist/web.js and keeps "main" for Node', () => {
    assert.equal(pkg.browser, './dist/web.js');
    assert.equal(pkg.main, './dist/extension.js');
  });

  it('bundles no Node built-in and nothing from node_modules; requires only vscode', () => {
    assert.ok(fs.existsSync(metaPath), 'dist/web.meta.json exists (node scripts/build.mjs)');
    const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as { inputs: Record<string, { imports: Array<{ path: string; external?: boolean }> }> };
    const inputs = Object.keys(meta.inputs);
    assert.ok(inputs.includes('src/web/extension.ts'), inputs.join(', '));
    for (const file of inputs) assert.match(file, /^src\/(web|constants)/, `${file} must not be in the browser bundle`);
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    for (const [file, info] of Object.entries(meta.inputs)) {
      for (const imp of info.imports) {
        assert.ok(!builtins.has(imp.path), `${file} imports the Node module ${imp.path}`);
        if (imp.external) assert.equal(imp.path, 'vscode', `${file}: only vscode stays external`);
      }
    }
    const requires = [...readBundle().matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(requires)], ['vscode']);
  });

  it('registers every contributed command and the view; each command shows the message and offers the docs', async () => {
    const { fake, exports } = loadInFakeWorker();
    const subscriptions: Array<{ dispose(): void }> = [];
    exports.activate({ subscriptions, extensionUri: { path: '/ext' } });
    const contributed = (pkg.contributes.commands as Array<{ command: string }>).map((c) => c.command).sort();
    assert.deepEqual([...fake.commands.keys()].sort(), contributed);
    for (const view of Object.values(pkg.contributes.views as Record<string, Array<{ id: string }>>).flat()) {
      assert.ok(fake.views.has(view.id), `view ${view.id} has a provider`);
    }
    for (const id of contributed) {
      fake.errors.length = 0;
      await fake.commands.get(id)!();
      assert.deepEqual(fake.errors, [{ text: MESSAGE, actions: ['Where UDP Chat Runs'] }], id);
    }
    // Picking the action shows the README that ships ("Where it runs") in the Markdown preview...
    fake.pick = 'Where UDP Chat Runs';
    await fake.commands.get('udpChat.start')!();
    await tick();
    assert.deepEqual(fake.executed.at(-1), ['markdown.showPreview', { path: '/ext/README.md' }]);
    // ... or, without one, the extension's page.
    fake.failing.add('markdown.showPreview');
    await fake.commands.get('udpChat.setPeer')!();
    await tick(); await tick();
    assert.deepEqual(fake.executed.at(-1), ['extension.open', 'udp-chat.udp-chat']);
    for (const s of subscriptions) s.dispose();
    assert.equal(fake.commands.size, 0, 'everything registered is disposed with the subscriptions');
  });

  it('the view shows the message as an alert, under a CSP, and its button opens the docs', async () => {
    const { fake, exports } = loadInFakeWorker();
    exports.activate({ subscriptions: [], extensionUri: { path: '/ext' } });
    let onMessage: ((m: unknown) => void) | undefined;
    const webview = { options: {}, html: '', onDidReceiveMessage(fn: (m: unknown) => void) { onMessage = fn; return { dispose() {} }; } };
    fake.views.get('udpChat.chatView')!.resolveWebviewView({ webview });
    assert.match(webview.html, /<p id="unsupported" role="alert">UDP Chat needs a desktop VS Code or a remote\/Codespaces server: browsers cannot open UDP sockets\.<\/p>/);
    assert.match(webview.html, /Content-Security-Policy" content="default-src 'none'/);
    onMessage!({ type: 'readMore' });
    await tick();
    assert.deepEqual(fake.executed.at(-1), ['markdown.showPreview', { path: '/ext/README.md' }]);
  });
});
