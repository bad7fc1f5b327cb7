// `npm run bench [-- NAME…]`: runs the named benchmarks (all when none is named). Each module
// bench/NAME.ts exports a default async function that prints its own table, measured side by
// side with the real s6 tools where Debian has them.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.js') && !['run.js', 'table.js', 'util.js'].includes(f))
  .map((f) => f.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : all;
for (const name of names) {
  if (!all.includes(name)) {
    process.stderr.write(`bench: no benchmark named ${name} (have: ${all.join(', ')})\n`);
    process.exit(100);
  }
}
for (const name of names) {
  process.stdout.write(`\n## ${name}\n\n`);
  const mod = (await import(`./${name}.js`)) as { default: () => Promise<void> };
  await mod.default();
}
