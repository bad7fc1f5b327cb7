// `npm run bench -- einhorn`: 10 smooth upgrades of 3 workers under load (new connections and
// keep-alive at once), with the figures einhorn 1.1.1 showed in the reference run beside ours.
// A second pass with a short -s shows what bounds an upgrade when pacing does not.
// With EINHORN_RUBY_SRC=/path/to/einhorn (a source tree) and Ruby installed, the same harness
// also drives the real einhorn and prints its figures in a third column.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '../src/einhorn/client.js';
import { Daemon, until } from '../test/helpers.js';
import { setWorker, writeWorker } from '../test/einhorn/fixture.js';
import { Load, type LoadResult } from '../test/einhorn/load.js';
import { median, printTable } from './table.js';

const HEXAD = fileURLToPath(new URL('../../bin/hexad.js', import.meta.url));
const UPGRADES = 10;
const WORKERS = 3;

/** einhorn 1.1.1, reference run (§10.3): 2 vCPU, Node 20 workers, -n 3 -m manual -s 1. */
const REF = {
  upgrades: [3.02, 2.88, 2.91, 2.84, 3.15],
  oldGone: [3.03, 3.01, 2.91, 2.85, 3.16],
  errorsNew: '0 of 268,817',
  errorsKeepAlive: '65 of 481,719 (ECONNRESET)',
  rss: '17.8 MB at start, 18.1–18.5 MB',
  reload: '0.22–0.54 s',
};

interface Run {
  name: string;
  durations: number[];
  oldGone: number[];
  firstLaunch: number[];
  reload: number[];
  startup: number[];
  fresh: LoadResult;
  kept: LoadResult;
  rssStart: number;
  rssSettled: number;
  rssMax: number;
  cpu: number;
  wall: number;
}

function status(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => {
      try {
        return Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pid;
      } catch {
        return false;
      }
    });
  }
}

function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function acked(sock: string, n: number): Promise<void> {
  // ask `state` and count `:acked: true` entries of unsignaled workers (works for einhorn's own dump too)
  await until(`${n} acked workers`, async () => {
    const c = await Client.connect(sock).catch(() => null);
    if (!c) return false;
    try {
      const [text] = await c.command('state');
      const kids = text.split(/\n {4}\d+:\n/).slice(1);
      return kids.length === n && kids.every((k) => /:acked: true/.test(k) && /hash: \{\}/.test(k));
    } finally {
      c.close();
    }
  }, 60_000);
}

async function run(name: string, cmd: string[], env: NodeJS.ProcessEnv, dir: string, port: number, seconds: string): Promise<Run> {
  const sock = join(dir, 'einhorn.sock');
  const pidfile = join(dir, 'einhorn.pid');
  setWorker(dir, 'ok', '0');
  const d = new Daemon(cmd[0], [...cmd.slice(1), '-d', sock, '-e', pidfile, '-f', join(dir, 'einhorn.lock'), '-b', `127.0.0.1:${port},r`, '-m', 'manual', '-n', String(WORKERS), '-s', seconds, '--', join(dir, 'run')], { env: { ...env, EINHORN_TEST_MANUAL: '1' } });
  try {
    await until('the pidfile', () => existsSync(pidfile) && existsSync(sock), 60_000);
    const pid = Number(readFileSync(pidfile, 'utf8'));
    await acked(sock, WORKERS);
    const rssStart = status(pid, 'VmRSS');
    await new Promise((r) => setTimeout(r, 3000)); // the master gives back its start-up code pages
    const rssSettled = status(pid, 'VmRSS');
    const cpu0 = cpuSeconds(pid);
    const t0 = Date.now();
    const fresh = new Load(port, { concurrency: 4, keepAlive: false });
    const kept = new Load(port, { concurrency: 4, keepAlive: true });
    const r: Run = { name, durations: [], oldGone: [], firstLaunch: [], reload: [], startup: [], fresh: fresh.result, kept: kept.result, rssStart, rssSettled, rssMax: rssStart, cpu: 0, wall: 0 };
    // RSS sampled all along (a re-exec resets VmHWM, so the kernel's peak is not enough)
    const sampler = setInterval(() => {
      const x = status(pid, 'VmRSS');
      if (x > r.rssMax) r.rssMax = x;
    }, 20);
    for (let v = 1; v <= UPGRADES; v++) {
      setWorker(dir, 'ok', String(v));
      const before = childPids(pid);
      const c = await Client.connect(sock);
      const start = Date.now();
      c.send(new Map<string, unknown>([['id', 1], ['command', 'upgrade'], ['args', []]]));
      let launched = 0;
      for (;;) {
        const m = await c.receive();
        if (!(m instanceof Map)) throw new Error(`${name}: upgrade stream ended`);
        const text = String(m.get('message'));
        const now = Date.now();
        if (/^===> Launched/.test(text)) {
          if (r.firstLaunch.length < v) r.firstLaunch.push((now - start) / 1000);
          launched = now;
        }
        // in a smooth upgrade each ACK retires one old worker: launch → USR2 is the start-up time
        if (/^Sending USR2 to/.test(text) && launched) {
          r.startup.push((now - launched) / 1000);
          launched = 0;
        }
        if (m.get('wait') !== true) break;
      }
      r.durations.push((Date.now() - start) / 1000);
      c.close();
      await until('old workers gone', () => before.every((p) => !alive(p)), 60_000);
      r.oldGone.push((Date.now() - start) / 1000);
      await new Promise((res) => setTimeout(res, 500));
    }
    // the re-exec of the master, still under load: `reload`, then the next reply on the same
    // connection comes from the new image
    for (let i = 0; i < 5; i++) {
      const c = await Client.connect(sock);
      const start = Date.now();
      await c.command('reload', [], 1);
      await c.command('state', [], 2);
      r.reload.push((Date.now() - start) / 1000);
      c.close();
      await new Promise((res) => setTimeout(res, 300));
    }
    await Promise.all([fresh.stop(), kept.stop()]);
    clearInterval(sampler);
    r.wall = (Date.now() - t0) / 1000;
    r.cpu = cpuSeconds(pid) - cpu0;
    return r;
  } finally {
    await d.stop('SIGINT');
  }
}

