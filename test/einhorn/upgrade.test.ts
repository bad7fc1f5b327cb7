// Upgrades and reloads with a real master: smooth and fleet upgrades, HUP, stuck and crashing
// new workers (old ones keep serving), einhorn's backoff, hexad's ACK deadline, and reload
// keeping the pid, the sockets, the children and the client connections.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '../../src/einhorn/client.js';
import { Sym } from '../../src/einhorn/yaml.js';
import { hexadAsync, hexadDaemon, processAlive, rmrf, sleep, tmp, until } from '../helpers.js';
import { children, command, get, setWorker, settled, startMaster, state, writeWorker } from './fixture.js';

/** Polls the children table; `stop()` gives the fewest workers seen serving (ACKed, not signalled). */
function capacity(sock: string): { stop(): Promise<number> } {
  let min = Infinity;
  let on = true;
  const loop = (async () => {
    while (on) {
      const kids = await children(sock);
      min = Math.min(min, kids.filter((c) => c.acked && c.signaled.length === 0).length);
      await sleep(15);
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return min;
    },
  };
}

/** Subscribes to an upgrade and timestamps each streamed message. */
async function upgradeStream(sock: string, name = 'upgrade'): Promise<{ done: Promise<[number, string][]>; client: Client }> {
  const client = await Client.connect(sock);
  client.send(new Map<string, unknown>([['id', 1], ['command', name], ['args', []]]));
  const got: [number, string][] = [];
  const done = (async () => {
    for (;;) {
      const r = await client.receive();
      if (!(r instanceof Map)) throw new Error(`stream ended: ${String(r)}`);
      got.push([Date.now(), String(r.get('message'))]);
      if (r.get('wait') !== true) return got;
    }
  })();
  return { done, client };
}

test('smooth and fleet upgrades, and SIGHUP, keep full capacity and the master', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '3', '-s', '0.2', '--max-unacked', '2']);
  t.after(() => m.d.stop());
  const old = await settled(m, 3, 0);
  setWorker(dir, 'ok', '1');
  let cap = capacity(m.sock);
  const msgs = await command(m.sock, 'upgrade');
  assert.ok((await cap.stop()) >= 3, 'never fewer than 3 workers serving');
  assert.deepEqual(msgs.slice(0, 2), ['Upgrading smoothly, as commanded', 'Starting smooth upgrade from version 0...']);
  assert.deepEqual(msgs.slice(-2), ['Upgraded successfully to version 1 (Einhorn 1.1.1).', 'Upgrade done']);
  assert.equal(msgs.filter((x) => x.startsWith('===> Launched')).length, 3);
  const usr2 = msgs.filter((x) => x.startsWith('Sending USR2 to'));
  // one old worker retired per new ACK, all of them before "Upgrade done" (einhorn sends the last after it)
  assert.deepEqual(usr2, old.map((c) => `Sending USR2 to [${c.pid}]`));
  assert.ok(msgs.indexOf('===> Launched', 0) < msgs.indexOf(usr2[0]));
  await settled(m, 3, 1);
  assert.equal((await get(m.port)).version, '1');
  assert.equal(readFileSync(m.pidfile, 'utf8'), String(m.d.pid));
  assert.ok(m.d.running);

  setWorker(dir, 'ok', '2');
  const before = await children(m.sock);
  cap = capacity(m.sock);
  const fleet = await command(m.sock, 'upgrade_fleet');
  assert.ok((await cap.stop()) >= 3);
  assert.deepEqual(fleet.slice(0, 2), ['Upgrading fleet, as commanded', 'Starting fleet upgrade from version 1...']);
  const killIdx = fleet.indexOf('Killing off 3 old workers.');
  assert.ok(killIdx > 0, fleet.join('\n'));
  assert.equal(fleet.slice(0, killIdx).filter((x) => x.startsWith('===> Launched')).length, 3, 'all new workers before any old one goes');
  assert.equal(fleet[killIdx + 1], `Sending USR2 to [${before.map((c) => c.pid).join(', ')}]`);
  assert.deepEqual(fleet.slice(-2), ['Upgraded successfully to version 2 (Einhorn 1.1.1).', 'Upgrade done']);
  await settled(m, 3, 2);

  setWorker(dir, 'ok', '3');
  process.kill(m.d.pid, 'SIGHUP');
  await settled(m, 3, 3);
  assert.equal((await get(m.port)).version, '3');
  const st = await state(m.sock);
  assert.equal(st.get(Sym.of('version')), 3);
});

