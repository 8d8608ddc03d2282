// The unit layer runs under plain Node, where the 'vscode' module does not exist. Host modules that
// the unit tests load (lanChats.ts, viewStrings.ts) only need `vscode.l10n.t`: this registers a
// 'vscode' module with it, formatting as VS Code does for its default language (the English source
// with {name} / {0} filled in; a placeholder without a value stays). Import it before those modules.
// `useTranslation` swaps in another language for a test (pseudo-localisation).
import Module = require('node:module');

type Args = Record<string, unknown>;
type Translate = (message: string) => string;

let translate: Translate = (m) => m;

/** Every l10n.t from now on goes through `fn` (undefined: back to English). */
export function useTranslation(fn: Translate | undefined): void {
  translate = fn ?? ((m) => m);
}

export function format(template: string, args: Args): string {
  if (Object.keys(args).length === 0) return template;
  return template.replace(/\{([^}]+)\}/g, (whole, name: string) => (args[name] === undefined ? whole : String(args[name])));
}

function t(...params: unknown[]): string {
  const [first, ...rest] = params;
  if (typeof first === 'object' && first !== null) {
    const d = first as { message: string; args?: unknown[] | Args };
    const args = Array.isArray(d.args) ? Object.fromEntries(d.args.map((v, i) => [String(i), v])) : (d.args ?? {});
    return format(translate(d.message), args);
  }
  const message = String(first);
  const args = rest.length === 1 && typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as Args) : Object.fromEntries(rest.map((v, i) => [String(i), v]));
  return format(translate(message), args);
}

export const vscodeStub = { l10n: { t, bundle: undefined, uri: undefined } };

const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
const load = loader._load;
loader._load = function (request: string, parent: unknown, isMain: boolean): unknown {
  if (request === 'vscode') return vscodeStub;
  return load.call(this, request, parent, isMain);
};