const f2 = (x: number): string => x.toFixed(2);
const mb = (x: number): string => `${x.toFixed(1)} MB`;
const errs = (l: LoadResult): string => `${l.failed} of ${l.sent.toLocaleString('en-US')}${l.failed ? ` ${JSON.stringify(l.errors)}` : ''}`;

function column(r: Run): string[] {
  return [
    r.durations.map(f2).join(', '),
    f2(median(r.durations)),
    f2(median(r.oldGone)),
    errs(r.fresh),
    errs(r.kept),
    `${mb(r.rssStart)} at start, ${mb(r.rssSettled)} settled (3 s later), ${mb(r.rssMax)} at most (a reload re-execs it)`,
    `${r.cpu.toFixed(2)} s over ${r.wall.toFixed(0)} s`,
    `${f2(median(r.firstLaunch))} s`,
    `${f2(median(r.reload))} s (${f2(Math.min(...r.reload))}–${f2(Math.max(...r.reload))})`,
    r.startup.length ? `${f2(median(r.startup))} s` : 'n/a',
  ];
}

const LABELS = [
  'upgrade durations, command → "Upgrade done" (s)',
  'median upgrade (s)',
  'median until the old workers are gone (s)',
  'failed requests, new connection each',
  'failed requests, keep-alive',
  'master RSS (VmRSS, sampled every 20 ms)',
  'master CPU',
  'upgrade command → first new worker launched, median',
  'reload: command → the re-exec\'d master answers (5 reloads)',
  'worker start-up (launch → ACK), median',
];

export default async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hexad-bench-einhorn-'));
  try {
    writeWorker(dir);
    const hexad = [process.execPath, HEXAD, 'einhorn'];
    process.stdout.write(`${UPGRADES} smooth upgrades of ${WORKERS} workers (-m manual, Node HTTP workers using hexad/child), under a load of 4 loops on new connections and 4 on keep-alive connections, 127.0.0.1.\n\n`);
    const a = await run('hexad', hexad, process.env, dir, await freePort(), '1');
    const cols: string[][] = [column(a)];
    const header = ['-s 1', 'hexad einhorn'];
    const src = process.env.EINHORN_RUBY_SRC;
    let e: Run | null = null;
    if (src && existsSync(join(src, 'bin/einhorn'))) {
      e = await run('einhorn', ['ruby', join(src, 'bin/einhorn')], { ...process.env, RUBYLIB: join(src, 'lib') }, dir, await freePort(), '1');
      cols.push(column(e));
      header.push('einhorn 1.1.1, measured here (same harness)');
    }
    const ref = [REF.upgrades.map(f2).join(', '), f2(median(REF.upgrades)), f2(median(REF.oldGone)), REF.errorsNew, REF.errorsKeepAlive, REF.rss, '4 s over ~6 min of runs', `${REF.reload} (einhorn re-execs on every upgrade)`, 'n/a', 'n/a'];
    header.push('einhorn 1.1.1, reference run (§10.3)');
    printTable(header, LABELS.map((l, i) => [l, ...cols.map((c) => c[i]), ref[i]]));
    process.stdout.write('\nThe same with -s 0.05, so that pacing does not bound the upgrade (max_unacked = CPUs):\n\n');
    const b = await run('hexad', hexad, process.env, dir, await freePort(), '0.05');
    const bc = [column(b)];
    const hb = ['-s 0.05', 'hexad einhorn'];
    if (e && src) {
      bc.push(column(await run('einhorn', ['ruby', join(src, 'bin/einhorn')], { ...process.env, RUBYLIB: join(src, 'lib') }, dir, await freePort(), '0.05')));
      hb.push('einhorn 1.1.1, measured here');
    }
    printTable(hb, LABELS.map((l, i) => [l, ...bc.map((c) => c[i])]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
