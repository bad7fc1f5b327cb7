// The command lines of `hexad einhorn` and `hexad einhornsh`: usage, bad values, start-up
// failures (one clear line, no files left behind), and einhornsh's modes.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import * as native from '../../src/native/index.js';
import { closeSync } from 'node:fs';
import { hexad, hexadAsync, rmrf, tmp, until } from '../helpers.js';
import { settled, startMaster, state, writeWorker } from './fixture.js';

test('usage, -h, --version, -n 0', () => {
  let r = hexad(['einhorn']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^## Usage\n\n/, "einhorn's banner heading");
  assert.match(r.stdout, /^ {4}einhorn \[options\] \[--\] PROGRAM \[ARGS\.\.\.\]$/m);
  assert.equal(r.stderr, '');
  r = hexad(['einhorn', '-h']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^Usage: einhorn \[options\] \[--\] PROGRAM/);
  assert.match(r.stdout, /--ack-deadline SECONDS/);
  r = hexad(['einhorn', '--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '1.1.1\n');
  r = hexad(['einhorn', '-n', '0', '--', 'true']);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /ERROR: You need to spin up at least at least 1 copy of the process/);
  r = hexad(['einhorn', '--frobnicate', 'true']);
  assert.equal(r.code, 100);
  assert.equal(r.stderr, 'hexad einhorn: usage: hexad einhorn [OPTIONS] [--] PROGRAM [ARGS…]\n');
});

test('bad option values: one line, exit 100', () => {
  const cases: [string[], RegExp][] = [
    [['-b', 'nonsense'], /^hexad einhorn: fatal: invalid bind address nonsense: must be HOST:PORT\[,FLAGS\], \[IPV6\]:PORT\[,FLAGS\] or unix:PATH\n$/],
    [['-b', '[::1:80'], /^hexad einhorn: fatal: invalid bind address \[::1:80: an IPv6 address is written \[ADDRESS\]:PORT\n$/],
    [['-b', '127.0.0.1:70000'], /^hexad einhorn: fatal: invalid port in 127\.0\.0\.1:70000\n$/],
    [['-m', 'bogus'], /^hexad einhorn: fatal: Invalid ack-mode "bogus" \(valid modes: FLOAT or manual\)\n$/],
    [['-s', '0'], /^hexad einhorn: fatal: seconds must be > 0\n$/],
    [['-t', 'soon'], /^hexad einhorn: fatal: invalid value for Integer\(\): "soon"\n$/],
    [['--max-unacked', '0'], /^hexad einhorn: fatal: --max-unacked must be a positive integer\n$/],
  ];
  for (const [args, re] of cases) {
    const r = hexad(['einhorn', ...args, '--', 'true']);
    assert.equal(r.code, 100, args.join(' '));
    assert.match(r.stderr, re);
  }
});

test('start-up failures: missing program, port in use, socket in use, non-socket file; no files left', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  const files = ['-d', join(dir, 's.sock'), '-e', join(dir, 's.pid'), '-f', join(dir, 's.lock')];
  let r = hexad(['einhorn', ...files, '--', join(dir, 'nope')]);
  assert.equal(r.code, 111);
  assert.equal(r.stderr, `hexad einhorn: fatal: unable to find program ${join(dir, 'nope')}: not found or not executable\n`);
  r = hexad(['einhorn', ...files, 'no-such-program-anywhere']);
  assert.equal(r.code, 111);
  assert.match(r.stderr, /^hexad einhorn: fatal: unable to find program no-such-program-anywhere: not found in PATH\n$/);

  const busy = net.createServer();
  await new Promise<void>((res) => busy.listen(0, '127.0.0.1', res));
  t.after(() => busy.close());
  const port = (busy.address() as net.AddressInfo).port;
  r = hexad(['einhorn', ...files, '-b', `127.0.0.1:${port}`, '--', 'true']);
  assert.equal(r.code, 111);
  assert.match(r.stderr, new RegExp(`hexad einhorn: fatal: unable to bind 127\\.0\\.0\\.1:${port}: Address already in use\\n$`));
  assert.ok(!existsSync(join(dir, 's.sock')) && !existsSync(join(dir, 's.pid')), 'nothing left behind');

  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '1']);
  t.after(() => m.d.stop());
  await settled(m, 1);
  r = hexad(['einhorn', '-d', m.sock, '-e', join(dir, 'b.pid'), '-f', join(dir, 'b.lock'), '--', 'true']);
  assert.equal(r.code, 111);
  assert.match(r.stderr, /^hexad einhorn: fatal: unable to create the command socket .*: Another process \(probably another Einhorn\) is listening on the Einhorn command socket at .*\. If you'd like to run this Einhorn as well, pass a `-d PATH_TO_SOCKET` to change the command socket location\.\n$/);

  writeFileSync(join(dir, 'plain'), 'x');
  r = hexad(['einhorn', '-d', join(dir, 'plain'), '-e', join(dir, 'c.pid'), '-f', join(dir, 'c.lock'), '--', 'true']);
  assert.equal(r.code, 111);
  assert.match(r.stderr, /Non-socket file present at Einhorn command socket path/);
});

test('a command socket left by a dead master is replaced', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  closeSync(native.listen('unix', join(dir, 'einhorn.sock'), 0, 1, false));
  const m = await startMaster(dir, ['-n', '1']);
  t.after(() => m.d.stop());
  await settled(m, 1);
  assert.match(m.d.stderr, /INFO: Blowing away old Einhorn command socket at .*einhorn\.sock\. This likely indicates a previous Einhorn master which exited uncleanly\./);
});

