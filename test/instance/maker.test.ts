// hexad instance-maker: the generated tree next to Debian's s6-instance-maker's, the scripts
// it writes (run for real, hostile values included), -r source definitions, and bad input.
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEXAD, hexad, requireS6, rmrf, run, serviceDir, tmp } from '../helpers.js';

before(requireS6);
const root = tmp('hexad-imaker-');
after(() => rmrf(root));
let n = 0;
const fresh = (): string => join(root, `t${n++}`);

/** A template with a bit of everything: modes, a symlink, a data dir, a logged service. */
function template(dir: string, logged = false): string {
  serviceDir(dir, { run: 'exec sleep 1000\n', finish: 'exit 0\n', 'data/conf': 'x=1\n', ...(logged ? { 'log/run': 'exec cat\n' } : {}) });
  chmodSync(join(dir, 'data/conf'), 0o640);
  symlinkSync('data/conf', join(dir, 'conf-link'));
  return dir;
}

/** path → type, mode (and link target) of every entry under dir */
function listing(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = join(rel, name);
    const st = lstatSync(join(dir, p));
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out[p] = `link -> ${readlinkSync(join(dir, p))}`;
    else if (st.isDirectory()) {
      out[p] = `dir ${mode}`;
      Object.assign(out, listing(dir, p));
    } else out[p] = `file ${mode}`;
  }
  return out;
}

const read = (p: string): string => readFileSync(p, 'utf8');
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const HEAD = `exec ${q(process.execPath)} ${q(HEXAD)}`;

