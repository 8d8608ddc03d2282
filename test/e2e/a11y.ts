// Accessibility checks on the chat view: text contrast of every kind of text, axe-core, and the
// icons (codicons from the shipped font, never emoji). Browser-side code only collects; the
// judging happens here in Node (contrast.ts), so failure messages can be specific.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, FrameLocator } from 'playwright-core';
import type { HostToWebview } from '../../src/shared/protocol';
import { textContrast } from './contrast';
import { repoRoot } from './harness';

/** Hands the view a host→webview message as if the extension had posted it (the view does not care who posts). */
export async function asIfFromHost(frame: FrameLocator, msg: HostToWebview): Promise<void> {
  await frame.locator('body').evaluate((_body, m) => {
    window.dispatchEvent(new MessageEvent('message', { data: m }));
  }, msg);
}

// ---- contrast ----

export interface TextSample {
  /** What kind of text this is, e.g. "own status failed", "notice-warning text", "header address". */
  kind: string;
  text: string;
  color: string;
  /** Background colors from the text's element outwards, up to the first opaque one. */
  backgrounds: string[];
}

/** Every visible text in the view (and the message box), with its color and what is behind it. */
export function collectTexts(frame: FrameLocator): Promise<TextSample[]> {
  return frame.locator('body').evaluate((body) => {
    const opaque = (c: string) => {
      const m = c.match(/[\d.]+/g) ?? [];
      return m.length >= 3 && (m.length < 4 || Number(m[3]) >= 1);
    };
    const backgroundsOf = (el: Element) => {
      const out: string[] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const bg = getComputedStyle(e).backgroundColor;
        out.push(bg);
        if (opaque(bg)) break;
      }
      return out;
    };
    const partOf = (el: Element): string => {
      const status = el.closest<HTMLElement>('.status');
      if (status) return el.closest('button') ? 'retry' : `status ${status.dataset.status}`;
      const b = el.closest('button');
      if (b) return `button ${b.classList[0] ?? ''}`;
      if (el.closest('a.md-link')) return 'link';
      if (el.closest('code.md-code')) return 'inline code';
      if (el.closest('.code-scroll')) return 'code';
      if (el.closest('.codeblock-header')) return 'code header';
      if (el.closest('.meta')) return 'meta';
      if (el.closest('.text')) return 'text';
      return 'other';
    };
    const headerPart = (el: Element): string => {
      for (const [sel, name] of [
        ['button', 'button'], ['.fingerprint', 'fingerprint'], ['.plain-peer', 'plain-peer'], ['.key-change', 'key-change'], ['.encryption', 'encryption'],
        ['.address', 'address'], ['.local-address', 'address label'], ['.session-state', 'state'], ['.presence', 'presence'], ['.peer', 'peer'],
      ] as const) if (el.closest(sel)) return name;
      return 'other';
    };
    const kindOf = (el: Element): string => {
      const entry = el.closest<HTMLElement>('.entry');
      if (entry) {
        const kind = entry.dataset.kind === 'notice' ? `notice-${entry.dataset.level}` : entry.dataset.kind;
        return `${kind} ${partOf(el)}`;
      }
      if (el.closest('.chat-header')) return `header ${headerPart(el)}`;
      if (el.closest('.empty-state')) return 'empty state';
      if (el.closest('.composer')) return el.closest('button') ? 'composer button' : el.closest('.composer-hint') ? 'composer hint' : 'composer other';
      return 'other';
    };
    const samples: Array<{ kind: string; text: string; color: string; backgrounds: string[] }> = [];
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = (n.textContent ?? '').trim();
      const el = n.parentElement;
      if (!text || !el || el.closest('script, style, .visually-hidden, [hidden], [aria-hidden="true"]')) continue;
      if (el.getClientRects().length === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      // Disabled controls are exempt from the contrast rule (WCAG 1.4.3), as axe treats them.
      if (el.closest(':disabled')) continue;
      samples.push({ kind: kindOf(el), text: text.slice(0, 50), color: getComputedStyle(el).color, backgrounds: backgroundsOf(el) });
    }
    const input = document.querySelector('textarea.message-input');
    if (input && !(input as HTMLTextAreaElement).disabled) {
      samples.push({ kind: 'composer input', text: '(message box)', color: getComputedStyle(input).color, backgrounds: backgroundsOf(input) });
    }
    return samples;
  });
}

export interface KindContrast { kind: string; min: number; worst: TextSample; count: number }

/** The lowest contrast of each kind of text. */
export function contrastByKind(samples: readonly TextSample[]): KindContrast[] {
  const byKind = new Map<string, KindContrast>();
  for (const s of samples) {
    const ratio = textContrast(s.color, s.backgrounds);
    const k = byKind.get(s.kind);
    if (!k) byKind.set(s.kind, { kind: s.kind, min: ratio, worst: s, count: 1 });
    else {
      k.count++;
      if (ratio < k.min) Object.assign(k, { min: ratio, worst: s });
    }
  }
  return [...byKind.values()].sort((a, b) => a.min - b.min);
}

export function describeContrast(k: KindContrast): string {
  return `${k.kind} ${k.min.toFixed(2)}:1 (${JSON.stringify(k.worst.text)}: ${k.worst.color} on ${k.worst.backgrounds.join(' < ')})`;
}

