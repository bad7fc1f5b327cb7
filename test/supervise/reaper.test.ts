// The batch reaper: each child reaped exactly once, its status delivered to its owner, while
// libuv's own children (child_process) keep theirs; orphans reaped when we are a subreaper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { pipe } from '../../src/native/index.js';
import { becomeSubreaper, orphanCount, spawnWatched } from '../../src/supervise/reaper.js';
import { until } from '../helpers.js';

/** Zombie children of this process, from /proc. */
async function zombies(): Promise<number[]> {
  const { readdirSync, readFileSync } = await import('node:fs');
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let s: string;
    try { s = readFileSync(`/proc/${d}/stat`, 'latin1'); } catch { continue; }
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    if (f[0] === 'Z' && Number(f[1]) === process.pid) out.push(Number(d));
  }
  return out;
}

test('1,000 concurrent deaths: each status reaches its owner exactly once; libuv children keep theirs', async () => {
  const [r, w] = pipe(true);
  const N = 1000;
  const calls = new Map<number, number[]>();
  const expected = new Map<number, number>();
  for (let i = 0; i < N; i++) {
    // every child blocks on the same pipe, so all of them die at once when it closes
    const pid = spawnWatched('/bin/sh', ['sh', '-c', 'read x; exit $1', 'sh', String(i % 200)], '/', [r, -1, 2], (wstat) => {
      const l = calls.get(pid) ?? [];
      l.push(wstat);
      calls.set(pid, l);
    });
    expected.set(pid, (i % 200) << 8);
  }
  // libuv's children die in the same storm: their 'exit' must still come
  const libuv = Array.from({ length: 20 }, (_, i) => new Promise<number | null>((res) => {
    const c = spawn('/bin/sh', ['-c', `sleep 0.5; exit ${i + 1}`], { stdio: 'ignore' });
    c.on('exit', (code) => res(code));
  }));
  closeSync(r);
  closeSync(w);
  const codes = await Promise.all(libuv);
  assert.deepEqual(codes, Array.from({ length: 20 }, (_, i) => i + 1));
  await until('every child reaped', () => calls.size === N, 120_000);
  for (const [pid, want] of expected) assert.deepEqual(calls.get(pid), [want], `pid ${pid}`);
  // nothing more arrives later, and nothing stays a zombie
  await new Promise((res) => setTimeout(res, 300));
  for (const l of calls.values()) assert.equal(l.length, 1);
  assert.deepEqual(await zombies(), []);
});

test('as a subreaper, double-forked orphans are reaped and the owner still gets its child', async () => {
  becomeSubreaper();
  const before = orphanCount();
  let status = -1;
  // the child leaves 50 grandchildren behind (each one orphaned at once), then exits 7
  spawnWatched('/bin/sh', ['sh', '-c', 'for i in $(seq 50); do (sleep 0.2 &); done; exit 7'], '/', [-1, -1, 2], (w) => { status = w; });
  await until('owner got its status', () => status !== -1, 60_000);
  assert.equal(status, 7 << 8);
  await until('50 orphans reaped', () => orphanCount() - before >= 50, 60_000);
  await until('no zombie', async () => (await zombies()).length === 0, 60_000);
  // a libuv child still gets its exit code while we reap orphans
  const code = await new Promise((res) => spawn('/bin/sh', ['-c', 'exit 3']).on('exit', res));
  assert.equal(code, 3);
});
