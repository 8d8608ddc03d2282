// The view's words come from the host (src/host/viewStrings.ts, translated there with
// vscode.l10n.t) in a table in the page (src/shared/viewStrings.ts): this bundle holds no English.
// `s` looks a word up, `f` fills in its {placeholders}, `nodes` fills them with DOM nodes (a peer's
// name inside <bdi>) keeping the translated word order. A key the table lacks shows as the key
// itself (a bug to notice, never silently English).
import type { ViewStringKey, ViewStrings } from '../shared/viewStrings';
import { VIEW_STRINGS_ELEMENT_ID } from '../shared/viewStrings';

let table: Partial<Record<ViewStringKey, string>> = {};

/** Uses `strings` from now on; entries that are not strings are left out. */
export function setViewStrings(strings: unknown): void {
  const next: Partial<Record<ViewStringKey, string>> = {};
  if (typeof strings === 'object' && strings !== null) {
    for (const [k, v] of Object.entries(strings)) if (typeof v === 'string') next[k as ViewStringKey] = v;
  }
  table = next;
}

/** The table the host put in the page (a JSON script element), or undefined when there is none. */
export function readViewStrings(doc: Pick<Document, 'getElementById'>): Partial<ViewStrings> | undefined {
  const text = doc.getElementById(VIEW_STRINGS_ELEMENT_ID)?.textContent;
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Partial<ViewStrings>) : undefined;
  } catch {
    return undefined;
  }
}

export function s(key: ViewStringKey): string {
  return table[key] ?? key;
}

const PLACEHOLDER = /\{(\w+)\}/g;

/** The word with its {placeholders} filled in; one without a value stays as written. */
export function f(key: ViewStringKey, args: Readonly<Record<string, string | number>>): string {
  return s(key).replace(PLACEHOLDER, (whole, name: string) => (Object.prototype.hasOwnProperty.call(args, name) ? String(args[name]) : whole));
}

/** A count's word: `one` for 1, else `many`, with {count} filled in. */
export function plural(n: number, one: ViewStringKey, many: ViewStringKey, args: Readonly<Record<string, string | number>> = {}): string {
  return f(n === 1 ? one : many, { ...args, count: n });
}

/** The word split at its placeholders, each filled with its node or text: for append/replaceChildren. */
export function nodes<N>(key: ViewStringKey, args: Readonly<Record<string, string | N>>): (string | N)[] {
  const out: (string | N)[] = [];
  const template = s(key);
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (!Object.prototype.hasOwnProperty.call(args, name)) continue;
    if (m.index! > last) out.push(template.slice(last, m.index));
    out.push(args[name]!);
    last = m.index! + m[0].length;
  }
  if (last < template.length) out.push(template.slice(last));
  return out;
}
