// The manifest's user-facing strings are translatable: every one in package.json is a %key% that
// package.nls.json defines, and package.nls.json holds no key that package.json does not use.
// (The runtime strings of the host and the webview have their own check.)
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const readJson = (f: string) => JSON.parse(readFileSync(join(root, f), 'utf8'));

/** Property names whose values VS Code shows to the user, wherever they appear under `contributes`. */
const USER_FACING = new Set([
  'title', 'shortTitle', 'category', 'description', 'markdownDescription', 'enumDescriptions', 'markdownEnumDescriptions',
  'enumItemLabels', 'patternErrorMessage', 'deprecationMessage', 'markdownDeprecationMessage', 'contextualTitle', 'contents',
  'altText', 'label', 'tooltip', 'displayName',
]);
/** Under these containers `name` is shown too (a view's name, a walkthrough step's…). */
const NAME_SHOWN_UNDER = ['contributes.views.', 'contributes.viewsContainers.'];
/** Properties that look user-facing but are not: a setting's `title` inside a JSON schema default, ids, commands. */
const NOT_USER_FACING_PATHS = [/\.default(\.|$)/, /^contributes\.jsonValidation/];

interface Found { path: string; value: unknown }

/** Every user-facing string (or string array) in the manifest, with its JSON path. */
function userFacingStrings(pkg: Record<string, unknown>): Found[] {
  const found: Found[] = [
    { path: 'displayName', value: pkg.displayName },
    { path: 'description', value: pkg.description },
  ];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) { node.forEach((n, i) => walk(n, `${path}[${i}]`)); return; }
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      const p = `${path}.${k}`;
      if (NOT_USER_FACING_PATHS.some((re) => re.test(p))) continue;
      // A configuration property's key is an id; its object is walked.
      const shownName = k === 'name' && NAME_SHOWN_UNDER.some((c) => p.startsWith(c));
      if ((USER_FACING.has(k) || shownName) && (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')))) {
        found.push({ path: p, value: v });
      } else {
        walk(v, p);
      }
    }
  };
  walk(pkg.contributes, 'contributes');
  return found;
}

const KEY = /^%([^%\s]+)%$/;

describe('manifest l10n: package.json strings go through package.nls.json', () => {
  const pkg = readJson('package.json');
  const nls: Record<string, string> = readJson('package.nls.json');
  const strings = userFacingStrings(pkg);
  const flat = strings.flatMap(({ path, value }) => (Array.isArray(value) ? value.map((v, i) => ({ path: `${path}[${i}]`, value: v as string })) : [{ path, value: value as string }]));

  it('finds the strings it checks (commands, settings, views, the walkthrough)', () => {
    const paths = flat.map((f) => f.path);
    for (const needle of ['displayName', 'contributes.commands[0].title', 'contributes.configuration.title', 'contributes.views.udpChat[0].name', 'contributes.walkthroughs[0].steps[0].description']) {
      assert.ok(paths.includes(needle), `${needle} was not among the strings found: the walk misses part of the manifest`);
    }
    assert.ok(paths.some((p) => /markdownEnumDescriptions\[1\]$/.test(p)), 'enum descriptions are checked');
    assert.ok(flat.length >= 40, `only ${flat.length} strings found`);
  });

  it('every user-facing string is a %key% that package.nls.json defines, not empty', () => {
    const literal = flat.filter((f) => !KEY.test(f.value));
    assert.deepEqual(literal.map((f) => `${f.path}: ${JSON.stringify(f.value)}`), [], 'strings written in package.json instead of package.nls.json');
    const missing = flat.filter((f) => !(KEY.exec(f.value)![1] in nls));
    assert.deepEqual(missing.map((f) => `${f.path}: ${f.value}`), [], 'keys missing from package.nls.json');
    const empty = Object.entries(nls).filter(([, v]) => typeof v !== 'string' || v.trim() === '');
    assert.deepEqual(empty, [], 'empty translations');
  });

  it('package.nls.json has no key that package.json does not use', () => {
    const raw = readFileSync(join(root, 'package.json'), 'utf8');
    const used = new Set([...raw.matchAll(/"%([^%"\s]+)%"/g)].map((m) => m[1]));
    assert.deepEqual(Object.keys(nls).filter((k) => !used.has(k)), [], 'unused keys in package.nls.json');
  });

  it('each translation (package.nls.<lang>.json) has only keys of package.nls.json', () => {
    for (const f of readdirSync(root).filter((n) => /^package\.nls\.[\w-]+\.json$/.test(n))) {
      const extra = Object.keys(readJson(f)).filter((k) => !(k in nls));
      assert.deepEqual(extra, [], `${f} has keys package.nls.json does not`);
    }
  });

  it('a command link in a translated text names a command the manifest contributes or VS Code has', () => {
    const ours = new Set((pkg.contributes.commands as Array<{ command: string }>).map((c) => c.command));
    const views = (Object.values(pkg.contributes.views) as Array<Array<{ id: string }>>).flat().map((v) => `${v.id}.focus`);
    const bad: string[] = [];
    for (const [k, v] of Object.entries(nls)) {
      for (const m of v.matchAll(/\(command:([\w.]+)\)/g)) if (!ours.has(m[1]) && !views.includes(m[1])) bad.push(`${k}: ${m[1]}`);
    }
    assert.deepEqual(bad, []);
  });
});
