// A real master with real HTTP workers: what a worker inherits, the worker-count commands, the
// exact bytes on the command socket, and bad input that must not disturb the master.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { command, children, get, settled, startMaster, state, writeWorker, type Info } from './fixture.js';
import { Sym } from '../../src/einhorn/yaml.js';
import { rmrf, tmp, until } from '../helpers.js';

function ipv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}

function getUnix(path: string): Promise<Info> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: path, path: '/info', agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8').on('data', (d) => (b += d));
      res.on('end', () => resolve(JSON.parse(b) as Info));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
  });
}

test('workers get the sockets at fd 3, 4, … with einhorn and (--systemd-fds) systemd variables, each in its own process group', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const v6 = await ipv6Loopback();
  const usock = join(dir, 'app.sock');
  const binds = ['127.0.0.1:0,r', `unix:${usock}`, ...(v6 ? ['[::1]:0'] : [])];
  const m = await startMaster(dir, ['-n', '2', '--systemd-fds'], { binds });
  t.after(() => m.d.stop());
  await settled(m, 2);
  const seen = new Map<number, Info>();
  await until('both workers answering', async () => {
    const i = await get(m.port);
    seen.set(i.pid, i);
    return seen.size === 2;
  });
  for (const i of seen.values()) {
    const e = i.env;
    assert.equal(e.EINHORN_FD_COUNT, String(binds.length));
    assert.equal(e.EINHORN_FD_0, '3');
    assert.equal(e.EINHORN_FD_1, '4');
    assert.equal(e.EINHORN_MASTER_PID, String(m.d.pid));
    assert.equal(i.ppid, m.d.pid);
    assert.equal(e.EINHORN_SOCK_PATH, m.sock);
    assert.equal(e.LISTEN_FDS, String(binds.length));
    assert.equal(e.LISTEN_PID, String(i.pid), 'LISTEN_PID is the worker itself');
    assert.equal(e.LISTEN_FDNAMES, binds.map((_, k) => `einhorn${k}`).join(':'));
    assert.equal(i.pgid, i.pid, 'own process group');
    assert.equal(i.fd3, 'socket');
    assert.equal(e.EINHORN_SOCK_FD, undefined);
  }
  assert.deepEqual([...seen.values()].map((i) => i.index).sort(), [0, 1]);
  // the same workers serve the UNIX socket (and ::1 when the host has IPv6)
  assert.ok(seen.has((await getUnix(usock)).pid));
  if (v6) {
    const ports = (await state(m.sock)).get(Sym.of('bound_ports')) as number[];
    assert.ok(seen.has((await get(ports[2], '/info', '::1')).pid));
  }
});

