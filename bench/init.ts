// hexad init as PID 1 of a new PID namespace: time from start to CMD running with 20 longruns
// in the s6-rc `user` bundle, time from SIGTERM to exit, memory (PSS) of the whole tree without
// the services themselves. Beside: Debian's s6-svscan + s6-rc doing the same stages from a
// shell PID 1, and `node` alone as PID 1 starting CMD (the floor). Needs root and unshare.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { HEXAD, hasS6, memoryOf, sleep, tempDir } from './util.js';
import { median, ms, printTable, ratio } from './table.js';

const SERVICES = 20;
const RUNS = 3;

function writeRoot(root: string): void {
  const src = join(root, 'etc/s6-overlay/s6-rc.d');
  for (let i = 0; i < SERVICES; i++) {
    const d = join(src, `svc${i}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'type'), 'longrun\n');
    writeFileSync(join(d, 'run'), '#!/bin/sh\nexec sleep 100000\n');
    chmodSync(join(d, 'run'), 0o755);
    mkdirSync(join(src, 'user/contents.d'), { recursive: true });
    writeFileSync(join(src, 'user/contents.d', `svc${i}`), '');
  }
  writeFileSync(join(src, 'user/type'), 'bundle\n');
}

function nsInit(unsharePid: number): number {
  try {
    return Number(readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(' ')[0]) || 0;
  } catch {
    return 0;
  }
}

/** PSS of PID 1 and every descendant that is not one of the `sleep` services. */
function treePss(pid1: number): number {
  const out = spawnSync('ps', ['-e', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
  const want = new Set([pid1]);
  let pss = memoryOf(pid1).pssKb;
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, pp, comm] of out) {
      const pid = Number(p);
      if (want.has(Number(pp)) && !want.has(pid)) {
        want.add(pid);
        grew = true;
        if (comm !== 'sleep') pss += memoryOf(pid).pssKb;
      }
    }
  }
  return pss;
}

interface Sample { toCmd: number; toExit: number; pssKb: number }

async function once(argv: string[], marker: string): Promise<Sample> {
  rmSync(marker, { force: true });
  const t0 = performance.now();
  const u = spawn('unshare', ['--pid', '--fork', '--mount-proc', ...argv], { stdio: 'ignore' });
  while (!existsSync(marker)) await sleep(1);
  const toCmd = performance.now() - t0;
  await sleep(1500);
  const pid1 = nsInit(u.pid!);
  const pssKb = treePss(pid1);
  const exited = new Promise((r) => u.once('exit', r));
  const t1 = performance.now();
  process.kill(pid1, 'SIGTERM');
  await exited;
  return { toCmd, toExit: performance.now() - t1, pssKb };
}

export default async function main(): Promise<void> {
  if (process.getuid?.() !== 0 || spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status !== 0) {
    console.log('(skipped: needs root and unshare)');
    return;
  }
  const dir = tempDir('hexad-bench-init-');
  const root = join(dir, 'root');
  writeRoot(root);
  const marker = join(dir, 'cmd-started');
  const cmd = ['/bin/sh', '-c', `touch ${marker}; exec sleep 100000`];
  const sides: [string, string[]][] = [
    ['hexad init', [process.execPath, HEXAD, 'init', '--root', root, '--', ...cmd]],
    // the floor: Node as PID 1 starting CMD and forwarding TERM, nothing else
    ['node alone', [process.execPath, '-e', `const c=require('child_process').spawn(${JSON.stringify(cmd[0])},${JSON.stringify(cmd.slice(1))},{stdio:'inherit'});process.on('SIGTERM',()=>{c.kill();});c.on('exit',()=>process.exit(0))`]],
  ];
  if (hasS6() && existsSync('/usr/bin/s6-rc-compile')) {
    // the same stages with Debian's tools, from a shell PID 1 (s6-overlay's stage scripts, reduced)
    const s6 = join(dir, 's6-pid1');
    writeFileSync(s6, `#!/bin/sh
set -e
R=${dir}/s6run; rm -rf $R; mkdir -p $R/service
s6-rc-compile $R/db ${root}/etc/s6-overlay/s6-rc.d
s6-svscan $R/service & SV=$!
trap 's6-rc -l $R/live -da change; s6-svscanctl -t $R/service; wait $SV; exit 0' TERM
s6-rc-init -c $R/db -l $R/live $R/service
s6-rc -l $R/live -u change user
${cmd[0]} -c "touch ${marker}; exec sleep 100000" & wait $!
`);
    chmodSync(s6, 0o755);
    sides.push(['s6-svscan + s6-rc (Debian)', [s6]]);
  }
  const results = new Map<string, Sample[]>();
  // alternate the sides run by run: the machine's load falls on all of them alike
  for (let r = 0; r < RUNS; r++) {
    for (const [name, argv] of sides) {
      const s = await once(argv, marker);
      results.set(name, [...(results.get(name) ?? []), s]);
    }
  }
  const ref = results.get('hexad init')!;
  const rows = [...results].map(([name, ss]) => {
    const toCmd = median(ss.map((s) => s.toCmd));
    const toExit = median(ss.map((s) => s.toExit));
    const pss = median(ss.map((s) => s.pssKb));
    return [name, ms(toCmd), ms(toExit), `${(pss / 1024).toFixed(1)} MB`, name === 'hexad init' ? '' : ratio(median(ref.map((s) => s.toCmd)), toCmd)];
  });
  console.log(`${SERVICES} longruns in the user bundle, CMD = sh; medians of ${RUNS} alternated runs; PSS without the services' own processes\n`);
  printTable(['PID 1', 'start → CMD running', 'SIGTERM → exit', 'PSS', 'hexad / this (start)'], rows);
  rmSync(dir, { recursive: true, force: true });
}
