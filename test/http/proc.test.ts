// /proc/PID/stat as the metrics read it: procUsage, and ProcStatReader which keeps each file
// open from one scrape to the next. Real processes: a stopped one (its numbers hold still), one
// whose command name has ") " in it, one that dies while its file is held.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { heldStats } from './http-helpers.js';
import { join } from 'node:path';
import { rmrf, tmp, until } from '../helpers.js';
import { procUsage, ProcStatReader } from '../../src/http/proc.js';

const root = tmp('hexad-proc-');
const kids: ChildProcess[] = [];
after(() => {
  for (const k of kids) if (k.exitCode === null && k.signalCode === null && k.pid! > 1) k.kill('SIGKILL');
  rmrf(root);
});

const spawned = new WeakMap<ChildProcess, Promise<unknown>>();

function start(file = 'sleep'): ChildProcess {
  const c = spawn(file, ['1000'], { stdio: 'ignore' });
  kids.push(c);
  spawned.set(c, new Promise((r) => c.once('spawn', r)));
  return c;
}

async function started(c: ChildProcess): Promise<number> {
  await spawned.get(c);
  // exec done: the command name is no longer the parent's
  await until('exec', () => !readFileSync(`/proc/${c.pid}/stat`, 'latin1').includes('(node)'));
  return c.pid!;
}

/** The numbers the way proc(5) counts them, from the text. */
function byText(pid: number): { cpuSeconds: number; rssPages: number } {
  const t = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
  return { cpuSeconds: (Number(f[11]) + Number(f[12])) / 100, rssPages: Number(f[21]) };
}


test('procUsage and the reader give the numbers of the text, command names with ") " included', async () => {
  const odd = join(root, 'a) b (c');
  copyFileSync('/bin/sleep', odd);
  for (const p of ['sleep', odd]) {
    const c = start(p);
    const pid = await started(c);
    process.kill(pid, 'SIGSTOP');
    await until('stopped', () => { const t = readFileSync(`/proc/${pid}/stat`, 'latin1'); return t.slice(t.lastIndexOf(')')).startsWith(') T '); });
    const want = byText(pid);
    const u = procUsage(pid)!;
    assert.equal(u.cpuSeconds, want.cpuSeconds);
    assert.ok(want.rssPages > 0);
    assert.equal(u.rssBytes % want.rssPages, 0);
    const page = u.rssBytes / want.rssPages;
    assert.ok([4096, 16384, 65536].includes(page), `page size ${page}`);
    const r = new ProcStatReader();
    r.begin();
    assert.deepEqual(r.usage(pid), u);
    assert.deepEqual(r.usage(pid), u, 'read again from the held file');
    r.end();
    r.close();
    process.kill(pid, 'SIGCONT');
  }
  assert.equal(procUsage(0), null);
  assert.equal(procUsage(-1), null);
});

test('the reader holds one file per pid asked for in the round, closes the rest, and lets go of the dead', async () => {
  const a = start(), b = start();
  const pa = await started(a), pb = await started(b);
  const before = heldStats();
  const r = new ProcStatReader();
  r.begin();
  assert.ok(r.usage(pa) && r.usage(pb));
  r.end();
  assert.equal(r.size, 2);
  assert.deepEqual(heldStats(), [...before, pa, pb].sort((x, y) => x - y));

  r.begin();
  assert.ok(r.usage(pa));
  r.end();
  assert.equal(r.size, 1, 'b not asked for: its file closed');
  assert.deepEqual(heldStats(), [...before, pa].sort((x, y) => x - y));

  // a dies and is reaped while its file is held: the file reads nothing any more
  a.kill('SIGKILL');
  await new Promise((res) => a.once('exit', res));
  r.begin();
  assert.equal(r.usage(pa), null);
  assert.ok(r.usage(pb));
  r.end();
  assert.equal(r.size, 1);
  assert.deepEqual(heldStats(), [...before, pb].sort((x, y) => x - y));
  r.close();
  assert.equal(r.size, 0);
  assert.deepEqual(heldStats(), before);
});