test('inc, dec, set_workers and state', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '2', '-s', '0.1']);
  t.after(() => m.d.stop());
  const first = await settled(m, 2);
  assert.deepEqual(await command(m.sock, 'inc'), ['Incrementing number of workers from 2 -> 3']);
  const three = await settled(m, 3);
  assert.deepEqual(await command(m.sock, 'dec'), ['Decrementing number of workers from 3 -> 2']);
  // all acked: the oldest worker of the current version goes
  await until('oldest worker gone', async () => !(await children(m.sock)).some((c) => c.pid === three[0].pid));
  await settled(m, 2);
  assert.ok(first.some((c) => c.pid === three[0].pid));
  assert.deepEqual(await command(m.sock, 'set_workers', ['4']), ['Altering worker count, 2 -> 4. Will spin up additional workers.']);
  await settled(m, 4);
  assert.deepEqual(await command(m.sock, 'set_workers', ['4']), ['']);
  assert.deepEqual(await command(m.sock, 'set_workers', ['1']), ['Altering worker count, 4 -> 1. Will gracefully terminate workers.']);
  await settled(m, 1);
  assert.deepEqual(await command(m.sock, 'dec'), [`Can't decrease number of workers (already at 1).  Run kill ${m.d.pid} if you really want to kill einhorn.`]);
  assert.deepEqual(await command(m.sock, 'set_workers', ['0']), ["Invalid count: '0'. Must be an integer in [1,1000)."]);
  assert.deepEqual(await command(m.sock, 'set_workers'), ["Invalid count: ''. Must be an integer in [1,1000)."]);
  const st = await state(m.sock);
  assert.deepEqual(Object.fromEntries(st.get(Sym.of('config')) as Map<Sym, unknown>), { [Sym.of('number') as unknown as string]: 1, [Sym.of('backlog') as unknown as string]: 100, [Sym.of('seconds') as unknown as string]: 0.1 });
  assert.equal((st.get(Sym.of('ack_mode')) as Map<unknown, unknown>).get(Sym.of('type')), Sym.of('manual'));
  assert.equal(st.get(Sym.of('version')), 0);
  assert.deepEqual(await command(m.sock, 'quieter'), ['Verbosity set to 2']);
  assert.deepEqual(await command(m.sock, 'louder'), ['Verbosity set to 1']);
  assert.deepEqual(await command(m.sock, 'config', [':verbosity:', '0']), ['Successfully merged in config: {:verbosity=>0}']);
  assert.equal((await state(m.sock)).get(Sym.of('verbosity')), 0);
  assert.deepEqual(await command(m.sock, 'config', [':verbosity:', '7']), ['Could not merge config: :verbosity must be 0, 1 or 2']);
  assert.deepEqual(await command(m.sock, 'config', ['{:config: {:seconds: 0.2}, :signal_timeout: 3}']), ['Successfully merged in config: {:config=>{:seconds=>0.2}, :signal_timeout=>3}']);
  assert.equal(((await state(m.sock)).get(Sym.of('config')) as Map<unknown, unknown>).get(Sym.of('seconds')), 0.2);
  assert.deepEqual(await command(m.sock, 'config', ['not', 'a', 'hash']), ['Parsed argument is a String, not a hash']);
  assert.deepEqual(await command(m.sock, 'signal', ['bogus']), ['Invalid signal: "BOGUS"']);
  assert.deepEqual(await command(m.sock, 'signal', ['sigcont', 'CONT']), ['\n']);
});

/** A raw connection that collects lines. */
class Raw {
  readonly lines: string[] = [];
  private buf = '';
  closed = false;
  constructor(readonly sock: net.Socket) {
    sock.setEncoding('utf8').on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i + 1));
        this.buf = this.buf.slice(i + 1);
      }
    });
    sock.on('close', () => (this.closed = true));
  }
  static open(path: string): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection(path, () => resolve(new Raw(s)));
      s.on('error', reject);
    });
  }
  async ask(bytes: string): Promise<string> {
    const n = this.lines.length;
    this.sock.write(bytes);
    await until(`a reply to ${JSON.stringify(bytes.slice(0, 80))}`, () => this.lines.length > n);
    return this.lines[n];
  }
}

