// The command socket's bounds: a burst of 1,000 clients is accepted, and a client that pipelines
// requests without reading the replies is dropped instead of growing the master's memory.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import { encode } from '../../src/einhorn/wire.js';
import { rmrf, tmp, until } from '../helpers.js';
import { command, startMaster, writeWorker } from './fixture.js';

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

test('1,000 simultaneous connections are all accepted', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, [], { binds: [] });
  t.after(() => m.d.stop());
  // stop the master from accepting while the burst arrives, so every connection sits in the queue
  process.kill(m.d.pid!, 'SIGSTOP');
  const socks: net.Socket[] = [];
  t.after(() => socks.forEach((s) => s.destroy()));
  let stopped = true;
  try {
    const results = await Promise.all(Array.from({ length: 1000 }, () => new Promise<string>((resolve) => {
      const s = net.connect(m.sock);
      socks.push(s);
      s.once('connect', () => resolve('ok'));
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    })));
    const failed = results.filter((r) => r !== 'ok');
    assert.equal(failed.length, 0, `refused: ${[...new Set(failed)].join(', ')}`);
    process.kill(m.d.pid!, 'SIGCONT');
    stopped = false;
  } finally {
    if (stopped) process.kill(m.d.pid!, 'SIGCONT');
  }
  for (const s of socks) s.destroy();
  assert.match((await command(m.sock, 'ehlo'))[0], /Welcome/);
});

test('a client that never reads its replies is dropped; the master stays small', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, [], { binds: [] });
  t.after(() => m.d.stop());
  const before = rssKb(m.d.pid!);
  const s = net.connect(m.sock);
  s.pause();
  await new Promise((r) => s.once('connect', r));
  const line = encode(new Map([['command', 'help']]));
  const closed = new Promise<void>((r) => s.once('close', () => r()));
  s.on('error', () => {});
  let sent = 0;
  for (let i = 0; i < 60_000 && !s.destroyed; i++) {
    if (!s.write(line)) await new Promise((r) => { s.once('drain', r); s.once('close', r); });
    sent++;
  }
  await until(`the client dropped (stderr: ${m.d.stderr.slice(-500)})`, () => /Dropping a command socket client/.test(m.d.stderr), 60_000);
  s.resume();
  await closed;
  const after = rssKb(m.d.pid!);
  assert.ok(after - before < 100_000, `master RSS grew by ${after - before} kB after ${sent} pipelined help requests`);
  assert.match((await command(m.sock, 'ehlo'))[0], /Welcome/, 'the master still answers others');
});
