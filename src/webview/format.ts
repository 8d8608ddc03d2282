// Safe light markdown for chat text. `tokenize` is pure (no DOM) so it runs under plain Node;
// `render` builds nodes with createElement/textContent only: peer text never reaches an HTML parser.

export type Token =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'codeblock'; language: string; text: string }
  | { type: 'bold'; children: Token[] }
  | { type: 'italic'; children: Token[] }
  | { type: 'link'; url: string; label: string };

/** Emphasis nests at most this deep; deeper markers stay literal text. */
export const MAX_NESTING = 2;

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** Only http, https and mailto are links; javascript:, data:, vscode:, file: … are not. */
export function isSafeUrl(url: string): boolean {
  // Control characters and whitespace are never part of a link we offer.
  if (url.length === 0 || url.length > 2048 || /[\s\u0000-\u001f\u007f-\u009f]/.test(url)) return false;
  if (!/^(https?:\/\/|mailto:)/i.test(url)) return false;
  try {
    const parsed = new URL(url);
    if (!SAFE_PROTOCOLS.has(parsed.protocol)) return false;
    return parsed.protocol === 'mailto:' || parsed.hostname.length > 0;
  } catch {
    return false;
  }
}

/** Splits ``` fences out first, then tokenizes the rest inline. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const open = findFenceOpen(text, pos);
    if (open < 0) break;
    const headerEnd = text.indexOf('\n', open + 3);
    const language = headerEnd < 0 ? '' : text.slice(open + 3, headerEnd).trim();
    const close = headerEnd < 0 ? -1 : text.indexOf('```', headerEnd + 1);
    // An unclosed fence, or one whose info string is not a plain language name, stays literal.
    if (close < 0 || !/^[\w+#.-]{0,32}$/.test(language)) {
      pushInline(out, text.slice(pos, open + 3), 0);
      pos = open + 3;
      continue;
    }
    pushInline(out, text.slice(pos, open), 0);
    let body = text.slice(headerEnd + 1, close);
    if (body.endsWith('\n')) body = body.slice(0, -1);
    out.push({ type: 'codeblock', language, text: body });
    pos = close + 3;
    if (text[pos] === '\n') pos++;
  }
  pushInline(out, text.slice(pos), 0);
  return out;
}

function findFenceOpen(text: string, from: number): number {
  let i = text.indexOf('```', from);
  // A fence opens at the start of a line.
  while (i > 0 && text[i - 1] !== '\n') i = text.indexOf('```', i + 3);
  return i;
}

function pushInline(out: Token[], text: string, depth: number): void {
  for (const t of tokenizeInline(text, depth)) pushToken(out, t);
}

function pushToken(out: Token[], t: Token): void {
  const last = out[out.length - 1];
  if (t.type === 'text') {
    if (t.text.length === 0) return;
    if (last?.type === 'text') {
      last.text += t.text;
      return;
    }
  }
  out.push(t);
}

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}_]/u.test(c);
const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

/** Inline constructs. Each opener looks only at the next occurrence of its marker, so the scan stays linear per level. */
export function tokenizeInline(text: string, depth = 0): Token[] {
  const out: Token[] = [];
  let plainStart = 0;
  let i = 0;
  const flush = (end: number): void => {
    if (end > plainStart) pushToken(out, { type: 'text', text: text.slice(plainStart, end) });
  };
  while (i < text.length) {
    const c = text[i];
    let token: Token | undefined;
    let next = i;

    if (c === '`') {
      const close = text.indexOf('`', i + 1);
      if (close > i + 1) {
        token = { type: 'code', text: text.slice(i + 1, close) };
        next = close + 1;
      }
    } else if (c === '*' && text[i + 1] === '*') {
      if (depth < MAX_NESTING && !isSpace(text[i + 2])) {
        const close = findCloser(text, '**', i + 2);
        if (close > i + 2) {
          token = { type: 'bold', children: tokenizeInline(text.slice(i + 2, close), depth + 1) };
          next = close + 2;
        }
      }
      if (!token) {
        // Both stars are literal: a lone '**' must not become two italic markers.
        flush(i);
        pushToken(out, { type: 'text', text: '**' });
        i += 2;
        plainStart = i;
        continue;
      }
    } else if (c === '*' || (c === '_' && !isWordChar(text[i - 1]))) {
      if (depth < MAX_NESTING && !isSpace(text[i + 1])) {
        const close = findCloser(text, c, i + 1);
        if (close > i + 1) {
          token = { type: 'italic', children: tokenizeInline(text.slice(i + 1, close), depth + 1) };
          next = close + 1;
        }
      }
    } else if (c === '[') {
      const m = /^\[([^\[\]\n]{1,500})\]\(([^()\s]{1,2048})\)/.exec(text.slice(i, i + 2600));
      if (m) {
        const [whole, label, url] = m as unknown as [string, string, string];
        // Unsafe targets (javascript:, data:, …) render as the literal source text.
        token = isSafeUrl(url) ? { type: 'link', url, label } : { type: 'text', text: whole };
        next = i + whole.length;
      }
    } else if ((c === 'h' || c === 'H') && !isWordChar(text[i - 1])) {
      const m = /^https?:\/\/[^\s<>"'`]+/i.exec(text.slice(i, i + 2100));
      if (m) {
        const url = trimUrl(m[0]);
        if (isSafeUrl(url)) {
          token = { type: 'link', url, label: url };
          next = i + url.length;
        }
      }
    }

    if (token) {
      flush(i);
      pushToken(out, token);
      i = next;
      plainStart = i;
    } else {
      i++;
    }
  }
  flush(text.length);
  return out;
}

/** Looks at most this many marker occurrences for a closer, which keeps hostile input linear. */
const MAX_CLOSER_CANDIDATES = 32;

/** Index of the first valid closing `marker` at or after `from`, or -1. */
function findCloser(text: string, marker: '**' | '*' | '_', from: number): number {
  let j = text.indexOf(marker, from);
  for (let n = 0; j >= 0 && n < MAX_CLOSER_CANDIDATES; n++) {
    const before = text[j - 1];
    const after = text[j + marker.length];
    if (marker === '*' && (after === '*' || before === '*')) {
      // Part of a `**` pair: that is bold inside this italic, not its end.
      j = text.indexOf(marker, after === '*' ? j + 2 : j + 1);
      continue;
    }
    // A closer follows non-space; `_` inside snake_case never closes.
    if (!isSpace(before) && !(marker === '_' && isWordChar(after))) return j;
    j = text.indexOf(marker, j + marker.length);
  }
  return -1;
}

/** Sentence punctuation after a bare URL is not part of it; a ')' is kept only when balanced. */
function trimUrl(url: string): string {
  let u = url;
  for (;;) {
    const last = u[u.length - 1];
    if (last !== undefined && '.,;:!?*_'.includes(last)) {
      u = u.slice(0, -1);
    } else if (last === ')' && count(u, '(') < count(u, ')')) {
      u = u.slice(0, -1);
    } else {
      return u;
    }
  }
}

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

/** The subset of Document that render needs; lets tests pass a fake. */
export interface DomFactory {
  createElement(tag: string): HTMLElement;
  createTextNode(text: string): Text;
  createDocumentFragment(): DocumentFragment;
}

/** Builds DOM from tokens. Links are <a href="#" data-url>: the caller intercepts clicks and asks the host. */
export function render(tokens: readonly Token[], doc: DomFactory = document): DocumentFragment {
  const frag = doc.createDocumentFragment();
  for (const t of tokens) frag.appendChild(renderToken(t, doc));
  return frag;
}

function renderToken(t: Token, doc: DomFactory): Node {
  switch (t.type) {
    case 'text':
      return doc.createTextNode(t.text);
    case 'code': {
      const el = doc.createElement('code');
      el.className = 'md-code';
      el.textContent = t.text;
      return el;
    }
    case 'codeblock': {
      const pre = doc.createElement('pre');
      pre.className = 'md-codeblock';
      const code = doc.createElement('code');
      if (t.language) code.dataset.language = t.language;
      code.textContent = t.text;
      pre.appendChild(code);
      return pre;
    }
    case 'bold':
    case 'italic': {
      const el = doc.createElement(t.type === 'bold' ? 'strong' : 'em');
      for (const child of t.children) el.appendChild(renderToken(child, doc));
      return el;
    }
    case 'link': {
      const a = doc.createElement('a');
      a.className = 'md-link';
      a.setAttribute('href', '#');
      a.dataset.url = t.url;
      a.title = t.url;
      a.textContent = t.label;
      return a;
    }
  }
}
