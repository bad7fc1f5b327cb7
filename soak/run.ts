// `npm run soak [-- NAME…] [--quick]`: the chaos scenarios of issue 14, each beside Debian's s6
// where it has an equivalent, then one summary table. Bounded to ~10 minutes in full; `--quick`
// (or HEXAD_SOAK_QUICK=1) shortens every scenario for a check in ~2-3 minutes; HEXAD_SOAK_SCALE
// multiplies the time budgets. Exit status 1 when any row failed.
import type { Options, Row } from './report.js';
import { failed, printRows } from './report.js';

const SCENARIOS: Record<string, string> = {
  logger: 'a. logger SIGKILLed at random moments while rotating',
  svscan: 'b. hexad svscan SIGKILLed 10 times with 50 services',
  crashloop: 'c. 200 services, 20 crash-looping: RSS, fds, CPU over time',
  fulldisk: 'd. full disk under the log directory, then freed',
  rc: 'e. rc change SIGKILLed while bringing up 100 services',
};

const args = process.argv.slice(2);
const quick = args.includes('--quick') || process.env.HEXAD_SOAK_QUICK === '1';
const scale = Number(process.env.HEXAD_SOAK_SCALE ?? 1) || 1;
const wanted = args.filter((a) => !a.startsWith('-'));
for (const w of wanted) {
  if (!(w in SCENARIOS)) {
    process.stderr.write(`soak: fatal: no scenario named ${w} (have: ${Object.keys(SCENARIOS).join(', ')})\n`);
    process.exit(100);
  }
}
if (process.getuid?.() !== 0) process.stderr.write('soak: warning: not root; the full-disk scenario needs mount(8)\n');
const names = wanted.length ? wanted : Object.keys(SCENARIOS);
const o: Options = { quick, scale };
const rows: Row[] = [];
const t0 = Date.now();
for (const name of names) {
  process.stderr.write(`soak: ${SCENARIOS[name]}${quick ? ' (quick)' : ''}...\n`);
  const t = Date.now();
  try {
    const mod = (await import(`./${name}.js`)) as { default: (o: Options) => Promise<Row[]> };
    const got = await mod.default(o);
    rows.push(...got);
    printRows(got);
  } catch (e) {
    rows.push({ scenario: SCENARIOS[name], impl: '-', lost: '?', doubled: '?', zombies: '?', other: `harness error: ${(e as Error).message}`, ok: false });
  }
  process.stderr.write(`soak: ${name} took ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
}
process.stdout.write(`\n## Soak summary (${quick ? 'quick' : 'full'}, ${((Date.now() - t0) / 1000).toFixed(0)} s, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')})\n\n`);
printRows(rows);
process.exit(failed(rows) ? 1 : 0);
