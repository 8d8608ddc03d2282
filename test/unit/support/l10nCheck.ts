// Finds user-facing words that bypass localisation, by reading the TypeScript syntax tree.
// Host (src/host/**, src/extension.ts): a string or template literal with words that reaches a
// notification (show*Message, the Notifications `show`, a chat notice), an input box or quick pick
// (title, prompt, placeHolder, validateInput's answer, items' label/description/detail), the status
// bar (text, tooltip, name, accessibility label), a TreeItem or MarkdownString, an error thrown, or a
// roster/header/entry field the view shows, without going through vscode.l10n.t.
// Webview (src/webview/**): a literal with words put into the DOM (textContent, innerText, title,
// placeholder, aria-label and kin, text nodes through append/el/button/…) or into the view models'
// text fields, instead of coming from the host's table (strings.ts: s / f / plural / nodes).
// "Words": two or more Latin letters once codicon references $(name) and {placeholders} are removed;
// punctuation such as ', ' or ' · ' is not flagged. A literal that never reaches the user (an internal
// error that is caught and logged) is let through by `l10n-ignore` in a comment on its line or the line above.
import * as ts from 'typescript';

export interface Finding { file: string; line: number; rule: string; text: string }

const WORDS = /[A-Za-z]{2,}/;
const LEVELS = new Set(['info', 'warning', 'error']);

export function hasWords(text: string): boolean {
  return WORDS.test(text.replace(/\$\([\w-]+\)/g, '').replace(/\{\w+\}/g, ''));
}

function calleeName(call: ts.CallExpression | ts.NewExpression): string {
  const e = call.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return '';
}

/** vscode.l10n.t(…) / l10n.t(…) (host) or the table's s / f / plural / nodes (webview). */
function isTranslated(call: ts.CallExpression, webview: boolean): boolean {
  const text = call.expression.getText();
  if (/(^|\.)l10n\.t$/.test(text)) return true;
  return webview && ['s', 'f', 'plural', 'nodes'].includes(text);
}

/** The literals with words in `expr` that would reach the user as they are. */
function untranslated(expr: ts.Expression | undefined, webview: boolean): ts.Node[] {
  if (!expr) return [];
  if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return hasWords(expr.text) ? [expr] : [];
  if (ts.isTemplateExpression(expr)) {
    const statics = [expr.head.text, ...expr.templateSpans.map((s) => s.literal.text)].join(' ');
    const inner = expr.templateSpans.flatMap((s) => untranslated(s.expression, webview));
    return hasWords(statics) ? [expr, ...inner] : inner;
  }
  if (ts.isConditionalExpression(expr)) return [...untranslated(expr.whenTrue, webview), ...untranslated(expr.whenFalse, webview)];
  if (ts.isBinaryExpression(expr)) return [...untranslated(expr.left, webview), ...untranslated(expr.right, webview)];
  if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isNonNullExpression(expr)) return untranslated(expr.expression, webview);
  if (ts.isArrayLiteralExpression(expr)) return expr.elements.flatMap((e) => (ts.isSpreadElement(e) ? untranslated(e.expression, webview) : untranslated(e, webview)));
  if (ts.isCallExpression(expr)) {
    if (isTranslated(expr, webview)) return [];
    // `'text'.trim()`, `` `…`.replace(…) ``: the receiver is what is shown.
    return ts.isPropertyAccessExpression(expr.expression) ? untranslated(expr.expression.expression, webview) : [];
  }
  return [];
}

/** Answers of a validateInput function (its returned literals). */
function returned(fn: ts.Expression, webview: boolean): ts.Node[] {
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return [];
  if (ts.isArrowFunction(fn) && !ts.isBlock(fn.body)) return untranslated(fn.body, webview);
  const out: ts.Node[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n)) out.push(...untranslated(n.expression, webview));
    else if (!ts.isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn.body, visit);
  return out;
}

const HOST_PROPS = new Set(['title', 'prompt', 'placeHolder', 'placeholder', 'label', 'description', 'detail', 'tooltip', 'text', 'name', 'peerName', 'members', 'message', 'problem']);
const HOST_ASSIGN = new Set(['text', 'tooltip', 'name', 'title', 'description', 'detail', 'label', 'message', 'placeholder', 'prompt']);
const HOST_SHOW = new Set(['showInformationMessage', 'showWarningMessage', 'showErrorMessage', 'setStatusBarMessage']);
/** The project's ways to tell the user: Notifications.show, a chat notice, a conversation note. */
const HOST_TELL = new Set(['show', 'notice', 'say', 'note']);
const THROWN = new Set(['Error', 'TypeError', 'RangeError', 'TreeItem', 'MarkdownString']);

