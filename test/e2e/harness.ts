// End-to-end helpers: a real VS Code (code-server) with this extension loaded, driven through
// Debian's Chromium. Tests run in plain Node under mocha; see scripts/testHost.mjs for the host.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, ConsoleMessage, Frame, FrameLocator, Page } from 'playwright-core';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const resultsDir = path.join(repoRoot, 'test-results');

export type ThemeKind = 'dark' | 'light' | 'highContrast' | 'highContrastLight';
/** Class VS Code puts on .monaco-workbench for each theme kind. */
const THEME_CLASS: Record<ThemeKind, string> = { dark: 'vs-dark', light: 'vs', highContrast: 'hc-black', highContrastLight: 'hc-light' };
/** Label of each theme in "Preferences: Color Theme" (the setting value is the id, THEMES in testHost.mjs). */
const THEME_LABEL: Record<ThemeKind, string> = {
  dark: 'Dark Modern', light: 'Light Modern', highContrast: 'Dark High Contrast', highContrastLight: 'Light High Contrast',
};

interface Server { url: string; port: number; logFile: string; stop(): Promise<void> }
interface TestHost {
  THEMES: Record<ThemeKind, string>;
  ensureTestHost(): Promise<string>;
  startServer(o: object): Promise<Server>;
  launchBrowser(o?: object): Promise<Browser>;
  consoleText(msg: ConsoleMessage): string;
  workbenchUrl(s: Server, o: object): string;
}
// tsc (module commonjs) would turn import() into require(), which cannot load an .mjs file.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;
let testHost: Promise<TestHost> | undefined;
export function loadTestHost(): Promise<TestHost> {
  return (testHost ??= importEsm(path.join(repoRoot, 'scripts', 'testHost.mjs')) as Promise<TestHost>);
}

export interface OpenOptions {
  /** Written to <workspace>/.vscode/settings.json before VS Code starts. */
  workspaceSettings?: Record<string, unknown>;
  /** Extra workspace files, path relative to the workspace → content. */
  files?: Record<string, string>;
  /** Colour theme, set in the user settings before start. Default: dark. */
  theme?: ThemeKind;
  /** Extra user settings (User/settings.json). */
  userSettings?: Record<string, unknown>;
  /** Extra environment for code-server and so for the extension host. */
  env?: NodeJS.ProcessEnv;
  viewport?: { width: number; height: number };
  /** Default: env UDP_CHAT_EXTENSION_PATH, else the repository root (needs dist/ built). */
  extensionDevelopmentPath?: string;
  /**
   * Workspace Trust on and the folder not trusted: the window opens in Restricted Mode (no startup
   * dialog; the banner shows). Default: trust off, as every other test runs.
   */
  untrusted?: boolean;
}

export interface VsCode {
  page: Page;
  browser: Browser;
  url: string;
  workspace: string;
  userDataDir: string;
  serverLog: string;
  /** Page console lines so far (extension-host console output arrives here too). */
  consoleLines: string[];
  /** F1, type the title as shown in the palette (with its category, e.g. "UDP Chat: End Session"), pick it. */
  runCommand(title: string, timeoutMs?: number): Promise<void>;
  /** The content frame of the extension's webview view; `index` picks among several. */
  chatFrame(index?: number): FrameLocator;
  /**
   * The chat view's document as a Playwright Frame (chatFrame is a locator into the same document):
   * for string evaluation, e.g. loading axe-core, which a script tag could not do under the view's CSP.
   */
  chatDocument(index?: number): Promise<Frame>;
  /** Waits until a webview of this extension holds `selector` (default: any element) and returns its frame. */
  waitForChatFrame(selector?: string, timeoutMs?: number): Promise<FrameLocator>;
  /** Saves test-results/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Switches the colour theme through "Preferences: Color Theme" and waits until the workbench shows it. */
  setTheme(theme: ThemeKind): Promise<void>;
  /** Stops browser and server; removes the temp dir unless UDP_CHAT_KEEP_TMP is set. */
  close(): Promise<void>;
}

const EXTENSION_ID = 'udp-chat.udp-chat';
// VS Code puts the owning extension and the purpose in every webview iframe's src.
const webviewSelector = `iframe.webview.ready[src*="extensionId=${EXTENSION_ID}"]`;