// ---- axe-core ----

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: string[]; html: string; failureSummary?: string }>;
}
export interface AxeOutcome { violations: AxeFinding[]; incomplete: AxeFinding[]; passes: string[] }

const axeSource = (() => {
  let source: string | undefined;
  return () => (source ??= fs.readFileSync(path.join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
})();

/**
 * Runs axe-core in the chat view's document. The view's CSP allows no foreign script tag, so the
 * library is evaluated through the DevTools protocol into the page's own world.
 */
export async function runAxe(doc: Frame, runOnly: { type: 'tag' | 'rule'; values: string[] }): Promise<AxeOutcome> {
  if ((await doc.evaluate('typeof window.axe')) !== 'object') await doc.evaluate(axeSource());
  return doc.evaluate(async (only) => {
    type Result = { id: string; impact: string | null; help: string; helpUrl: string; nodes: Array<{ target: unknown[]; html: string; failureSummary?: string }> };
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Result[]; incomplete: Result[]; passes: Result[] }> } }).axe;
    const r = await axe.run(document, { runOnly: only, resultTypes: ['violations', 'incomplete'] });
    const slim = (list: Result[]) => list.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String), html: n.html.slice(0, 160), failureSummary: n.failureSummary })),
    }));
    return { violations: slim(r.violations), incomplete: slim(r.incomplete), passes: r.passes.map((p) => p.id) };
  }, runOnly);
}

export function formatAxe(findings: readonly AxeFinding[]): string {
  return findings.map((v) => [
    `  ${v.id} (${v.impact ?? 'n/a'}): ${v.help}  ${v.helpUrl}`,
    ...v.nodes.slice(0, 6).map((n) => `    at ${n.target.join(' ')}: ${n.html}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`),
    ...(v.nodes.length > 6 ? [`    … and ${v.nodes.length - 6} more`] : []),
  ].join('\n')).join('\n');
}

// ---- icons ----

export interface IconReport {
  /** A FontFace named codicon reached status "loaded". */
  fontLoaded: boolean;
  /** A codicon glyph drawn with the codicon font differs from the same code point in a fallback font. */
  glyphDrawn: boolean;
  icons: Array<{ where: string; classes: string; ariaHidden: string | null; text: string; before: string; fontFamily: string; width: number }>;
  /** Generated content (::before/::after) anywhere that is not a codicon glyph. */
  otherGenerated: string[];
  /** Chrome text (header, statuses, meta, buttons, guidance) with emoji or pictographic symbols. */
  pictographs: string[];
}

export function inspectIcons(frame: FrameLocator): Promise<IconReport> {
  return frame.locator('body').evaluate(async () => {
    await document.fonts.ready;
    let fontLoaded = false;
    document.fonts.forEach((f) => { if (f.family.replace(/["']/g, '') === 'codicon' && f.status === 'loaded') fontLoaded = true; });
    // Draw the check glyph in codicon and in a fallback font: identical pixels mean the font never loaded.
    const draw = (font: string, ch: string) => {
      const c = document.createElement('canvas');
      c.width = 32;
      c.height = 32;
      const ctx = c.getContext('2d')!;
      ctx.font = font;
      ctx.fillText(ch, 4, 24);
      return Array.from(ctx.getImageData(0, 0, 32, 32).data).join(',');
    };
    const sample = document.querySelector('.codicon');
    const glyph = sample ? getComputedStyle(sample, '::before').content.replace(/^["']|["']$/g, '') : '';
    const glyphDrawn = !!glyph && draw('16px codicon', glyph) !== draw('16px monospace', glyph);
    const icons = Array.from(document.querySelectorAll<HTMLElement>('.codicon')).filter((e) => e.getClientRects().length > 0).map((e) => {
      const before = getComputedStyle(e, '::before');
      return {
        where: (e.closest('[class]:not(.codicon)')?.className ?? '').split(' ')[0] ?? '',
        classes: e.className,
        ariaHidden: e.getAttribute('aria-hidden'),
        text: e.textContent ?? '',
        before: before.content,
        fontFamily: before.fontFamily,
        width: e.getBoundingClientRect().width,
      };
    });
    const pua = (s: string) => /^["']?[\uE000-\uF8FF]["']?$/.test(s);
    const otherGenerated: string[] = [];
    for (const e of Array.from(document.querySelectorAll('body *'))) {
      for (const pseudo of ['::before', '::after']) {
        const content = getComputedStyle(e, pseudo).content;
        if (content === 'none' || content === 'normal' || content === '""' || content === "''") continue;
        if (e.classList.contains('codicon') && pseudo === '::before' && pua(content)) continue;
        otherGenerated.push(`${e.tagName.toLowerCase()}.${e.className}${pseudo} ${content}`);
      }
    }
    const chrome = Array.from(document.querySelectorAll('.chat-header, .status, .meta, button, .empty-state, .composer-hint, .codeblock-header'));
    const pictographic = /[\p{Extended_Pictographic}\u2190-\u21FF\u2200-\u23FF\u2460-\u24FF\u25A0-\u27BF\u2900-\u2BFF\uFE0F]/u;
    const pictographs = chrome.map((e) => e.textContent ?? '').filter((t) => pictographic.test(t)).map((t) => t.trim().slice(0, 60));
    return { fontLoaded, glyphDrawn, icons, otherGenerated, pictographs };
  });
}