const VIEW_PROPS = new Set(['textContent', 'innerText', 'innerHTML', 'outerHTML', 'title', 'placeholder', 'alt', 'ariaLabel', 'ariaDescription', 'ariaRoleDescription', 'ariaValueText']);
const VIEW_ATTRS = new Set(['aria-label', 'aria-description', 'aria-roledescription', 'aria-valuetext', 'aria-placeholder', 'title', 'placeholder', 'alt']);
/** The view's helpers that put text into the DOM, and which of their arguments is text. */
const VIEW_TEXT_ARGS: Record<string, number[]> = {
  el: [2], button: [0], setButtonLabel: [1], iconButton: [0], section: [0, 2], announce: [0], createTextNode: [0], hidden: [0],
  append: [-1], prepend: [-1], replaceChildren: [-1], after: [-1], before: [-1], replaceWith: [-1], push: [-1], unshift: [-1],
};
/** The view models' fields that are shown (texts.ts Look, ComposerMode, roster.ts RosterRow/RosterModel). */
const VIEW_MODEL_PROPS = new Set(['text', 'label', 'placeholder', 'hint', 'title', 'summary', 'tooltip', 'detail', 'iconText', 'unreadText', 'name']);

export function checkSource(file: string, code: string, side: 'host' | 'webview'): Finding[] {
  const webview = side === 'webview';
  const sf = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const findings: Finding[] = [];
  const flag = (nodes: ts.Node[], rule: string): void => {
    for (const n of nodes) {
      const line = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const near = sf.text.split('\n').slice(Math.max(0, line - 1), line + 1).join('\n');
      if (/\/\/.*l10n-ignore/.test(near)) continue;
      findings.push({ file, line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1, rule, text: n.getText(sf).slice(0, 120) });
    }
  };
  const args = (call: ts.CallExpression | ts.NewExpression, which: number[]): ts.Expression[] => {
    const all = [...(call.arguments ?? [])];
    return which.includes(-1) ? all : which.map((i) => all[i]).filter((a): a is ts.Expression => a !== undefined);
  };

  const visit = (node: ts.Node): void => {
    // Inside vscode.l10n.t(…) everything is a source string (its object form too).
    if (ts.isCallExpression(node) && isTranslated(node, webview)) return;
    if (ts.isCallExpression(node)) {
      const name = calleeName(node);
      if (!webview) {
        if (HOST_SHOW.has(name)) flag(args(node, [-1]).flatMap((a) => untranslated(a, false)), name);
        else if (HOST_TELL.has(name)) {
          flag(args(node, [-1]).filter((a) => !(ts.isStringLiteral(a) && LEVELS.has(a.text))).flatMap((a) => untranslated(a, false)), name);
        }
      } else if (Object.prototype.hasOwnProperty.call(VIEW_TEXT_ARGS, name)) {
        flag(args(node, VIEW_TEXT_ARGS[name]!).flatMap((a) => untranslated(a, true)), name);
      } else if (name === 'setAttribute') {
        const [attr, value] = node.arguments;
        if (attr && ts.isStringLiteral(attr) && VIEW_ATTRS.has(attr.text)) flag(untranslated(value, true), `setAttribute('${attr.text}')`);
      }
    }
    if (!webview && ts.isNewExpression(node) && THROWN.has(calleeName(node))) flag(args(node, [0]).flatMap((a) => untranslated(a, false)), `new ${calleeName(node)}`);
    if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name))) {
      const prop = node.name.text;
      if (!webview && prop === 'validateInput') flag(returned(node.initializer, false), 'validateInput');
      else if ((webview ? VIEW_MODEL_PROPS : HOST_PROPS).has(prop)) flag(untranslated(node.initializer, webview), `${prop}:`);
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left)) {
      const prop = node.left.name.text;
      if ((webview ? VIEW_PROPS : HOST_ASSIGN).has(prop)) flag(untranslated(node.right, webview), `.${prop} =`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return findings;
}

export function describeFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.file}:${f.line}: ${f.rule} ${f.text}`).join('\n');
}
