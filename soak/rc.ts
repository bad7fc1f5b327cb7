// (e) `hexad rc -u change all` SIGKILLed in the middle of bringing up a 100-service graph (10
// layers of 10 longruns, readiness through notification-fd), then run again: the second run
// succeeds at once (the lock is free), the live state says every service is up, and no service
// runs twice. Debian has no s6-rc, so the s6 column is hexad rc driving Debian's s6-svscan.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { lockFile } from '../src/s6/lockfile.js';
import { snapshot, soakMarks } from './proc.js';
import type { Options, Row } from './report.js';
import { HEXAD, hasS6, NODE, put, sleep, tempRoot, Tree, until, type Impl } from './tree.js';

const names: string[] = [];
for (let l = 0; l < 10; l++) for (let k = 0; k < 10; k++) names.push(`l${l}-${k}`);

function writeSources(dir: string): void {
  for (const n of names) {
    const l = Number(n.slice(1, n.indexOf('-')));
    put(join(dir, n, 'type'), 'longrun\n');
    put(join(dir, n, 'notification-fd'), '3\n');
    put(join(dir, n, 'run'), `#!/bin/sh\nexport SOAK_SVC=${n}\nsleep 0.05\necho >&3\nexec sleep 100000 3>&-\n`);
    if (l) for (let j = 0; j < 10; j++) put(join(dir, n, 'dependencies.d', `l${l - 1}-${j}`), '');
  }
  put(join(dir, 'all', 'type'), 'bundle\n');
  for (const n of names) put(join(dir, 'all', 'contents.d', n), '');
}

function rc(args: string[]): { code: number | null; err: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(NODE, [HEXAD, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, err: (r.stderr ?? '').trim().split('\n').slice(-1)[0], ms: Date.now() - t0 };
}

/** Topmost process per service among the tree's processes. */
function counts(tree: Tree): Map<string, number> {
  const procs = snapshot();
  const ppid = new Map(procs.map((p) => [p.pid, p.ppid]));
  const mark = new Map<number, string>();
  const members = new Set<number>();
  for (const [pid, m] of soakMarks(procs)) {
    if (m.tree !== tree.root) continue;
    members.add(pid);
    if (m.svc) mark.set(pid, m.svc);
  }
  const out = new Map<string, number>();
  for (const [pid, v] of mark) {
    if (!members.has(pid) || mark.get(ppid.get(pid) ?? 0) === v) continue;
    out.set(v, (out.get(v) ?? 0) + 1);
  }
  return out;
}

function lockFree(path: string): boolean {
  const fd = lockFile(path, 'w', false, false);
  if (fd === null) return false;
  closeSync(fd);
  return true;
}

async function once(impl: Impl, o: Options): Promise<Row> {
  const root = tempRoot('rc');
  const tree = new Tree(impl, root);
  const rounds = o.quick ? 2 : 5;
  const live = join(root, 'live');
  let doubled = 0;
  let missing = 0;
  let lockHeld = 0;
  let failures = 0;
  let stateWrong = 0;
  let zombies = 0;
  const killedAt: number[] = [];
  const second: number[] = [];
  const errors: string[] = [];
  try {
    tree.start();
    if (!(await until(() => tree.controlOpen(), 20_000))) throw new Error('scanner did not start');
    writeSources(join(root, 'src'));
    for (const args of [['rc-compile', join(root, 'compiled'), join(root, 'src')], ['rc-init', '-c', join(root, 'compiled'), '-l', live, tree.scan]]) {
      const r = rc(args);
      if (r.code !== 0) throw new Error(`${args[0]}: ${r.err}`);
    }
    for (let round = 0; round < rounds; round++) {
      const down = rc(['rc', '-l', live, '-da', 'change']);
      if (down.code !== 0) { failures++; errors.push(`-da change: ${down.err}`); }
      await until(() => counts(tree).size === 0, 20_000, 100);
      const target = 10 + Math.floor(Math.random() * 80);
      const child = spawn(NODE, [HEXAD, 'rc', '-l', live, '-u', 'change', 'all'], { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      let done = false;
      void exited.then(() => { done = true; });
      await until(() => done || counts(tree).size >= target, 60_000, 20);
      const upAtKill = counts(tree).size;
      if (!done && child.pid! > 1) child.kill('SIGKILL');
      await exited;
      killedAt.push(upAtKill);
      if (!lockFree(join(live, 'lock'))) lockHeld++;
      const again = rc(['rc', '-l', live, '-u', 'change', 'all']);
      second.push(again.ms);
      if (again.code !== 0) { failures++; errors.push(`second -u change exited ${again.code}: ${again.err}`); }
      await sleep(500);
      const c = counts(tree);
      for (const n of names) {
        const k = c.get(n) ?? 0;
        if (k > 1) doubled++;
        if (k === 0) missing++;
      }
      const list = spawnSync(NODE, [HEXAD, 'rc', '-l', live, '-a', 'list'], { encoding: 'utf8' });
      const active = new Set(list.stdout.split('\n').filter(Boolean));
      if (list.status !== 0 || names.some((n) => !active.has(n))) stateWrong++;
      const members = new Set([...tree.members(), tree.pid]);
      zombies += snapshot().filter((p) => p.state === 'Z' && members.has(p.ppid)).length;
    }
    second.sort((a, b) => a - b);
    const other = [`rounds ${rounds}`, `services up when killed ${killedAt.join('/')}`, `missing ${missing}`, `lock still held ${lockHeld}`,
      `second change failed ${failures}`, `live state wrong ${stateWrong}`, `second change median ${second[second.length >> 1]} ms`,
      ...errors.slice(0, 2)].join(', ');
    return { scenario: 'e. rc change SIGKILLed, 100 services', impl: impl === 'hexad' ? 'hexad rc + hexad svscan' : 'hexad rc + s6-svscan',
      lost: missing, doubled, zombies, other,
      ok: doubled === 0 && missing === 0 && lockHeld === 0 && failures === 0 && stateWrong === 0 && zombies === 0 };
  } finally {
    await tree.destroy(process.env.HEXAD_SOAK_KEEP === '1');
  }
}

export default async function rcScenario(o: Options): Promise<Row[]> {
  const rows = [await once('hexad', o)];
  // s6-rc is not in Debian: the reference column is hexad rc on Debian's s6-svscan; it gates
  // the run like the hexad rows since hexad rc is under test there too.
  if (hasS6()) rows.push(await once('s6', o));
  return rows;
}
