// (b) The scanner SIGKILLed 10 times (and 6 more times during a start) under 50 services (20 with a logger, 10 crash loops, 20
// with readiness through notification-fd) and started again each time. After each restart:
// no service runs twice, none is missing, no zombie stays, Debian's s6-svstat reads every
// service. Processes are told apart by SOAK_SVC=<name> in their environment; a process counts
// once per service even when its run script forks (only the topmost one is counted).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { snapshot, soakMarks, type Proc } from './proc.js';
import type { Options, Row } from './report.js';
import { hasS6, put, sleep, tempRoot, tool, Tree, until, type Impl } from './tree.js';

interface Layout { long: string[]; crash: string[]; ready: string[]; logged: string[] }

function build(tree: Tree, impl: Impl): Layout {
  const l: Layout = { long: [], crash: [], ready: [], logged: [] };
  mkdirSync(join(tree.root, 'logs'));
  for (let i = 0; i < 20; i++) {
    const n = `s${i}`;
    put(join(tree.scan, n, 'run'), `#!/bin/sh\nexport SOAK_SVC=${n}\necho started\nexec sleep 100000\n`);
    put(join(tree.scan, n, 'log', 'run'), `#!/bin/sh\nexport SOAK_SVC=${n}/log\nexec ${tool(impl, 'log')} n3 s100000 ${join(tree.root, 'logs', n)}\n`);
    l.long.push(n);
    l.logged.push(n);
  }
  for (let i = 0; i < 10; i++) {
    const n = `c${i}`;
    put(join(tree.scan, n, 'run'), `#!/bin/sh\nexport SOAK_SVC=${n}\nsleep 0.3\nkill -KILL $$\n`);
    l.crash.push(n);
  }
  for (let i = 0; i < 20; i++) {
    const n = `r${i}`;
    put(join(tree.scan, n, 'run'), `#!/bin/sh\nexport SOAK_SVC=${n}\necho >&3\nexec sleep 100000 3>&-\n`);
    put(join(tree.scan, n, 'notification-fd'), '3\n');
    l.long.push(n);
    l.ready.push(n);
  }
  return l;
}

interface Census { counts: Map<string, number>; zombies: number[]; names: Map<number, string> }

/** Topmost process per SOAK_SVC value among the tree's processes, and zombies whose parent is
 * one of the tree's processes (the scanner included). */
