// `hexad up` in the foreground (under tmux: its live table, Ctrl-C brings everything down) and
// `hexad startup … --install` (into a --root, and through a systemctl named by $HEXAD_SYSTEMCTL).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { basename, join } from 'node:path';
import { project } from './fixture.js';
import { HEXAD, hexad, processAlive, rmrf, run, tmp, until } from '../helpers.js';

const sock = `hexad-up-${process.pid}`;
const tmux = (...a: string[]) => run('tmux', ['-L', sock, ...a]);
after(() => tmux('kill-server'));
/** a row of the status table: `NAME (rc: up)  up  PID …` */
const ROW = (name: string): RegExp => new RegExp(`^${name} .*?\\bup\\s+(\\d+)`, 'm');
const screen = (): string => tmux('capture-pane', '-p', '-t', 'up').stdout;

test('hexad up in the foreground: a live table, Ctrl-C brings every app down and exits 0', { timeout: 120_000, skip: !existsSync('/usr/bin/tmux') && 'no tmux' }, async (t) => {
  const p = project(t, { apps: [
    { name: 'web', log: false, run: 'exec sleep 1000' },
    { name: 'worker', dependsOn: { web: 'started' }, run: 'echo working; exec sleep 1000' },
  ] });
  const exitFile = p.file('up-exit');
  assert.equal(tmux('new-session', '-d', '-s', 'up', '-x', '120', '-y', '30', '-c', p.dir).code, 0);
  tmux('set-option', '-t', 'up', 'remain-on-exit', 'on');
  assert.equal(tmux('respawn-pane', '-k', '-t', 'up', '-c', p.dir, `${process.execPath} ${HEXAD} up; echo $? > ${exitFile}`).code, 0);
  const s = (await until('the table', () => { const x = screen(); return ROW('web').test(x) && ROW('worker').test(x) ? x : null; }, 60_000))!;
  assert.match(s, /SERVICE\s+STATE\s+PID/);
  assert.match(s, ROW('worker-log'));
  const pid = Number(ROW('web').exec(s)![1]);
  assert.ok(processAlive(pid));
  // live: a restart from elsewhere shows a new pid
  assert.equal(p.run(['restart', 'web']).code, 0);
  await until('new pid on screen', () => { const m = ROW('web').exec(screen()); return m && Number(m[1]) !== pid; });
  const pid2 = Number(ROW('web').exec(screen())![1]);
  assert.equal(tmux('send-keys', '-t', 'up', 'C-c').code, 0);
  await until('up exited', () => existsSync(exitFile) && readFileSync(exitFile, 'utf8').endsWith('\n'), 60_000);
  assert.equal(readFileSync(exitFile, 'utf8').trim(), '0');
  assert.match(screen(), /bringing everything down/);
  assert.equal(processAlive(pid2), false, 'the app is gone');
  assert.equal(existsSync(join(p.dir, '.hexad/live')), false, 'the live state is gone');
  assert.equal(JSON.parse(p.run(['ls', '--json']).stdout).services.filter((x: { state: string }) => x.state === 'up').length, 0);
});

test('hexad startup --install: --root writes and enables offline; live, it runs systemctl; a failing systemctl is one line, exit 111', { timeout: 60_000 }, (t) => {
  const p = project(t, { apps: [{ name: 'a', run: 'exec sleep 1000' }] });
  const name = `hexad-${basename(p.dir)}`;
  const root = tmp('hexad-root-');
  t.after(() => rmrf(root));
  let r = hexad(['startup', 'systemd', '--user', 'nobody', '--install', '--root', root], { cwd: p.dir });
  assert.equal(r.code, 0, r.stderr);
  const unit = join(root, 'etc/systemd/system', `${name}.service`);
  const text = readFileSync(unit, 'utf8');
  assert.match(text, /^User=nobody$/m);
  assert.match(text, new RegExp(`^ExecStart=.* up -c ${p.file('hexad.config.json')}$`, 'm'));
  assert.match(text, new RegExp(`^WorkingDirectory=${p.dir}$`, 'm'));
  assert.equal(readlinkSync(join(root, 'etc/systemd/system/multi-user.target.wants', `${name}.service`)), `/etc/systemd/system/${name}.service`);
  // again: replaced, not duplicated
  assert.equal(hexad(['startup', 'systemd', '--install', '--root', root], { cwd: p.dir }).code, 0);
  assert.match(readFileSync(unit, 'utf8'), /^User=root$/m);

  r = hexad(['startup', 'openrc', '--install', '--root', root], { cwd: p.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(join(root, 'etc/init.d', name)).mode & 0o777, 0o755);
  assert.match(readFileSync(join(root, 'etc/init.d', name), 'utf8'), /^#!\/sbin\/openrc-run/);
  r = hexad(['startup', 's6', '--install', '--root', root], { cwd: p.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(join(root, 'etc/s6/sv', name, 'run'), 'utf8'), / 'up' '-c' /);
  assert.equal(hexad(['startup', 'systemd', '--root', root], { cwd: p.dir }).code, 100, '--root without --install');

  // live install: the unit goes to /etc/systemd/system and systemctl is called
  const live = `/etc/systemd/system/${name}.service`;
  t.after(() => rmSync(live, { force: true }));
  const calls = join(root, 'calls');
  const fake = join(root, 'systemctl');
  writeFileSync(fake, `#!/bin/sh\necho "$*" >> ${calls}\n[ "$1" != enable ] || [ -z "$FAIL" ] || exit 1\n`);
  chmodSync(fake, 0o755);
  r = hexad(['startup', 'systemd', '--install'], { cwd: p.dir, env: { ...process.env, HEXAD_SYSTEMCTL: fake } });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(live));
  assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), ['daemon-reload', `enable --now ${name}.service`]);
  r = hexad(['startup', 'systemd', '--install'], { cwd: p.dir, env: { ...process.env, HEXAD_SYSTEMCTL: fake, FAIL: '1' } });
  assert.equal(r.code, 111);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /written, but .*systemctl enable --now .*: exited 1/);
  r = hexad(['startup', 'systemd', '--install'], { cwd: p.dir, env: { ...process.env, HEXAD_SYSTEMCTL: join(root, 'nope') } });
  assert.equal(r.code, 111);
  assert.match(r.stderr, /not found/);
});