test('new workers that never ACK: max_unacked of them, old workers keep serving; a new upgrade keeps capacity', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '3', '-s', '0.1', '--max-unacked', '2']);
  t.after(() => m.d.stop());
  const old = await settled(m, 3, 0);
  setWorker(dir, 'noack', '1');
  const stuck = await upgradeStream(m.sock);
  t.after(() => stuck.client.close());
  await until('two unacked new workers', async () => (await children(m.sock)).filter((c) => c.version === 1).length === 2);
  await sleep(600); // six spawn intervals: still no third one
  let kids = await children(m.sock);
  assert.equal(kids.filter((c) => c.version === 1 && !c.acked).length, 2);
  assert.deepEqual(kids.filter((c) => c.version === 0 && c.acked && c.signaled.length === 0).map((c) => c.pid), old.map((c) => c.pid));
  assert.match(m.d.stderr, /There are 2 unacked new workers, and max_unacked is 2, so not spinning up a new process\./);
  // upgrading again while stuck: einhorn would retire two ACKed old workers at once; hexad retires
  // the stuck ones and keeps the serving ones until replacements ACK
  setWorker(dir, 'ok', '2');
  const cap = capacity(m.sock);
  const msgs = await command(m.sock, 'upgrade');
  assert.ok((await cap.stop()) >= 3, 'capacity kept');
  assert.ok(msgs.includes('Currently upgrading (0 / 3 ACKs; bumping version and starting over)...'), msgs.join('\n'));
  assert.equal(msgs.at(-1), 'Upgrade done');
  kids = await settled(m, 3, 2);
  // the first client's upgrade ended too
  const first = await stuck.done;
  assert.equal(first.at(-1)?.[1], 'Upgrade done');
});

test("crashing new workers: einhorn's backoff, old workers serve, the upgrade completes once fixed", async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '2', '-s', '0.2', '--max-unacked', '1']);
  t.after(() => m.d.stop());
  await settled(m, 2, 0);
  setWorker(dir, 'crash', '1');
  const s = await upgradeStream(m.sock);
  t.after(() => s.client.close());
  // four launches: gaps of seconds × (1.5^(k-1) + 1.5^k) = 0.5, 0.75, 1.125 s
  const seen: number[] = [];
  await until('four crashing launches', async () => {
    assert.equal((await get(m.port)).version, '0', 'old workers serve meanwhile');
    const kids = await children(m.sock);
    assert.equal(kids.filter((c) => c.version === 0 && c.acked && c.signaled.length === 0).length, 2);
    return (m.d.stderr.match(/===> Launched/g) ?? []).length >= 2 + 4;
  });
  setWorker(dir, 'ok', '1');
  const got = await s.done;
  for (const [at, msg] of got) if (msg.startsWith('===> Launched')) seen.push(at);
  assert.equal(got.at(-1)?.[1], 'Upgrade done');
  assert.ok(got.some(([, x]) => /^Last spinup was .* \(there have been 2 consecutive unacked worker deaths\)$/.test(x)));
  const gaps = seen.slice(1).map((x, k) => (x - seen[k]) / 1000);
  const expected = [0.5, 0.75, 1.125];
  t.diagnostic(`launch gaps (s): ${gaps.join(", ")}`);
  for (let k = 0; k < 3; k++) {
    assert.ok(gaps[k] >= expected[k] * 0.95, `gap ${k + 1}: ${gaps[k]}s ≥ ${expected[k]}s (gaps ${gaps})`);
    assert.ok(gaps[k] < expected[k] + 1.5, `gap ${k + 1}: ${gaps[k]}s is near ${expected[k]}s (gaps ${gaps})`);
  }
  await settled(m, 2, 1);
});

test('--ack-deadline: a new worker that does not ACK in time is killed, the upgrade fails, old workers stay', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  // 4 s, not less: the first workers must ACK within the deadline too, and a Node worker can take
  // seconds to start on a loaded machine
  const m = await startMaster(dir, ['-n', '2', '-s', '0.1', '--ack-deadline', '4']);
  t.after(() => m.d.stop());
  const old = await settled(m, 2, 0);
  setWorker(dir, 'noack', '1');
  const r = await hexadAsync(['einhornsh', '-d', m.sock, '-e', 'upgrade']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^Upgrading smoothly, as commanded\n/);
  assert.match(r.stdout, /ERROR: Worker \d+ did not ACK within 4s; killing it\n/);
  assert.match(r.stdout, /Upgrade failed: worker \d+ did not ACK within 4s\n$/);
  const kids = await settled(m, 2, 0);
  assert.deepEqual(kids.map((c) => c.pid), old.map((c) => c.pid));
  assert.equal((await get(m.port)).version, '0');
  assert.equal((await state(m.sock)).get(Sym.of('upgrading')), false);
});