function census(tree: Tree): Census {
  const procs = snapshot();
  const byPid = new Map<number, Proc>(procs.map((p) => [p.pid, p]));
  const marks = soakMarks(procs);
  const markOf = new Map<number, string>();
  const members = new Set<number>();
  for (const [pid, m] of marks) {
    if (m.tree !== tree.root) continue;
    members.add(pid);
    if (m.svc) markOf.set(pid, m.svc);
  }
  const counts = new Map<string, number>();
  for (const [pid, v] of markOf) {
    if (!members.has(pid)) continue;
    const parent = byPid.get(pid)?.ppid ?? 0;
    if (markOf.get(parent) === v) continue;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  members.add(tree.pid);
  const z = procs.filter((p) => p.state === 'Z' && members.has(p.ppid));
  const comm = (pid: number): string => byPid.get(pid)?.comm ?? '?';
  return { counts, zombies: z.map((p) => p.pid), names: new Map(z.map((p) => [p.pid, `${p.comm} of ${comm(p.ppid)}`])) };
}

function healthy(l: Layout, c: Census): boolean {
  return l.long.every((n) => c.counts.get(n) === 1) && l.logged.every((n) => c.counts.get(`${n}/log`) === 1)
    && l.crash.every((n) => (c.counts.get(n) ?? 0) <= 1);
}

async function once(impl: Impl, o: Options): Promise<Row> {
  const root = tempRoot('svscan');
  const tree = new Tree(impl, root);
  const l = build(tree, impl);
  const kills = o.quick ? 4 : 10;
  const settle = 30_000 * o.scale;
  let doubled = 0;
  let missing = 0;
  let zombies = 0;
  let svstatFailures = 0;
  let notReady = 0;
  let earlyKills = 0;
  let firstNotReady: string | null = null;
  let unconverged = 0;
  const converge: number[] = [];
  const zombieKinds = new Map<string, number>();
  try {
    // the first start killed while it spawns the 50 services (between spawns and statuses)
    tree.start();
    await sleep(100 + Math.random() * 300);
    await tree.kill9Scanner();
    earlyKills++;
    tree.start();
    if (!(await until(() => healthy(l, census(tree)), settle, 200))) unconverged++;
    for (let k = 0; k < kills; k++) {
      await sleep(Math.random() * 1500);
      await tree.kill9Scanner();
      await sleep(Math.random() * 200);
      if (k % 2 === 1) {
        // every other round, a second kill while the new scanner adopts and starts services
        // (between a spawn and its status, between readiness written and read)
        tree.start();
        await sleep(50 + Math.random() * 350);
        await tree.kill9Scanner();
        earlyKills++;
      }
      const t0 = Date.now();
      tree.start();
      const ok = await until(() => tree.controlOpen() && healthy(l, census(tree)), settle, 200);
      if (ok) converge.push(Date.now() - t0); else unconverged++;
      await sleep(1000); // what stays after the dust settles
      const c = census(tree);
      for (const n of [...l.long, ...l.crash]) {
        const k2 = c.counts.get(n) ?? 0;
        if (k2 > 1) doubled++;
        if (k2 === 0 && !l.crash.includes(n)) missing++;
      }
      for (const n of l.logged) {
        const k2 = c.counts.get(`${n}/log`) ?? 0;
        if (k2 > 1) doubled++;
        if (k2 === 0) missing++;
      }
      // A zombie seen once may be reaped a moment later: count those still there 1 s on.
      await sleep(1000);
      const later = new Set(census(tree).zombies);
      for (const z of c.zombies.filter((p) => later.has(p))) {
        zombies++;
        const what = c.names.get(z)!;
        zombieKinds.set(what, (zombieKinds.get(what) ?? 0) + 1);
      }
      for (const n of [...l.long, ...l.crash]) {
        const { spawnSync } = await import('node:child_process');
        const r = spawnSync('/usr/bin/s6-svstat', [join(tree.scan, n)], { encoding: 'utf8', timeout: 10_000 });
        if (r.status !== 0) svstatFailures++;
        else if (l.ready.includes(n) && !/ready/.test(r.stdout)) {
          notReady++;
          firstNotReady ??= `${n} after kill ${k + 1}: ${r.stdout.trim()}`;
        }
      }
    }
    converge.sort((a, b) => a - b);
    const med = converge.length ? converge[converge.length >> 1] : NaN;
    const other = [`scanner kills ${kills + earlyKills} (${earlyKills} during a start)`, `missing ${missing}`, `s6-svstat failures ${svstatFailures}`, `ready not shown ${notReady}`,
      `restarts not converged in ${settle / 1000} s: ${unconverged}`, `convergence median ${med} ms`,
      ...(firstNotReady ? [`first not ready: ${firstNotReady}`] : []),
      ...(zombieKinds.size ? [`zombies: ${[...zombieKinds].map(([k, v]) => `${v} ${k}`).join('; ')}`] : [])].join(', ');
    return { scenario: 'b. scanner SIGKILLed, 50 services', impl, lost: missing, doubled, zombies, other,
      ok: doubled === 0 && missing === 0 && zombies === 0 && svstatFailures === 0 && notReady === 0 && unconverged === 0 };
  } finally {
    await tree.destroy(process.env.HEXAD_SOAK_KEEP === '1');
  }
}

export default async function svscan(o: Options): Promise<Row[]> {
  const rows = [await once('hexad', o)];
  if (hasS6()) rows.push(await once('s6', o));
  return rows;
}
