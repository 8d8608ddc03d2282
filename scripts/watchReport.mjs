// What `npm run watch` (scripts/build.mjs --watch) prints, for people and for the problem matcher of
// the "watch" task in .vscode/tasks.json: a begin line, one line per error or warning, an end line.
//   [watch] build started
//   src/extension.ts:12:5: error: Expected ";" but found "x"
//   [watch] build finished (1 error, 0 warnings)
// Every bundle is its own esbuild context; a cycle begins when the first of them starts a build and
// ends when the last one running has finished, so the end line means every bundle is written. A
// message that several bundles report (a shared file) is printed once per cycle.
export const WATCH_BEGIN = '[watch] build started';
export const WATCH_END = '[watch] build finished';

/** One esbuild message as a line `file:line:column: error|warning: text` (column 1-based). */
export function formatMessage(kind, m) {
  const where = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : '';
  return `${where}${kind}: ${m.text}`;
}

/** An esbuild plugin to add to every context of one watch; `print` gets each line (default console.log). */
export function watchReporter(print = (line) => console.log(line)) {
  let active = 0;
  let seen = new Set();
  let counts = { error: 0, warning: 0 };
  const plugin = {
    name: 'udp-chat-watch-report',
    setup(build) {
      build.onStart(() => {
        if (active++ > 0) return;
        seen = new Set();
        counts = { error: 0, warning: 0 };
        print(WATCH_BEGIN);
      });
      build.onEnd((result) => {
        for (const [kind, list] of [['error', result.errors], ['warning', result.warnings]]) {
          for (const m of list) {
            const line = formatMessage(kind, m);
            if (seen.has(line)) continue;
            seen.add(line);
            counts[kind]++;
            print(line);
          }
        }
        if (--active === 0) {
          print(`${WATCH_END} (${counts.error} error${counts.error === 1 ? '' : 's'}, ${counts.warning} warning${counts.warning === 1 ? '' : 's'})`);
        }
      });
    },
  };
  return plugin;
}
