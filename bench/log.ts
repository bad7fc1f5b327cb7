// `npm run bench -- log`: hexad log against Debian's s6-log on the same input, one after the
// other in the same run: 100-byte lines (1 GB by default; HEXAD_BENCH_LOG_MB=200 for a quick
// run) through `t s10000000 ./dir`, fed by cat through a real pipe, as a service's output
// reaches its logger. Reports throughput and the logger's peak memory (max RSS). Then a corpus
// of 20 scripts with selections (CORPUS below) on mixed service logs, hexad log and s6-log
// alternated, each script's output compared byte count for byte count.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipe } from '../src/native/index.js';
import { compileEre, ereToRegExp } from '../src/log/regex.js';
import { alternate, median, printTable, RATIO_NOTE, ratio } from './table.js';

// HEXAD_BENCH_BIN: another build's bin/hexad.js (an older checkout), for before/after figures
const HEXAD = process.env.HEXAD_BENCH_BIN ?? fileURLToPath(new URL('../../bin/hexad.js', import.meta.url));
const S6_LOG = '/usr/bin/s6-log';
const GNU_TIME = '/usr/bin/time';
const LINE = 100;
const BLOCK_LINES = 1_000_000; // the input file: 100 MB, catted as often as needed

interface Result { seconds: number; maxRssKb: number; bytesOut: number }

/** One line every 100 bytes, numbered, so that nothing compresses or repeats. */
function makeInput(path: string, lines: number): void {
  const buf = Buffer.alloc(lines * LINE, 'x');
  for (let i = 0; i < lines; i++) {
    buf.write(`line ${String(i).padStart(9, '0')} `, i * LINE, 'latin1');
    buf[i * LINE + LINE - 1] = 10;
  }
  writeFileSync(path, buf);
}

function loggedBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) if (f === 'current' || f.startsWith('@')) n += statSync(join(dir, f)).size;
  return n;
}

/** Runs `cat FILES | LOGGER ARGS` and measures the logger alone (elapsed, max RSS). */
function runOnce(logger: string[], files: string[], dir: string, script?: string[], dirs?: string[]): Promise<Result> {
  const outDirs = dirs ?? [dir];
  for (const d of outDirs) rmSync(d, { recursive: true, force: true });
  const timeOut = dir + '.time';
  const useTime = existsSync(GNU_TIME);
  const [r, w] = pipe(true);
  const cat = spawn('cat', files, { stdio: ['ignore', w, 'inherit'] });
  const [cmd, ...args] = useTime ? [GNU_TIME, '-f', '%e %M', '-o', timeOut, ...logger] : logger;
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd, [...args, ...(script ?? ['t', 's10000000', 'n1000', dir])], { stdio: [r, 'ignore', 'inherit'] });
  closeSync(r);
  closeSync(w);
  let peak = 0;
  const poll = useTime ? null : setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'latin1'));
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch { /* gone */ }
  }, 20);
  return new Promise((resolve, reject) => {
    cat.on('error', reject);
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (poll) clearInterval(poll);
      if (code !== 0) {
        reject(new Error(`${logger.join(' ')} exited ${code}`));
        return;
      }
      let maxRssKb = peak;
      if (useTime) {
        const [, kb] = readFileSync(timeOut, 'latin1').trim().split(/\s+/).slice(-2);
        maxRssKb = Number(kb);
        rmSync(timeOut, { force: true });
      }
      let bytesOut = 0;
      for (const d of outDirs) {
        bytesOut += existsSync(d) ? loggedBytes(d) : 0;
        rmSync(d, { recursive: true, force: true });
      }
      resolve({ seconds, maxRssKb, bytesOut });
    });
  });
}