/** Types `label` into the open quick input and clicks the row whose label is exactly `label`. */
export async function pickQuickInput(page: Page, label: string, prefix = '', timeoutMs = 15_000): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ timeout: timeoutMs });
  await input.fill(`${prefix}${label}`);
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const row = page.locator('.quick-input-list .monaco-list-row', {
    has: page.locator('.label-name', { hasText: exact }),
  }).first();
  await row.waitFor({ timeout: timeoutMs });
  await row.click();
}

export async function openVsCode(opts: OpenOptions = {}): Promise<VsCode> {
  const host = await loadTestHost();
  await host.ensureTestHost();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'udp-chat-e2e-'));
  const workspace = path.join(userDataDir, 'workspace');
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  if (opts.workspaceSettings) {
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify(opts.workspaceSettings, null, 2));
  }
  for (const [rel, content] of Object.entries(opts.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
    fs.writeFileSync(path.join(workspace, rel), content);
  }
  const theme: ThemeKind = opts.theme ?? 'dark';
  const server = await host.startServer({
    // Tests never announce on the machine's real network (mDNS): only the lab's namespaces may.
    workspace, userDataDir, env: opts.env, colorTheme: theme, settings: { 'udpChat.discoverable': false, ...opts.userSettings },
    workspaceTrust: opts.untrusted ?? false,
  });
  let browser: Browser | undefined;
  try {
    browser = await host.launchBrowser();
    const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1280, height: 800 } });
    const consoleLines: string[] = [];
    page.on('console', (m) => consoleLines.push(host.consoleText(m)));
    page.on('pageerror', (e) => consoleLines.push(`[page error] ${e.message}`));
    const url = host.workbenchUrl(server, {
      workspace, extensionDevelopmentPath: opts.extensionDevelopmentPath ?? process.env.UDP_CHAT_EXTENSION_PATH ?? repoRoot,
    });
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

    const vscode: VsCode = {
      page, browser, url, workspace, userDataDir, serverLog: server.logFile, consoleLines,
      async runCommand(title, timeoutMs = 30_000) {
        // The palette lists the commands known when it opens; an extension host still starting
        // registers ours later, so reopen until the row shows up.
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          await page.keyboard.press('F1');
          try {
            await pickQuickInput(page, title, '>', Math.min(5_000, Math.max(1, deadline - Date.now())));
            return;
          } catch (e) {
            if (Date.now() >= deadline) throw e;
            await page.keyboard.press('Escape');
          }
        }
      },
      chatFrame(index = 0) {
        return page.locator(webviewSelector).nth(index).contentFrame().locator('#active-frame').contentFrame();
      },
      async chatDocument(index = 0) {
        const handle = await page.locator(webviewSelector).nth(index).contentFrame().locator('#active-frame').elementHandle({ timeout: 10_000 });
        const frame = await handle.contentFrame();
        if (!frame) throw new Error('the chat webview has no document');
        return frame;
      },
      async waitForChatFrame(selector = 'body *', timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
          const n = await page.locator(webviewSelector).count();
          for (let i = 0; i < n; i++) {
            const frame = vscode.chatFrame(i);
            if (await frame.locator(selector).count().catch(() => 0)) return frame;
          }
          await page.waitForTimeout(250);
        }
        throw new Error(`no webview of ${EXTENSION_ID} holding "${selector}" within ${timeoutMs} ms`);
      },
      async screenshot(name) {
        fs.mkdirSync(resultsDir, { recursive: true });
        const file = path.join(resultsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      async setTheme(next) {
        // Through the real UI: the server does not notice edits to User/settings.json made behind its back.
        await vscode.runCommand('Preferences: Color Theme');
        await pickQuickInput(page, THEME_LABEL[next]);
        await page.locator(`.monaco-workbench.${THEME_CLASS[next]}`).waitFor({ timeout: 15_000 });
      },
      async close() {
        await browser?.close().catch(() => {});
        await server.stop();
        // Keep the server log and workspace when asked (UDP_CHAT_KEEP_TMP=1) for a failure post-mortem.
        if (!process.env.UDP_CHAT_KEEP_TMP) fs.rmSync(userDataDir, { recursive: true, force: true });
      },
    };
    return vscode;
  } catch (e) {
    await browser?.close().catch(() => {});
    await server.stop();
    throw e;
  }
}