test('reload: same pid, same sockets, same children (adopted and reaped), same client connection', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '2', '-s', '0.1']);
  t.after(() => m.d.stop());
  const kids = await settled(m, 2, 0);
  const st0 = await state(m.sock);
  const c = await Client.connect(m.sock);
  t.after(() => c.close());
  assert.deepEqual(await c.command('reload', [], 1), ['Reloading, as commanded']);
  await until('the re-exec', () => m.d.stderr.includes("Re-exec'd einhorn master"));
  // the same connection, answered by the new image
  const [dumped] = await c.command('state', [], 2);
  assert.match(dumped, /^---\n:state:\n/);
  const st1 = await state(m.sock);
  for (const k of ['bind_fds', 'bound_ports', 'version']) assert.deepEqual(st1.get(Sym.of(k)), st0.get(Sym.of(k)), k);
  assert.deepEqual((await children(m.sock)).map((x) => x.pid), kids.map((x) => x.pid));
  assert.ok(m.d.running);
  assert.equal(readFileSync(m.pidfile, 'utf8'), String(m.d.pid));
  assert.ok([kids[0].pid, kids[1].pid].includes((await get(m.port)).pid));
  // an adopted worker dies: reaped through waitpid, replaced
  process.kill(kids[0].pid, 'SIGKILL');
  await until('the adopted worker reaped', () => !processAlive(kids[0].pid) && m.d.stderr.includes(`===> Exited worker ${kids[0].pid}`));
  const now = await settled(m, 2, 0);
  assert.ok(!now.some((x) => x.pid === kids[0].pid));
  assert.ok(now.some((x) => x.pid === kids[1].pid));
  // and an upgrade still works after the reload
  setWorker(dir, 'ok', '1');
  assert.equal((await command(m.sock, 'upgrade')).at(-1), 'Upgrade done');
  await settled(m, 2, 1);
  await until('the last adopted worker reaped', () => !processAlive(kids[1].pid));
});

test('a failing reload pre-flight tells the waiting client (einhorn leaves it hanging); --reexec-as and config', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '1', '--reexec-as=/bin/false']);
  t.after(() => m.d.stop());
  const [w] = await settled(m, 1, 0);
  assert.deepEqual(await command(m.sock, 'upgrade'), ['Upgrading smoothly, as commanded', 'ERROR: Can not initiate einhorn master reload safely, aborting']);
  assert.deepEqual((await children(m.sock)).map((c) => c.pid), [w.pid]);
  assert.equal((await state(m.sock)).get(Sym.of('version')), 0);
  // a wrapper that execs hexad einhorn, set at run time through `config`
  const marker = join(dir, 'wrapped');
  const wrap = join(dir, 'wrap');
  writeFileSync(wrap, `#!/bin/sh\necho "$@" >> ${marker}\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(process.cwd(), 'bin/hexad.js'))} einhorn "$@"\n`, { mode: 0o755 });
  assert.match((await command(m.sock, 'config', [':reexec_commandline:', `["${wrap}"]`]))[0], /^Successfully merged in config: \{:reexec_commandline=>\[".*\/wrap"\]\}$/);
  setWorker(dir, 'ok', '1');
  assert.equal((await command(m.sock, 'upgrade')).at(-1), 'Upgrade done');
  await settled(m, 1, 1);
  const lines = readFileSync(marker, 'utf8').trim().split('\n');
  assert.match(lines[0], /^--upgrade-check -- /);
  assert.match(lines[1], /^--with-state-fd \d+ -- /);
});

test('an upgrade re-execs the master only when something changed; --drop-env-var applies from the first re-exec', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '1', '-s', '0.1', '--drop-env-var', 'HEXAD_TEST_DROP', '-v'], { env: { HEXAD_TEST_DROP: 'here', HEXAD_TEST_KEEP: 'kept' } });
  t.after(() => m.d.stop());
  await settled(m, 1, 0);
  let i = await get(m.port);
  assert.equal(i.env.HEXAD_TEST_DROP, 'here', 'initial workers keep it (as with einhorn)');
  setWorker(dir, 'ok', '1');
  assert.equal((await command(m.sock, 'upgrade')).at(-1), 'Upgrade done');
  await settled(m, 1, 1);
  await until('the re-exec', () => m.d.stderr.includes("Re-exec'd einhorn master"));
  i = await get(m.port);
  assert.equal(i.env.HEXAD_TEST_DROP, undefined, 'dropped for workers of the re-exec\'d master');
  assert.equal(i.env.HEXAD_TEST_KEEP, 'kept');
  // now the environment is the re-exec one and the code is the same: no further re-exec
  const execs = (m.d.stderr.match(/About to re-exec/g) ?? []).length;
  setWorker(dir, 'ok', '2');
  assert.equal((await command(m.sock, 'upgrade')).at(-1), 'Upgrade done');
  await settled(m, 1, 2);
  assert.equal((m.d.stderr.match(/About to re-exec/g) ?? []).length, execs);
  assert.match(m.d.stderr, /DEBUG: Upgrading without a re-exec: same program, same environment as this master image/);
});