export default async function main(): Promise<void> {
  const mb = Number(process.env.HEXAD_BENCH_LOG_MB ?? 1000);
  const runs = Math.max(1, Number(process.env.HEXAD_BENCH_LOG_RUNS ?? 1));
  if (!existsSync(S6_LOG)) {
    process.stdout.write('s6-log is not installed (apt-get install s6): skipped\n');
    return;
  }
  const work = join(tmpdir(), `hexad-bench-log-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    const totalLines = Math.round((mb * 1e6) / LINE);
    const blockLines = Math.min(BLOCK_LINES, totalLines);
    const input = join(work, 'input');
    makeInput(input, blockLines);
    const files: string[] = [];
    for (let left = totalLines; left > 0; left -= blockLines) {
      if (left >= blockLines) files.push(input);
      else {
        const rest = join(work, 'rest');
        makeInput(rest, left);
        files.push(rest);
      }
    }
    const bytesIn = totalLines * LINE;
    const expectOut = totalLines * (LINE + 26);
    const loggers: [string, string[]][] = [
      ['s6-log (Debian 2.11.3.2)', [S6_LOG]],
      ['hexad log', [process.execPath, HEXAD, 'log']],
    ];
    const results = new Map<string, Result[]>();
    for (let i = 0; i < runs; i++) {
      for (const [name, cmd] of i % 2 ? [...loggers].reverse() : loggers) {
        const res = await runOnce(cmd, files, join(work, 'logdir'));
        if (res.bytesOut !== expectOut) throw new Error(`${name} logged ${res.bytesOut} bytes, expected ${expectOut}`);
        results.set(name, [...(results.get(name) ?? []), res]);
      }
    }
    const best = (name: string): Result => results.get(name)!.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const s6 = best(loggers[0][0]);
    process.stdout.write(`${(bytesIn / 1e6).toFixed(0)} MB of ${LINE}-byte lines (${totalLines} lines), script \`t s10000000 n1000 DIR\`, ` +
      `input by cat through a pipe; best of ${runs} run(s); max RSS of the logger process\n\n`);
    printTable(['logger', 'seconds', 'MB/s in', 'max RSS', `time ratio (${RATIO_NOTE})`], loggers.map(([name]) => {
      const r = best(name);
      return [name, r.seconds.toFixed(2), (bytesIn / 1e6 / r.seconds).toFixed(0), `${(r.maxRssKb / 1024).toFixed(1)} MB`, ratio(r.seconds, s6.seconds)];
    }));
    selectionCost();
    await corpus(work, loggers);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// Log lines as services write them: levels, HTTP access lines, key=value lines, stack lines.
const TEMPLATES = [
  (n: number) => `2026-11-29T01:02:03.${n % 1000}Z INFO  [http] GET /api/users/${n} 200 ${n % 900}ms`,
  (n: number) => `2026-11-29T01:02:03.${n % 1000}Z DEBUG [db] query select * from orders where id=${n} rows=1`,
  (n: number) => `2026-11-29T01:02:03.${n % 1000}Z WARN  [pool] connection ${n % 50} slow: timeout after ${n % 30}s`,
  (n: number) => `2026-11-29T01:02:03.${n % 1000}Z ERROR [worker] job ${n} failed: ECONNRESET`,
  (n: number) => `127.0.0.1 - - [29/Nov/2026:01:02:03 +0000] "GET /static/app.${['js', 'css', 'png'][n % 3]} HTTP/1.1" 200 ${n % 99999}`,
  (n: number) => `127.0.0.1 - - [29/Nov/2026:01:02:03 +0000] "GET /health HTTP/1.1" ${n % 7 ? 200 : 503} 2`,
  (n: number) => `level=debug ts=2026-11-29T01:02:03Z caller=main.go:${n % 400} msg="tick" user=${n % 5 ? 'bob' : 'admin'}`,
  (n: number) => `2026-11-29T01:02:03.${n % 1000}Z TRACE [sched] timer ${n} fired`,
  (n: number) => `    at Object.<anonymous> (/srv/app/index.js:${n % 500}:${n % 80})`,
  (n: number) => `2026-11-29T01:02:03.${n % 1000}Z FATAL [main] out of memory in request ${n}`,
];

export function makeCorpusInput(path: string, bytes: number): number {
  const lines: string[] = [];
  let size = 0, seed = 12345;
  for (let n = 0; size < bytes; n++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const t = TEMPLATES[(seed >>> 16) % TEMPLATES.length];
    const l = t(n) + '\n';
    lines.push(l);
    size += l.length;
  }
  writeFileSync(path, lines.join(''));
  return size;
}

/** Scripts as services' log/run use them, selections included; D1, D2 are log directories
 * (each given `n100000`, so that no archive is deleted and both loggers' output can be counted,
 * and 10 MB archives unless the script sets `s`). */
export const CORPUS: string[][] = [
  ['s1000000', 'D1'],
  ['t', 'D1'],
  ['T', 'D1'],
  ['-.*DEBUG.*', 't', 'D1'],
  ['-.*DEBUG.*', '-.*TRACE.*', 't', 'D1'],
  ['-', '+.*ERROR.*', 't', 'D1'],
  ['-', '+.*(ERROR|FATAL).*', 't', 'D1'],
  ['-', '+ERROR|FATAL|PANIC', 't', 'D1'],
  ['-.*GET /health.*', 't', 'D1'],
  ['-^level=debug', 't', 'D1'],
  ['-', '+^127\\.0\\.0\\.1 ', 't', 'D1'],
  ['-.*[0-9]{3}ms$', 't', 'D1'],
  ['-', '+.*" 5[0-9][0-9] .*', 't', 'D1'],
  ['t', 'D1', '-', '+.*ERROR.*', 'D2'],
  ['-.*DEBUG.*', 't', 's100000', 'D1'],
  ['-', '+.*WARN.*', '+.*ERROR.*', 'T', 'D1'],
  ['-.*user=admin.*', 't', 'D1'],
  ['-', '+.*timeout.*', 't', 'D1'],
  ['-.*\\.(png|css|js) .*', 't', 'D1'],
  ['-.*DEBUG.*', 't', 'D1', 'f', 't', 'D2'],
];

async function corpus(work: string, loggers: [string, string[]][]): Promise<void> {
  // 100 MB: a logger starts once and then runs for days; on less, Node's start-up (20-90 ms
  // by machine) would be much of what is timed
  const mb = Number(process.env.HEXAD_BENCH_LOG_CORPUS_MB ?? 100);
  const runs = Math.max(1, Number(process.env.HEXAD_BENCH_LOG_CORPUS_RUNS ?? 3));
  const input = join(work, 'corpus');
  const bytesIn = makeCorpusInput(input, mb * 1e6);
  process.stdout.write(`\n${CORPUS.length} scripts with selections, on ${(bytesIn / 1e6).toFixed(0)} MB of mixed service logs (levels, access lines, key=value, stack lines); ` +
    `s6-log and hexad log alternated run by run, median of ${runs}; the bytes each writes must be equal; ${RATIO_NOTE}\n\n`);
  const rows: string[][] = [];
  const ratios: number[] = [];
  for (const script of CORPUS) {
    const d1 = join(work, 'd1'), d2 = join(work, 'd2');
    // `--`: a script may begin with `-RE`, which getopt would take for an option
    // n100000 and, unless the script sets its own, s10000000: what is timed is the selection,
    // not a rotation every 99999 bytes (s6-log's default)
    const size = script.some((a) => /^s\d+$/.test(a)) ? [] : ['s10000000'];
    const args = ['--', ...script.flatMap((a) => (a === 'D1' ? ['n100000', ...size, d1] : a === 'D2' ? ['n100000', ...size, d2] : [a]))];
    const dirs = script.includes('D2') ? [d1, d2] : [d1];
    const r = await alternate(runs, loggers.map(([n]) => n), async (name) => runOnce(loggers.find(([n]) => n === name)![1], [input], d1, args, dirs));
    const [s6, hx] = loggers.map(([n]) => r[n]);
    if (s6[0].bytesOut !== hx[0].bytesOut) throw new Error(`bench: ${script.join(' ')}: s6-log wrote ${s6[0].bytesOut} bytes, hexad ${hx[0].bytesOut}`);
    const a = median(s6.map((x) => x.seconds)), b = median(hx.map((x) => x.seconds));
    ratios.push(b / a);
    rows.push([`\`${script.join(' ')}\``, (bytesIn / 1e6 / a).toFixed(0), (bytesIn / 1e6 / b).toFixed(0), ratio(b, a), `${(hx[0].bytesOut / 1e6).toFixed(1)} MB`]);
  }
  printTable(['script', 's6-log MB/s', 'hexad MB/s', 'time, hexad / s6-log', 'written'], rows);
  process.stdout.write(`\nworst time ratio ${Math.max(...ratios).toFixed(2)}x, median ${median(ratios).toFixed(2)}x\n`);
}

/** The selections of the corpus as library calls (no process, no I/O): the matcher hexad uses
 * against the plain translation to a RegExp it used before, on the same lines, alternated. */
export function selectionCost(): void {
  const lines: string[] = [];
  let seed = 12345;
  for (let n = 0; n < 100_000; n++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    lines.push(TEMPLATES[(seed >>> 16) % TEMPLATES.length](n));
  }
  const patterns = [...new Set(CORPUS.flat().filter((a) => /^[+-]./.test(a)).map((a) => a.slice(1)))];
  const time = (re: { test(l: string): boolean }): number => {
    const t0 = performance.now();
    let c = 0;
    for (const l of lines) if (re.test(l)) c++;
    return (performance.now() - t0) + c * 0;
  };
  const rows: string[][] = [];
  for (const p of patterns) {
    const fast = compileEre(p), plain = ereToRegExp(p);
    const a: number[] = [], b: number[] = [];
    for (let i = 0; i < 5; i++) {
      if (i % 2) { b.push(time(plain)); a.push(time(fast)); } else { a.push(time(fast)); b.push(time(plain)); }
    }
    const ma = median(a), mb = median(b);
    rows.push([`\`${p}\``, (mb * 10).toFixed(0), (ma * 10).toFixed(0), ratio(ma, mb), fast instanceof RegExp ? 'RegExp (simplified)' : 'literal test']);
  }
  process.stdout.write(`\nLibrary calls, apart from the whole-logger rows: one selection tested on 100,000 corpus lines in this process, median of 5 alternated runs, ns per line; ${RATIO_NOTE} (reference: the plain RegExp translation hexad used before)\n\n`);
  printTable(['selection', 'plain RegExp ns/line', 'hexad now ns/line', 'hexad now / plain', 'kind'], rows);
}
