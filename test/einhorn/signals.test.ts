// The master's signal table (einhorn §7.1, with SIGUSR1/SIGALRM trapped), -t escalation, -k.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { test } from 'node:test';
import { processAlive, rmrf, sleep, tmp, until } from '../helpers.js';
import { command, settled, startMaster, writeWorker } from './fixture.js';

/** Dead or a zombie (orphans are reaped by whatever init the test machine has, maybe late). */
function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] === 'Z';
  } catch {
    return true;
  }
}

/** A request that takes `ms` to answer, started now; resolves with its status. */
function slow(port: number, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/slow?ms=${ms}`, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

test('INT, TERM and USR2: the workers drain, then the master exits 0 and removes its files', async (t) => {
  await Promise.all((['SIGINT', 'SIGTERM', 'SIGUSR2'] as const).map(async (sig) => {
    const dir = tmp();
    t.after(() => rmrf(dir));
    writeWorker(dir);
    const m = await startMaster(dir, ['-n', '1']);
    t.after(() => m.d.stop('SIGKILL'));
    const [w] = await settled(m, 1);
    const inflight = slow(m.port, 400);
    await sleep(100);
    const t0 = Date.now();
    m.d.kill(sig);
    assert.equal(await inflight, 200, `${sig}: the request in flight is answered`);
    await m.d.wait();
    assert.equal(m.d.exitCode, 0, `${sig}: ${m.d.stderr}`);
    assert.ok(Date.now() - t0 >= 250, `${sig}: the master waited for its worker`);
    assert.ok(!processAlive(w.pid));
    assert.ok(!existsSync(m.sock) && !existsSync(m.pidfile), `${sig}: files removed`);
    assert.match(m.d.stderr, new RegExp(`Sending ${sig === 'SIGTERM' ? 'TERM' : 'USR2'} to \\[${w.pid}\\]`));
  }));
});

test('QUIT: the master exits 1 at once; USR1 and ALRM are trapped and ignored', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '1']);
  t.after(() => m.d.stop('SIGKILL'));
  const [w] = await settled(m, 1);
  t.after(() => {
    try {
      process.kill(w.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  m.d.kill('SIGUSR1');
  m.d.kill('SIGALRM');
  await until('both logged', () => m.d.stderr.includes('Ignoring SIGUSR1') && m.d.stderr.includes('Ignoring SIGALRM'));
  assert.ok(m.d.running);
  assert.deepEqual((await settled(m, 1)).map((c) => c.pid), [w.pid]);
  m.d.kill('SIGQUIT');
  await m.d.wait();
  assert.equal(m.d.exitCode, 1);
  assert.match(m.d.stderr, new RegExp(`Sending QUIT to \\[${w.pid}\\]`));
  assert.ok(!existsSync(m.sock) && !existsSync(m.pidfile));
});

test('-t: a worker that ignores USR2 is killed T seconds after `die`; the master then exits 0', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir, 'stubborn');
  const m = await startMaster(dir, ['-n', '1', '-t', '1']);
  t.after(() => m.d.stop('SIGKILL'));
  const [w] = await settled(m, 1);
  const t0 = Date.now();
  assert.deepEqual(await command(m.sock, 'die'), ['Einhorn is going down! ']);
  await m.d.wait();
  const elapsed = Date.now() - t0;
  assert.equal(m.d.exitCode, 0);
  assert.ok(elapsed >= 950, `killed after ${elapsed} ms`);
  assert.ok(elapsed < 4000, `killed after ${elapsed} ms`);
  assert.match(m.d.stderr, new RegExp(`Child ${w.pid} is still active after 1s\\. Sending SIGKILL\\.`));
  assert.ok(!processAlive(w.pid));
});

test('-k: workers get USR2 and drain when the master is SIGKILLed (parent-death signal through setpriv)', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '2', '-k']);
  t.after(() => m.d.stop('SIGKILL'));
  const kids = await settled(m, 2);
  const ws = kids.map((c) => c.pid);
  t.after(() => {
    for (const p of ws) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
  process.kill(m.d.pid, 'SIGKILL');
  await until('workers gone after the master died', () => ws.every((p) => gone(p)), 10_000);
});