test("the wire bytes einhorn's einhornsh sends and expects, and bad input", async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '1', '-s', '0.1']);
  t.after(() => m.d.stop());
  const [w] = await settled(m, 1);
  const r = await Raw.open(m.sock);
  t.after(() => r.sock.destroy());
  // ehlo is sent without an id: the legacy reply has no request_id
  assert.equal(await r.ask('---%0Acommand: ehlo%0Auser: probe%0A\n'), `---%0Amessage: |%0A  Welcome, probe! You are speaking to Einhorn Master Process ${m.d.pid}.%0A  This is Einhorn 1.1.1.%0A\n`);
  assert.equal(await r.ask("---%0Aid: 2%0Acommand: set_workers%0Aargs:%0A- '2'%0A\n"), '---%0Amessage: Altering worker count, 1 -> 2. Will spin up additional workers.%0Arequest_id: 2%0A\n');
  assert.equal(await r.ask('{"id":3,"command":"quieter"}\n'), '---%0Amessage: Verbosity set to 2%0Arequest_id: 3%0A\n');
  assert.equal(await r.ask('{"id":"s","command":"louder"}\n'), "---%0Amessage: Verbosity set to 1%0Arequest_id: s%0A\n");
  // not YAML, not a mapping: always without request_id
  assert.equal(await r.ask('this: is: not yaml\n'), '---%0Amessage: Could not parse command%0A\n');
  assert.equal(await r.ask('[1, 2]\n'), '---%0Amessage: Could not parse command%0A\n');
  assert.equal(await r.ask('{"id":5}\n'), `---%0Amessage: No "command" parameter provided; not sure what you want me to do.%0Arequest_id: 5%0A\n`);
  const unknown = await r.ask('{"id":6,"command":"frobnicate"}\n');
  assert.match(unknown, /^---%0Amessage: \|%0A {2}Unrecognized command: "frobnicate"%0A%0A {2}config: Merge in/);
  assert.match(unknown, /upgrade_fleet: Upgrade all Einhorn workers a fleet at a time\. This causes Einhorn to reload its own code as well\.%0Arequest_id: 6%0A\n$/);
  assert.equal(await r.ask('{"id":7,"command":"set_workers","args":[3]}\n'), "---%0Amessage: 'Argument is a Integer, not a string: 3'%0Arequest_id: 7%0A\n");
  assert.equal(await r.ask('{"id":8,"command":"set_workers","args":"3"}\n'), '---%0Amessage: Args must be an array%0Arequest_id: 8%0A\n');
  // hexad's one-shot einhornsh asks for JSON replies: the same reply as a JSON object, on this
  // connection from then on (einhorn ignores the key)
  assert.equal(await r.ask('{"id":10,"command":"quieter","reply_format":"json"}\n'), '{"message":"Verbosity set to 2","request_id":10}\n');
  assert.equal(await r.ask('---%0Aid: 11%0Acommand: louder%0A\n'), '{"message":"Verbosity set to 1","request_id":11}\n');
  // a 1 MB line: refused, and the connection still works
  assert.equal(await r.ask(`${'x'.repeat(1024 * 1024)}\n`), '{"message":"Could not parse command"}\n');
  assert.equal(await r.ask('{"id":9,"command":"help"}\n').then((l) => l.startsWith('{"message":"You are speaking to the Einhorn command socket.')), true);
  // worker:ack for a pid that is not a worker, and with a pid given as a string: no reply, the
  // connection is closed, the master logs it
  for (const [line, log] of [['{"command":"worker:ack","pid":1}\n', 'Could not find state for PID 1; ignoring ACK.'], [`{"command":"worker:ack","pid":"${w.pid}"}\n`, `Could not find state for PID "${w.pid}"; ignoring ACK.`], ['{"command":"worker:ack"}\n', 'Invalid request (no pid)']] as const) {
    const a = await Raw.open(m.sock);
    a.sock.write(line);
    await until('the master closing the worker:ack connection', () => a.closed);
    assert.deepEqual(a.lines, []);
    await until(`the log line ${log}`, () => m.d.stderr.includes(log));
  }
  // a second ACK of a known worker
  const a = await Raw.open(m.sock);
  a.sock.write(`{"command":"worker:ack","pid":${w.pid}}\n`);
  await until('closed', () => a.closed);
  await until('already-ACKed log', () => m.d.stderr.includes(`Pid ${w.pid} already ACKed; ignoring new ACK.`));
  // the master still serves: two workers, HTTP answers
  await settled(m, 2);
  assert.ok((await get(m.port)).pid > 0);
  assert.equal(m.d.running, true);
});

test('-g gives each worker a connection to the command socket (EINHORN_SOCK_FD), which it ACKs through', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '1', '-g']);
  t.after(() => m.d.stop());
  await settled(m, 1);
  const i = await get(m.port);
  assert.equal(i.env.EINHORN_SOCK_FD, '4');
  assert.match(m.d.stderr, new RegExp(`Received a manual ACK from ${i.pid}`));
});

test('timer ACKs (-m SECONDS) and a manual ACK refused in timer mode', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '2', '-m', '0.2'], { manual: false });
  t.after(() => m.d.stop());
  const kids = await settled(m, 2);
  assert.match(m.d.stderr, new RegExp(`Worker ${kids[0].pid} has been up for 0.2s, so we are considering it alive.`));
  const a = await Raw.open(m.sock);
  a.sock.write(`{"command":"worker:ack","pid":${kids[0].pid}}\n`);
  await until('refusal logged', () => m.d.stderr.includes(`Received a manual ACK for ${kids[0].pid}, but ack_mode is {:type=>:timer, :timeout=>0.2}. Ignoring ACK.`));
});

test('--nice renices the master and each worker, through the renice command', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '1', '--nice', '2:5']);
  t.after(() => m.d.stop());
  await settled(m, 1);
  assert.equal((await get(m.port)).nice, 5);
  const masterNice = (): number => Number(readFileSync(`/proc/${m.d.pid}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
  await until('the master reniced', () => masterNice() === 2);
  assert.match(m.d.stderr, /Running "\/usr\/bin\/renice 2 -p \d+" to renice self to level 2/);
});
