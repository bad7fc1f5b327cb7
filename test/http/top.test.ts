// hexad top under tmux: its screen read with capture-pane, driven with send-keys; it acts
// through the control FIFOs and leaves the terminal as it found it on q and Ctrl-C.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEXAD, hexad, rmrf, run, serviceDir, tmp, until } from '../helpers.js';
import { svscan, serviceUp } from '../svscan/scan-helpers.js';
import { readStatus } from '../../src/s6/status.js';

const root = tmp('hexad-top-');
const sock = `hexad-top-${process.pid}`;
const tmux = (...a: string[]) => run('tmux', ['-L', sock, ...a]);
after(() => {
  tmux('kill-server');
  rmrf(root);
});

const screen = (): string => tmux('capture-pane', '-p', '-t', 'top').stdout;
const waitScreen = async (what: string, re: RegExp): Promise<string> => (await until(`screen shows ${what}`, () => (re.test(screen()) ? screen() : null)))!;
const keys = (...k: string[]) => assert.equal(tmux('send-keys', '-t', 'top', ...k).code, 0);

// tmux 3.3 does not always keep a dead pane's exit status (it can see the terminal close before
// the exit), so the pane's shell writes top's exit code to a file
const exitFile = join(root, 'top-exit');

function startTop(dir: string): void {
  rmrf(exitFile);
  assert.equal(tmux('new-session', '-d', '-s', 'top', '-x', '120', '-y', '30').code, 0);
  tmux('set-option', '-t', 'top', 'remain-on-exit', 'on');
  assert.equal(tmux('respawn-pane', '-k', '-t', 'top', `${process.execPath} ${HEXAD} top -n 300 ${dir}; echo $? > ${exitFile}`).code, 0);
}

function paneExit(): string | null {
  try {
    const code = readFileSync(exitFile, 'utf8');
    return code.endsWith('\n') ? code.trim() : null;
  } catch {
    return null;
  }
}

test('hexad top: table, sort, start/restart/stop, log view, q and Ctrl-C restore the terminal', { timeout: 120_000, skip: !existsSync('/usr/bin/tmux') && 'no tmux' }, async (t) => {
  const sc = join(root, 'scan');
  serviceDir(join(sc, 'web'), { run: 'echo web says hello; exec sleep 1000', 'log/run': 'exec s6-log t ./main' });
  serviceDir(join(sc, 'idle'), { run: 'exec sleep 1000', down: '' });
  await svscan(t, sc);
  const webPid = await serviceUp(join(sc, 'web'));
  startTop(sc);
  await waitScreen('the table', /hexad top .* scanner running\s+2 services, 1 up/);
  let s = await waitScreen('rows', /^web\s+up\s+\d+/m);
  assert.match(s, /SERVICE\s+STATE\s+PID\s+UPTIME\s+READY\s+DEATHS\s+LAST\s+CPU%\s+MEM/);
  assert.match(s, /^ {2}web\/log\s+up/m);
  assert.match(s, /^idle\s+down\*/m);
  keys('s');
  await waitScreen('sort by mem', /sort: mem/);
  keys('s');
  await waitScreen('sort by name', /sort: name/);
  s = screen();
  assert.ok(s.indexOf('idle ') < s.indexOf('web '), 'sorted by name');

  keys('u'); // row 0: idle
  await until('idle started', () => readStatus(join(sc, 'idle')).pid > 0);
  await waitScreen('idle up', /^idle\s+up\s+\d+/m);
  keys('j'); // web
  keys('r');
  await until('web restarted', () => { const p = readStatus(join(sc, 'web')).pid; return p > 0 && p !== webPid; });
  await waitScreen('restart message', /restart: web/);
  keys('Down', 'k'); // down to web/log, back up to web
  keys('d');
  await until('web down', () => !readStatus(join(sc, 'web')).wantUp);
  await waitScreen('web down', /^web\s+down\*/m);
  keys('u');
  await serviceUp(join(sc, 'web'));
  keys('l');
  await waitScreen('log view', /log of web[\s\S]*web says hello/);
  keys('Escape');
  await waitScreen('back to the table', /SERVICE\s+STATE/);
  keys('q');
  await until('top exited', () => paneExit(), 60_000);
  assert.equal(paneExit(), '0');
  assert.doesNotMatch(screen(), /hexad top|SERVICE/, 'the alternate screen is gone');
  tmux('kill-session', '-t', 'top');

  startTop(sc);
  await waitScreen('the table again', /^web\s+up/m);
  keys('C-c');
  await until('top exited on Ctrl-C', () => paneExit(), 60_000);
  assert.equal(paneExit(), '0');
  assert.doesNotMatch(screen(), /SERVICE/);
  tmux('kill-session', '-t', 'top');

  const r = hexad(['top', join(root, 'nope')]);
  assert.equal(r.code, 111);
  assert.match(r.stderr, /^hexad top: fatal: unable to open .*nope: No such file or directory\n$/);
  const r2 = hexad(['top', sc]);
  assert.equal(r2.code, 100);
  assert.equal(r2.stderr, 'hexad top: fatal: standard input and output must be a terminal\n');
});
