// `npm run bench -- instance`: instance creation and deletion, hexad beside Debian's s6 in the
// same run, each on its own tree (instance-maker, then an outer scanner of the same kind):
//   - one instance created then deleted, 30 times: median per operation, through the command
//     (a process started per call, as a script does) and, for hexad, through the library call
//     (the same work without Node's start-up), with the start-up of a bare `hexad` stated apart;
//   - 500 instances created, then all deleted: total times, and the memory of the instanced
//     service's supervisors while the 500 run (RSS and PSS of the nested hexad svscan, against
//     the nested s6-svscan plus its 500 s6-supervise). HEXAD_BENCH_INSTANCES changes the 500.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInstance, deleteInstance } from '../src/instance/online.js';
import { isLocked } from '../src/s6/lockfile.js';
import { readStatus } from '../src/s6/status.js';
import { median, ms, printTable, ratio } from './table.js';

const HEXAD = fileURLToPath(new URL('../../bin/hexad.js', import.meta.url));
const ROUNDS = 30;
const MANY = Number(process.env.HEXAD_BENCH_INSTANCES ?? 500);

type Impl = 'hexad' | 's6';

function check(r: ReturnType<typeof spawnSync>, what: string): void {
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}: ${String(r.stderr)}`);
}

function tool(impl: Impl, name: string, args: string[]): void {
  const r = impl === 'hexad'
    ? spawnSync(process.execPath, [HEXAD, `instance-${name}`, ...args], { encoding: 'utf8' })
    : spawnSync(`/usr/bin/s6-instance-${name}`, args, { encoding: 'utf8' });
  check(r, `${impl} instance-${name} ${args.join(' ')}`);
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

async function poll(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An instanced service made by `impl`'s instance-maker, under `impl`'s scanner. */
class Tree {
  readonly svc: string;
  private scanner: ChildProcess | null = null;

  constructor(readonly root: string, readonly impl: Impl) {
    const scan = join(root, 'scan');
    const tpl = join(root, 'template');
    mkdirSync(scan, { recursive: true });
    mkdirSync(tpl);
    writeFileSync(join(tpl, 'run'), '#!/bin/sh\nexec sleep 100000\n');
    chmodSync(join(tpl, 'run'), 0o755);
    this.svc = join(scan, 'inst');
    const args = ['-c', String(MANY + 10), tpl, this.svc];
    check(impl === 'hexad' ? spawnSync(process.execPath, [HEXAD, 'instance-maker', ...args]) : spawnSync('/usr/bin/s6-instance-maker', args), 'instance-maker');
  }

  async start(): Promise<void> {
    const scan = join(this.root, 'scan');
    this.scanner = this.impl === 'hexad'
      ? spawn(process.execPath, [HEXAD, 'svscan', scan], { stdio: 'ignore', detached: true })
      : spawn('/usr/bin/s6-svscan', [scan], { stdio: 'ignore', detached: true });
    await poll('the nested scanner', () => isLocked(join(this.svc, 'instance', '.s6-svscan', 'lock')));
  }

  /** The supervisors of the instances: the nested scanner, and for s6 every s6-supervise. */
  supervisors(): number[] {
    const pids = [readStatus(this.svc).pid];
    if (this.impl === 's6') {
      const under = join(this.svc, 'instances') + '/';
      for (const p of readdirSync('/proc')) {
        if (!/^\d+$/.test(p)) continue;
        try {
          if (readFileSync(`/proc/${p}/comm`, 'latin1').trim() === 's6-supervise' && readlinkSync(`/proc/${p}/cwd`).startsWith(under)) pids.push(Number(p));
        } catch { /* gone */ }
      }
    }
    return pids;
  }

  async stop(): Promise<void> {
    const s = this.scanner;
    if (!s || s.exitCode !== null) return;
    const exited = new Promise((r) => s.once('exit', r));
    s.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    try { process.kill(-s.pid!, 'SIGKILL'); } catch { /* gone */ }
  }
}

/** Sum of Rss and Pss (kB) over the processes. */
function memory(pids: number[]): { rss: number; pss: number } {
  let rss = 0, pss = 0;
  for (const pid of pids) {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    rss += Number(/^Rss:\s+(\d+)/m.exec(text)![1]);
    pss += Number(/^Pss:\s+(\d+)/m.exec(text)![1]);
  }
  return { rss, pss };
}

type Op = (name: string) => Promise<void> | void;

async function oneByOne(create: Op, del: Op): Promise<{ create: number; del: number }> {
  const c: number[] = [], d: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t = now();
    await create(`one${i}`);
    c.push(now() - t);
    t = now();
    await del(`one${i}`);
    d.push(now() - t);
  }
  return { create: median(c), del: median(d) };
}

async function many(tree: Tree, create: Op, del: Op): Promise<{ create: number; del: number; rss: number; pss: number; procs: number }> {
  let t = now();
  for (let i = 0; i < MANY; i++) await create(`m${i}`);
  const createMs = now() - t;
  // every instance up before measuring
  await poll('all instances up', () => {
    for (let i = 0; i < MANY; i++) if (!readStatus(join(tree.svc, 'instance', `m${i}`)).pid) return false;
    return true;
  }, 60_000);
  const pids = tree.supervisors();
  const mem = memory(pids);
  t = now();
  for (let i = 0; i < MANY; i++) await del(`m${i}`);
  return { create: createMs, del: now() - t, ...mem, procs: pids.length };
}

function startupMs(): number {
  const xs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = now();
    check(spawnSync(process.execPath, [HEXAD, '--version']), 'hexad --version');
    xs.push(now() - t);
  }
  return median(xs);
}

export default async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'hexad-bench-instance-'));
  const s6 = new Tree(join(root, 's6'), 's6');
  const hx = new Tree(join(root, 'hexad'), 'hexad');
  try {
    await s6.start();
    await hx.start();
    const cli = (impl: Impl, svc: string): [Op, Op] => [(n) => tool(impl, 'create', [svc, n]), (n) => tool(impl, 'delete', [svc, n])];
    const lib: [Op, Op] = [(n) => createInstance(hx.svc, n), (n) => deleteInstance(hx.svc, n)];
    const startup = startupMs();
    const oS6 = await oneByOne(...cli('s6', s6.svc));
    const oHx = await oneByOne(...cli('hexad', hx.svc));
    const oLib = await oneByOne(...lib);
    const oCross = await oneByOne(...cli('s6', hx.svc));

    process.stdout.write(`One instance created then deleted, median of ${ROUNDS} (ms); a bare \`hexad --version\` takes ${ms(startup)} ms (Node start-up):\n\n`);
    printTable(['', 'create', 'delete', 'create vs s6', 'delete vs s6'], [
      ['s6-instance-create / -delete (s6-svscan tree)', ms(oS6.create), ms(oS6.del), '1x', '1x'],
      ['hexad instance-create / -delete (command)', ms(oHx.create), ms(oHx.del), ratio(oHx.create, oS6.create), ratio(oHx.del, oS6.del)],
      ['  the same minus Node start-up', ms(oHx.create - startup), ms(oHx.del - startup), ratio(oHx.create - startup, oS6.create), ratio(oHx.del - startup, oS6.del)],
      ['hexad createInstance / deleteInstance (library call)', ms(oLib.create), ms(oLib.del), ratio(oLib.create, oS6.create), ratio(oLib.del, oS6.del)],
      ['s6-instance-create / -delete on the hexad svscan tree', ms(oCross.create), ms(oCross.del), ratio(oCross.create, oS6.create), ratio(oCross.del, oS6.del)],
    ]);

    const mS6 = await many(s6, ...cli('s6', s6.svc));
    const mHx = await many(hx, ...cli('hexad', hx.svc));
    const mLib = await many(hx, ...lib);
    process.stdout.write(`\n${MANY} instances created one after the other, then deleted (total s); supervisors' memory while all ${MANY} run:\n\n`);
    const row = (label: string, m: typeof mS6) => [label, (m.create / 1000).toFixed(2), (m.del / 1000).toFixed(2), m.procs,
      (m.rss / 1024).toFixed(1), (m.pss / 1024).toFixed(1)];
    printTable(['', 'create all', 'delete all', 'supervisor processes', 'RSS MB', 'PSS MB'], [
      row('s6 (s6-svscan + s6-supervise each)', mS6),
      row('hexad, commands (one hexad svscan)', mHx),
      row('hexad, library calls (one hexad svscan)', mLib),
    ]);
    process.stdout.write(`\nMemory, hexad vs s6: RSS ${ratio(mHx.rss, mS6.rss)}, PSS ${ratio(mHx.pss, mS6.pss)}.\n`);
  } finally {
    await s6.stop();
    await hx.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
