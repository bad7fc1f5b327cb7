// `npm run bench -- log`: hexad log against Debian's s6-log on the same input, one after the
// other in the same run: 100-byte lines (1 GB by default; HEXAD_BENCH_LOG_MB=200 for a quick
// run) through `t s10000000 ./dir`, fed by cat through a real pipe, as a service's output
// reaches its logger. Reports throughput and the logger's peak memory (max RSS).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipe } from '../src/native/index.js';
import { printTable, ratio } from './table.js';

const HEXAD = fileURLToPath(new URL('../../bin/hexad.js', import.meta.url));
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
function runOnce(logger: string[], files: string[], dir: string): Promise<Result> {
  rmSync(dir, { recursive: true, force: true });
  const timeOut = dir + '.time';
  const useTime = existsSync(GNU_TIME);
  const [r, w] = pipe(true);
  const cat = spawn('cat', files, { stdio: ['ignore', w, 'inherit'] });
  const [cmd, ...args] = useTime ? [GNU_TIME, '-f', '%e %M', '-o', timeOut, ...logger] : logger;
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd, [...args, 't', 's10000000', 'n1000', dir], { stdio: [r, 'ignore', 'inherit'] });
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
      const bytesOut = loggedBytes(dir);
      rmSync(dir, { recursive: true, force: true });
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
      for (const [name, cmd] of loggers) {
        const res = await runOnce(cmd, files, join(work, 'logdir'));
        if (res.bytesOut !== expectOut) throw new Error(`${name} logged ${res.bytesOut} bytes, expected ${expectOut}`);
        results.set(name, [...(results.get(name) ?? []), res]);
      }
    }
    const best = (name: string): Result => results.get(name)!.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const s6 = best(loggers[0][0]);
    process.stdout.write(`${(bytesIn / 1e6).toFixed(0)} MB of ${LINE}-byte lines (${totalLines} lines), script \`t s10000000 n1000 DIR\`, ` +
      `input by cat through a pipe; best of ${runs} run(s); max RSS of the logger process\n\n`);
    printTable(['logger', 'seconds', 'MB/s in', 'max RSS', 'throughput vs s6-log'], loggers.map(([name]) => {
      const r = best(name);
      return [name, r.seconds.toFixed(2), (bytesIn / 1e6 / r.seconds).toFixed(0), `${(r.maxRssKb / 1024).toFixed(1)} MB`, ratio(s6.seconds, r.seconds)];
    }));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