test('requests pipelined behind a reload run exactly once, in order, by one image or the other', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '1', '-s', '0.05']);
  t.after(() => m.d.stop());
  await settled(m, 1, 0);
  for (let round = 0; round < 3; round++) {
    const c = await Client.connect(m.sock);
    const from = 1 + round * 4;
    c.send(new Map<string, unknown>([['id', 1], ['command', 'reload'], ['args', []]]));
    for (let k = 0; k < 4; k++) {
      await sleep(k * 4);
      c.send(new Map<string, unknown>([['id', 2 + k], ['command', 'inc'], ['args', []]]));
    }
    const replies: string[] = [];
    for (let k = 0; k < 5; k++) {
      const r = (await c.receive()) as Map<string, unknown>;
      replies.push(`${r.get('request_id')} ${r.get('message')}`);
    }
    c.close();
    assert.deepEqual(replies, ['1 Reloading, as commanded', ...[0, 1, 2, 3].map((k) => `${2 + k} Incrementing number of workers from ${from + k} -> ${from + k + 1}`)]);
  }
  const config = (await state(m.sock)).get(Sym.of('config')) as Map<unknown, unknown>;
  assert.equal(config.get(Sym.of('number')), 13);
  assert.equal((m.d.stderr.match(/Re-exec'd einhorn master/g) ?? []).length, 3);
});

test('an upgrade keeps a still-unACKed worker until its replacement ACKs, and its exit is no crash', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir, 'ackfile', '0');
  const m = await startMaster(dir, ['-n', '1', '-s', '0.2']);
  t.after(() => m.d.stop());
  const start = await until('the first worker', async () => {
    const k = await children(m.sock);
    return k.length === 1 ? k : null;
  });
  const first = start![0];
  assert.equal(first.acked, false);
  setWorker(dir, 'ackfile', '1');
  const up = await upgradeStream(m.sock);
  t.after(() => up.client.close());
  await until('the new worker', async () => (await children(m.sock)).some((c) => c.version === 1));
  await sleep(1000);
  let kids = await children(m.sock);
  const old = kids.find((c) => c.pid === first.pid);
  assert.ok(old, `the unACKed old worker still runs (stderr: ${m.d.stderr.slice(-2000)})`);
  assert.deepEqual(old.signaled, [], 'and was not told to stop before its replacement ACKed');
  assert.doesNotMatch(m.d.stderr, /killing off 1 unacked/);
  writeFileSync(join(dir, 'go-1'), '');
  const msgs = (await up.done).map(([, msg]) => msg);
  assert.equal(msgs.at(-1), 'Upgrade done');
  await until('the old worker gone', async () => !(await children(m.sock)).some((c) => c.pid === first.pid));
  assert.ok(!processAlive(first.pid));
  kids = await children(m.sock);
  assert.equal(kids.length, 1);
  const st = await state(m.sock);
  assert.equal(st.get(Sym.of('consecutive_deaths_before_ack')), 0, 'the retired worker did not count as a crash');
});

test('state: :generation counts upgrades and reloads; :pidfile and :lockfile are nil unless given', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '1'], { env: { TMPDIR: dir } });
  t.after(() => m.d.stop());
  await settled(m, 1, 0);
  const st = await state(m.sock);
  assert.equal(st.get(Sym.of('generation')), 0);
  assert.equal(st.get(Sym.of('pidfile')), m.pidfile, 'given with -e');
  await command(m.sock, 'upgrade');
  assert.equal((await state(m.sock)).get(Sym.of('generation')), 1);
  await command(m.sock, 'reload');
  await until('reloaded', async () => (await state(m.sock).catch(() => null))?.get(Sym.of('generation')) === 2);
  await command(m.sock, 'upgrade');
  assert.equal((await state(m.sock)).get(Sym.of('generation')), 3);

  const dir2 = tmp();
  t.after(() => rmrf(dir2));
  writeWorker(dir2);
  const d = hexadDaemon(['einhorn', '-d', join(dir2, 'sock'), '-m', 'manual', '--', join(dir2, 'run')], { env: { ...process.env, TMPDIR: dir2, EINHORN_TEST_MANUAL: '1' } });
  t.after(() => d.stop());
  const st2 = await until('second master', () => state(join(dir2, 'sock')).catch(() => null));
  assert.equal(st2!.get(Sym.of('pidfile')), null);
  assert.equal(st2!.get(Sym.of('lockfile')), null);
});
