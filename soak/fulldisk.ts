// (d) The log directory sits on a 1 MB tmpfs; a service writes more numbered lines than fit.
// The logger must block and retry (as s6-log does) rather than drop lines or die; after a
// while the tmpfs is grown (`mount -o remount,size=64m`, the disk is "freed") and every line
// must arrive, none twice. Both sides: hexad svscan + hexad log, s6-svscan + s6-log.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { byArgv, descendants } from './proc.js';
import { countLines, missingRuns, writerNext, writerService } from './lines.js';
import type { Options, Row } from './report.js';
import { hasS6, sleep, tempRoot, tool, Tree, until, type Impl } from './tree.js';

function sh(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? null : `${cmd} ${args.join(' ')}: ${(r.stderr || '').trim()}`;
}

async function once(impl: Impl, o: Options): Promise<Row> {
  const scenario = 'd. full disk under the log dir, then freed';
  const root = tempRoot('disk');
  const mnt = join(root, 'mnt');
  mkdirSync(mnt);
  const err = sh('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
  if (err) {
    rmSync(root, { recursive: true, force: true });
    return { scenario, impl, lost: '?', doubled: '?', zombies: '?', other: `not run: ${err}`, ok: false };
  }
  const total = o.quick ? 30_000 : 60_000; // 55 bytes a line: 1.6 / 3.3 MB, more than 1 MB
  const logdir = join(mnt, 'logs');
  const tree = new Tree(impl, root);
  const svc = join(tree.scan, 'w');
  const state = writerService(svc, total, `exec ${tool(impl, 'log')} n100 s65536 ${logdir}`);
  const loggers = (): number[] => byArgv(logdir).filter((p) => p.comm !== 'sh').map((p) => p.pid);
  const hold = (o.quick ? 5_000 : 15_000) * o.scale;
  const t0 = Date.now();
  try {
    tree.start();
    // Wait for the stall: the disk full and the line count not moving for 2 s.
    let prev = -1;
    let still = 0;
    const stalled = await until(() => {
      const c = countLines([logdir], total);
      still = c.seen === prev ? still + 1 : 0;
      prev = c.seen;
      return still >= 4;
    }, 60_000 * o.scale, 500);
    const fs = statfsSync(mnt);
    const availKb = (fs.bavail * fs.bsize) / 1024;
    const atStall = countLines([logdir], total).seen;
    const before = loggers();
    const pidsSeen = new Set(before);
    const holdEnd = Date.now() + hold;
    while (Date.now() < holdEnd) {
      for (const p of loggers()) pidsSeen.add(p);
      await sleep(250);
    }
    const grownErr = sh('mount', ['-o', 'remount,size=64m', mnt]);
    const writerDone = await until(() => writerNext(state) >= total, 60_000 * o.scale, 200);
    prev = -1;
    still = 0;
    await until(() => {
      const c = countLines([logdir], total);
      still = c.seen === prev ? still + 1 : 0;
      prev = c.seen;
      return c.seen >= total || still >= 6;
    }, 60_000 * o.scale, 500);
    const c = countLines([logdir], total);
    const zombies = descendants(tree.pid).filter((p) => p.state === 'Z').length;
    const parts = [`stalled ${stalled ? 'yes' : 'NO'} at ${atStall} lines with ${availKb.toFixed(0)} KB free`,
      `logger processes seen while full ${pidsSeen.size}`, `out-of-order ${c.outOfOrder}`, `garbled ${c.garbled}`,
      `${((Date.now() - t0) / 1000).toFixed(1)} s`];
    if (!writerDone) parts.push('WRITER NOT DONE');
    if (grownErr) parts.push(grownErr);
    if (c.lost) parts.push(`missing ${missingRuns([logdir], total)}`);
    return { scenario, impl, lost: c.lost, doubled: c.doubled, zombies, other: parts.join(', '),
      ok: c.lost === 0 && c.doubled === 0 && c.garbled === 0 && c.outOfOrder === 0 && zombies === 0 && writerDone && pidsSeen.size === 1 };
  } finally {
    await tree.destroy(true);
    sh('umount', ['-l', mnt]);
    if (process.env.HEXAD_SOAK_KEEP !== '1') rmSync(root, { recursive: true, force: true });
  }
}

export default async function fulldisk(o: Options): Promise<Row[]> {
  const rows = [await once('hexad', o)];
  if (hasS6()) rows.push(await once('s6', o));
  return rows;
}