test('einhornsh: -e, commands on stdin, -c with $TMPDIR, usage, no master', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  let r = hexad(['einhornsh', '-h']);
  assert.equal(r.code, 100);
  assert.equal(r.stderr, 'hexad einhornsh: usage: hexad einhornsh [-c NAME | -d PATH] [-e COMMANDS] [NAME]\n');
  assert.equal(hexad(['einhornsh', 'a', 'b']).code, 100);
  r = hexad(['einhornsh', '-d', join(dir, 'none.sock'), '-e', 'state']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `hexad einhornsh: fatal: unable to connect to ${join(dir, 'none.sock')}: No such file or directory (is an einhorn master running? pass einhornsh its -c NAME or -d PATH)\n`);

  // the default paths come from -c and $TMPDIR, for einhorn and einhornsh alike
  const env = { ...process.env, TMPDIR: dir, EINHORN_TEST_MANUAL: '1' };
  const { hexadDaemon } = await import('../helpers.js');
  const d = hexadDaemon(['einhorn', '-c', 'web', '-m', 'manual', '-b', '127.0.0.1:0', '--', join(dir, 'run')], { env });
  t.after(() => d.stop());
  await until('the master answering', () => state(join(dir, 'einhorn-web.sock')).then(() => true, () => false));
  assert.ok(existsSync(join(dir, 'einhorn-web.pid')));
  r = await hexadAsync(['einhornsh', '-c', 'web', '-e', 'inc; dec ;  ; bogus-cmd'], { env });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.deepEqual(lines.slice(0, 3), ['Incrementing number of workers from 1 -> 2', 'Decrementing number of workers from 2 -> 1', 'Unrecognized command: "bogus-cmd"']);
  r = hexad(['einhornsh', 'web'], { env, input: 'ehlo\nset_workers 2\nquit\nstate\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Welcome, ! You are speaking to Einhorn Master Process ${d.pid} (web).\nThis is Einhorn 1.1.1.\nAltering worker count, 1 -> 2. Will spin up additional workers.\n`);
});

test('einhornsh -e reads the YAML replies of a master that ignores reply_format (einhorn\'s own)', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  const sock = join(dir, 'yaml.sock');
  const requests: string[] = [];
  // answers as einhorn 1.1.1 does: YAML, whatever the request asked for
  const server = net.createServer((c) => {
    let buf = '';
    c.on('data', (d) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        requests.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        c.write('---%0Amessage: |%0A  one%0A  two 100%25%0Arequest_id: 1%0A\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(sock, r));
  t.after(() => server.close());
  const r = await hexadAsync(['einhornsh', '-d', sock, '-e', 'state']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'one\ntwo 100%\n');
  assert.deepEqual(requests.map((l) => JSON.parse(l)), [{ id: 1, command: 'state', args: [], reply_format: 'json' }]);
});
