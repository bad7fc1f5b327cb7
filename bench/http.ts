// `npm run bench -- http`: the HTTP server of `hexad svscan --http`.
// (a) /metrics scrape time and size at 200 and 1,000 running services (median of 20 scrapes);
// (b) the scanner's CPU over 20 s with 200 services: no --http, --http and no scrapes, --http
//     and 1 scrape per second;
// (c) the scanner's event-loop delay (perf_hooks, in the scanner process) with 100 SSE
//     clients connected while every service is restarted once a second.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeControl } from '../src/s6/control.js';
import { median, ms, printTable } from './table.js';
import { EventClock, HEXAD, sleep, tempDir } from './util.js';

const SIZES = (process.env.HEXAD_BENCH_HTTP_SIZES ?? '200,1000').split(',').map(Number);
const CPU_SECONDS = Number(process.env.HEXAD_BENCH_HTTP_CPU_SECONDS ?? 20);

function get(sock: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ socketPath: sock, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => { body += d; }).on('end', () => resolve(body));
    }).on('error', reject).end();
  });
}

function cpuOf(pid: number): number {
  const t = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function scanDir(root: string, n: number): Promise<string> {
  const scan = join(root, `scan-${n}`);
  rmSync(scan, { recursive: true, force: true });
  mkdirSync(scan, { recursive: true });
  for (let i = 0; i < n; i++) {
    mkdirSync(join(scan, `s${i}`));
    writeFileSync(join(scan, `s${i}`, 'run'), '#!/bin/sh\nexec sleep 100000\n', { mode: 0o755 });
  }
  return scan;
}

async function startScanner(scan: string, n: number, http: string | null): Promise<ChildProcess> {
  const dirs = Array.from({ length: n }, (_, i) => join(scan, `s${i}`));
  const clock = new EventClock(dirs, 'u');
  const args = [HEXAD, 'svscan', '-c', String(n + 10), ...(http ? ['--http', http] : []), scan];
  const c = spawn(process.execPath, args, { stdio: 'ignore' });
  await clock.done;
  clock.close();
  return c;
}

async function stopScanner(c: ChildProcess, scan: string): Promise<void> {
  writeControl(scan, '.s6-svscan', 't');
  await new Promise((r) => c.once('exit', r));
}

export default async function main(): Promise<void> {
  const root = tempDir('hexad-bench-http-');
  try {
    const rows: string[][] = [];
    for (const n of SIZES) {
      const scan = await scanDir(root, n);
      const sock = join(root, `http-${n}.sock`);
      const c = await startScanner(scan, n, sock);
      await sleep(2000);
      const times: number[] = [];
      let size = 0;
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        size = (await get(sock, '/metrics')).length;
        times.push(performance.now() - t0);
      }
      rows.push([`${n} services: GET /metrics`, `${ms(median(times))} ms`, `${ms(Math.min(...times))} ms`, `${(size / 1024).toFixed(0)} KiB`]);
      await stopScanner(c, scan);
    }
    printTable(['(a) scrape', 'median', 'fastest', 'size'], rows);

    process.stdout.write('\n');
    const n = 200;
    const scan = await scanDir(root, n);
    const cpuRows: string[][] = [];
    for (const mode of ['off', 'on, no scrapes', 'on, 1 scrape/s'] as const) {
      const sock = join(root, 'cpu.sock');
      const c = await startScanner(scan, n, mode === 'off' ? null : sock);
      await sleep(3000);
      const c0 = cpuOf(c.pid!);
      const end = Date.now() + CPU_SECONDS * 1000;
      while (Date.now() < end) {
        if (mode === 'on, 1 scrape/s') await get(sock, '/metrics');
        await sleep(1000);
      }
      const used = cpuOf(c.pid!) - c0;
      cpuRows.push([`200 services, --http ${mode}`, `${used.toFixed(2)} s`, `${((used / CPU_SECONDS) * 100).toFixed(2)} %`]);
      await stopScanner(c, scan);
    }
    printTable([`(b) scanner CPU over ${CPU_SECONDS} s`, 'CPU time', 'of one core'], cpuRows);

    process.stdout.write('\n');
    const loopScan = await scanDir(root, 50);
    const loopRows: string[][] = [];
    for (const mode of ['no --http', '--http, 100 SSE clients'] as const) {
      const sock = mode === 'no --http' ? '-' : join(root, 'loop.sock');
      const child = spawn(process.execPath, [fileURLToPath(new URL('./http/loop-scanner.js', import.meta.url)), loopScan, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (d) => { out += d; });
      while (!out.includes('ready')) await sleep(50);
      await sleep(2000);
      const clients = sock === '-' ? [] : Array.from({ length: 100 }, () => request({ socketPath: sock, path: '/api/events', agent: false }, (res) => res.resume()).end());
      await sleep(2000);
      child.kill('SIGUSR1');
      for (let i = 0; i < 10; i++) {
        child.kill('SIGHUP');
        await sleep(1000);
      }
      out = '';
      child.kill('SIGUSR2');
      while (!out.includes('\n')) await sleep(50);
      const [p50, p99, max] = out.trim().split(' ');
      for (const c of clients) c.destroy();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      loopRows.push([mode, `${p50} ms`, `${p99} ms`, `${max} ms`]);
    }
    printTable(['(c) scanner event-loop delay, 50 services all restarted each second for 10 s', 'p50', 'p99', 'max'], loopRows);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
