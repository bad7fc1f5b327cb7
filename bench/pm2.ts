// hexad's app front end beside PM2 (installed from npm into a temporary directory, its daemon
// killed at the end, PM2_HOME temporary): time from `up` to 50 apps ready, memory of the whole
// tree, `ls` and `logs -n 100` latency.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, ms, printTable, ratio } from './table.js';
import { HEXAD, tempDir } from './util.js';

const N = 50;
const APP = `setInterval(() => console.log('tick ' + Date.now()), 1000); if (process.send) process.send('ready');`;

function treeRssKb(rootPids: number[]): number {
  const kids = new Map<number, number[]>();
  for (const n of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const f = readFileSync(`/proc/${n}/stat`, 'latin1');
      const ppid = Number(f.slice(f.lastIndexOf(')') + 2).split(' ')[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(n)]);
    } catch { /* gone */ }
  }
  let kb = 0;
  const seen = new Set<number>();
  const stack = [...rootPids];
  while (stack.length) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    try { kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0); } catch { /* gone */ }
    stack.push(...(kids.get(p) ?? []));
  }
  return kb;
}

function time(f: () => void, runs = 5): number {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) { const t = performance.now(); f(); xs.push(performance.now() - t); }
  return median(xs);
}

export default async function main(): Promise<void> {
  const dir = tempDir('hexad-bench-pm2-');
  writeFileSync(join(dir, 'app.js'), APP);
  const apps = Array.from({ length: N }, (_, i) => ({ name: `a${i}`, run: [process.execPath, join(dir, 'app.js')], ready: { type: 'process.send' } }));
  writeFileSync(join(dir, 'hexad.config.json'), JSON.stringify({ apps }));
  const hx = (args: string[]): void => { execFileSync(process.execPath, [HEXAD, ...args], { cwd: dir, stdio: 'ignore' }); };
  let t = performance.now();
  hx(['up', '-d']);
  const hexadUp = performance.now() - t;
  await new Promise((r) => setTimeout(r, 3000));
  const scanPid = Number(execFileSync('pgrep', ['-f', `svscan ${join(dir, '.hexad/scan')}`]).toString().trim().split('\n')[0]);
  const hexadMem = treeRssKb([scanPid]);
  const hexadLs = time(() => hx(['ls']));
  const hexadLogs = time(() => hx(['logs', '-n', '100']));
  hx(['down']);

  // PM2
  const pm2dir = join(dir, 'pm2');
  const env = { ...process.env, PM2_HOME: join(dir, 'pm2home') };
  const inst = spawnSync('npm', ['install', '--prefix', pm2dir, '--no-audit', '--no-fund', 'pm2'], { stdio: 'ignore' });
  if (inst.status !== 0) {
    printTable(['row', 'hexad', 'PM2'], [['up → 50 ready (ms)', ms(hexadUp), 'npm install pm2 failed'], ['tree RSS (MB)', (hexadMem / 1024).toFixed(0), '-'], ['ls (ms)', ms(hexadLs), '-'], ['logs -n 100 (ms)', ms(hexadLogs), '-']]);
    return;
  }
  const pm2 = join(pm2dir, 'node_modules/.bin/pm2');
  const eco = join(dir, 'ecosystem.config.js');
  writeFileSync(eco, `module.exports = { apps: ${JSON.stringify(Array.from({ length: N }, (_, i) => ({ name: `a${i}`, script: join(dir, 'app.js'), wait_ready: true })))} };`);
  const p = (args: string[]): void => { execFileSync(pm2, args, { env, stdio: 'ignore' }); };
  try {
    p(['ping']); // the daemon starts outside the timed part, as hexad's svscan does not
    t = performance.now();
    p(['start', eco]);
    const pm2Up = performance.now() - t;
    await new Promise((r) => setTimeout(r, 3000));
    const daemon = Number(readFileSync(join(dir, 'pm2home/pm2.pid'), 'utf8'));
    const pm2Mem = treeRssKb([daemon]);
    const pm2Ls = time(() => p(['ls']));
    const pm2Logs = time(() => p(['logs', '--nostream', '--lines', '100']));
    printTable(['row', 'hexad', 'PM2', 'hexad/PM2'], [
      ['up → 50 apps ready (ms)', ms(hexadUp), ms(pm2Up), ratio(hexadUp, pm2Up)],
      ['whole tree RSS, 50 apps (MB)', (hexadMem / 1024).toFixed(0), (pm2Mem / 1024).toFixed(0), ratio(hexadMem, pm2Mem)],
      ['ls (ms, median of 5)', ms(hexadLs), ms(pm2Ls), ratio(hexadLs, pm2Ls)],
      ['logs -n 100 (ms, median of 5)', ms(hexadLogs), ms(pm2Logs), ratio(hexadLogs, pm2Logs)],
    ]);
  } finally {
    spawnSync(pm2, ['kill'], { env, stdio: 'ignore' });
  }
}