describe('instance-maker', { timeout: 60_000 }, () => {
  test('the tree is s6-instance-maker\'s: same entries, modes and files but for the run scripts', () => {
    const tpl = template(fresh(), true);
    const ours = fresh(), theirs = fresh();
    const args = ['-L', '/var/log/x', tpl];
    assert.equal(hexad(['instance-maker', ...args, ours]).code, 0);
    assert.equal(run('/usr/bin/s6-instance-maker', [...args, theirs]).code, 0);
    assert.deepEqual(listing(ours), listing(theirs));
    assert.equal(statSync(ours).mode & 0o777, 0o755);
    for (const f of ['notification-fd', 'log/notification-fd', 'template/run', 'template/data/conf', 'template/log/run']) {
      assert.equal(read(join(ours, f)), read(join(theirs, f)), f);
    }
    assert.deepEqual(readdirSync(join(ours, 'instance')), []);
    assert.deepEqual(readdirSync(join(ours, 'instances')), []);
  });

  test('run: a nested svscan on instance/, readiness on fd 3, stderr to stdout, hexad by absolute path', () => {
    const dir = fresh();
    assert.equal(hexad(['instance-maker', '-c', '42', template(fresh()), dir]).code, 0);
    assert.equal(read(join(dir, 'run')).split('\n').filter((l) => l && !l.startsWith('# ')).join('\n'),
      `#!/bin/sh\nexec 2>&1\n${HEAD} svscan -d3 -c42 -- instance`);
    assert.equal(read(join(dir, 'notification-fd')), '3\n');
    assert.ok(!existsSync(join(dir, 'log')));
    for (const [c, want] of [['0', '1'], ['90001', '90000']]) {
      const d = fresh();
      assert.equal(hexad(['instance-maker', '-c', c, template(fresh()), d]).code, 0);
      assert.match(read(join(d, 'run')), new RegExp(` -c${want} -- instance\n`));
    }
  });

  test('log/run: hexad log with the rotation settings, in s6-instance-maker\'s order', () => {
    const cases: Array<[string[], string]> = [
      [[], 't n10 s1000000'],
      [['-t', '0'], 'n10 s1000000'],
      [['-t', '2', '-n', '3', '-s', '4096'], 'T n3 s4096'],
      [['-t', '3', '-S', '18446744073709551615', '-P', 'svc:'], `t T n10 s1000000 S18446744073709551615 ${q('psvc:')}`],
    ];
    for (const [opts, script] of cases) {
      const d = fresh();
      const r = hexad(['instance-maker', ...opts, '-L', '/var/log/my logs', template(fresh()), d]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(read(join(d, 'log/run')), `#!/bin/sh\n${HEAD} log -bd3 -- ${script} ${q('/var/log/my logs')}\n`);
      assert.equal(statSync(join(d, 'log/run')).mode & 0o777, 0o755);
    }
  });

  test('-u and -l go through the privilege-dropping helper, user names quoted', () => {
    const d = fresh();
    const r = hexad(['instance-maker', '-u', 'nobody', '-l', 'daemon', '-L', '/var/log/x', template(fresh()), d]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(read(join(d, 'run')), /instance-maker --setuidgid 'nobody' --own 'instance' --own 'instances' -- svscan -d3 -c500 -- instance\n$/);
    assert.match(read(join(d, 'log/run')), /instance-maker --setuidgid 'daemon' --own '\/var\/log\/x' -- log -bd3 -- t n10 s1000000 '\/var\/log\/x'\n$/);
  });

  test('hostile prefix and logdir cannot inject a command: the logger writes exactly there', () => {
    const d = fresh();
    // the commands would run in the logger's directory: no slash needed
    const logdir = join(root, `logs '"; touch PWNED; $(touch PWNED) \`touch PWNED\` \\`);
    const prefix = `it's $(touch PWNED) "x" ;touch PWNED`;
    assert.equal(hexad(['instance-maker', '-L', logdir, '-P', prefix, '-t', '0', template(fresh()), d]).code, 0);
    // run the logger script as its supervisor would: stdin the service's output, fd 3 for readiness
    const r = run('/bin/sh', ['-c', 'printf "hello\\n" | ./run 3>/dev/null'], { cwd: join(d, 'log') });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(join(d, 'log', 'PWNED')), 'a command was injected');
    assert.equal(read(join(logdir, 'current')), `${prefix} hello\n`);
  });

  test('-r service/logger/pipeline: s6-rc source definitions, as s6-instance-maker writes them', () => {
    const tpl = template(fresh());
    const ours = fresh(), theirs = fresh();
    const args = ['-r', 'tenants/tenants-log/tenants-pipe', '-L', '/var/log/tenants', tpl];
    assert.equal(hexad(['instance-maker', ...args, ours]).code, 0);
    assert.equal(run('/usr/bin/s6-instance-maker', [...args, theirs]).code, 0);
    const strip = (l: Record<string, string>) => { const c = { ...l }; delete c['tenants/run']; delete c['tenants-log/run']; return c; };
    assert.deepEqual(strip(listing(ours)), strip(listing(theirs)));
    for (const f of ['tenants/type', 'tenants/producer-for', 'tenants/notification-fd', 'tenants-log/type', 'tenants-log/consumer-for',
      'tenants-log/pipeline-name', 'tenants-log/notification-fd']) {
      assert.equal(read(join(ours, f)), read(join(theirs, f)), f);
    }
    assert.equal(read(join(ours, 'tenants/producer-for')), 'tenants-log\n');
    assert.equal(read(join(ours, 'tenants-log/consumer-for')), 'tenants\n');
    assert.equal(read(join(ours, 'tenants-log/pipeline-name')), 'tenants-pipe\n');
    assert.ok(!existsSync(join(ours, 'tenants/instance')));
    // the directory may exist already with -r: only the service directories must not
    const again = hexad(['instance-maker', '-r', 'other', tpl, ours]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readdirSync(join(ours, 'other')).sort(), ['notification-fd', 'run', 'template', 'type']);
  });

  test('-r errors: the messages and exit codes of s6-instance-maker', () => {
    const tpl = template(fresh());
    const cases: Array<[string[], RegExp]> = [
      [['-r', '/x'], /service name cannot be empty/],
      [['-r', 'a/', '-L', '/l'], /argument to -r must be/],
      [['-r', 'a//p', '-L', '/l'], /logger name cannot be empty/],
      [['-r', 'a/b'], /logdir not specified/],
      [['-r', 'a', '-L', '/l'], /logger name not specified/],
      [['-r', 'a/b/', '-L', '/l'], /pipeline name cannot be empty/],
      [['-r', 'a/b/c/d', '-L', '/l'], /slashes are forbidden/],
      [['-r', 'a\nb'], /newlines are forbidden/],
      [['-r', '.a'], /invalid s6-rc name/],
    ];
    for (const [opts, msg] of cases) {
      const d = fresh();
      const r = hexad(['instance-maker', ...opts, tpl, d]);
      assert.equal(r.code, 100, `${opts.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.split('\n').length, 2, r.stderr);
      assert.ok(!existsSync(d));
    }
  });

  test('bad input: one line, the documented code, nothing left behind', () => {
    const tpl = template(fresh());
    const existing = fresh();
    mkdirSync(existing);
    const noRun = fresh();
    mkdirSync(noRun);
    const notExec = serviceDir(fresh(), { 'run-x': '' });
    writeFileSync(join(notExec, 'run'), '#!/bin/sh\n');
    const badLog = serviceDir(fresh(), { run: 'exec true\n', 'log/x': '' });
    const aFile = join(root, 'a-file');
    writeFileSync(aFile, '');
    const cases: Array<[string[], number, RegExp]> = [
      [[tpl, existing], 111, /unable to mkdir .*: File exists/],
      [['-L', 'relative/logs', tpl], 100, /logdir must be absolute/],
      [['-t', '4', '-L', '/l', tpl], 100, /stamptype must be 0, 1, 2 or 3/],
      [['-u', 'a b', tpl], 100, /invalid user/],
      [['-u', 'no-such-user-hexad', tpl], 100, /invalid user: no-such-user-hexad: no such user/],
      [['-l', 'no-such-user-hexad', '-L', '/l', tpl], 100, /invalid loguser/],
      [[join(root, 'nowhere')], 100, /invalid template: .*no such directory/],
      [[aFile], 100, /invalid template: .* is not a directory/],
      [[noRun], 100, /invalid template: .*run: no such file/],
      [[notExec], 100, /is not an executable file/],
      [[badLog], 100, /log\/run: no such file/],
      [['-c', 'x', tpl], 100, /usage: hexad instance-maker /],
      [['-s', '18446744073709551616', tpl], 100, /usage: /],
      [[tpl], 100, /usage: /],
    ];
    const noDirArg = (args: string[]) => args.includes(existing) || args.length === 1 && args[0] === tpl;
    for (const [args, code, msg] of cases) {
      const d = fresh();
      const argv = noDirArg(args) ? args : [...args, d];
      const r = hexad(['instance-maker', ...argv]);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.ok(!existsSync(d), `${args.join(' ')} left ${d}`);
    }
    assert.deepEqual(readdirSync(existing), []);
  });
});
