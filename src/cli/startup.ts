// hexad startup systemd|openrc|s6 [-c FILE] [--user U] [--install [--root DIR]]: a unit that
// runs `hexad up -c CONFIG` (foreground; SIGTERM brings everything down) at boot. The config is
// the state: there is no process list to save. --install writes the unit and, for systemd,
// runs `systemctl daemon-reload` and `systemctl enable --now` ($HEXAD_SYSTEMCTL names another
// program); --root DIR writes under DIR instead and enables offline (the WantedBy link), as
// `systemctl --root` does, for images and chroots.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { getopt, UsageError } from './getopt.js';
import { findConfig } from '../config/load.js';
import { HEXAD_BIN } from '../instance/scripts.js';
import { shQuote } from '../instance/names.js';
import { lookupUser } from '../instance/user.js';
import { Fatal } from '../s6/diag.js';

export const usage = 'systemd|openrc|s6 [ -c configfile ] [ --user user ] [ --install [ --root dir ] ]';

export default function main(args: string[]): number {
  const kind = args[0];
  if (!['systemd', 'openrc', 's6'].includes(kind)) throw new UsageError();
  const { opts, rest } = getopt(args.slice(1), 'c:', [{ name: 'user', arg: true }, { name: 'install', arg: false }, { name: 'root', arg: true }]);
  if (rest.length) throw new UsageError();
  const o = Object.fromEntries(opts) as Record<string, string | undefined>;
  const cfg = findConfig(o.c);
  const user = o.user ?? process.env.SUDO_USER ?? 'root';
  if (!lookupUser(user)) throw new Fatal(100, `no such user: ${user}`);
  const name = `hexad-${basename(dirname(cfg)).replace(/[^A-Za-z0-9_.-]/g, '-')}`;
  const node = process.execPath;
  const up = [node, HEXAD_BIN, 'up', '-c', cfg];
  const down = [node, HEXAD_BIN, 'down', '-c', cfg];
  let text: string, path: string, exec = false;
  if (kind === 'systemd') {
    path = `/etc/systemd/system/${name}.service`;
    text = `[Unit]\nDescription=hexad apps of ${cfg}\nAfter=network-online.target\nWants=network-online.target\n\n[Service]\nType=simple\nUser=${user}\nWorkingDirectory=${dirname(cfg)}\n`
      + `ExecStart=${up.join(' ')}\nExecStop=${down.join(' ')}\n# hexad up brings the apps down itself on SIGTERM; the scanner runs in its own session\nKillMode=process\nTimeoutStopSec=90\nRestart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n`;
  } else if (kind === 'openrc') {
    path = `/etc/init.d/${name}`;
    exec = true;
    text = `#!/sbin/openrc-run\ndescription="hexad apps of ${cfg}"\ncommand=${shQuote(node)}\ncommand_args=${shQuote([HEXAD_BIN, 'up', '-c', cfg].map(shQuote).join(' '))}\n`
      + `command_user=${shQuote(user)}\ncommand_background=true\npidfile="/run/${name}.pid"\ndirectory=${shQuote(dirname(cfg))}\nretry="TERM/90/KILL/5"\n\ndepend() {\n\tneed net\n}\n`;
  } else {
    path = `/etc/s6/sv/${name}/run`;
    exec = true;
    text = `#!/bin/sh\nexec 2>&1\ncd ${shQuote(dirname(cfg))} || exit 111\nexec setpriv --reuid=${lookupUser(user)!.uid} --regid=${lookupUser(user)!.gid} --init-groups ${up.map(shQuote).join(' ')}\n`;
  }
  if ('root' in o && !('install' in o)) throw new UsageError('--root goes with --install');
  if (!('install' in o)) {
    process.stdout.write(`# ${path}\n${text}`);
    return 0;
  }
  const root = o.root ? resolve(o.root) : '';
  const target = root + path;
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}`);
  writeFileSync(tmp, text);
  if (exec) chmodSync(tmp, 0o755);
  renameSync(tmp, target);
  if (kind === 'systemd') {
    if (root) {
      // offline enable: what `systemctl --root DIR enable` makes
      const wants = `${root}/etc/systemd/system/multi-user.target.wants`;
      mkdirSync(wants, { recursive: true });
      rmSync(join(wants, `${name}.service`), { force: true });
      symlinkSync(path, join(wants, `${name}.service`));
      process.stdout.write(`${target} written and enabled under ${root}\n`);
      return 0;
    }
    const systemctl = process.env.HEXAD_SYSTEMCTL || 'systemctl';
    for (const argv of [['daemon-reload'], ['enable', '--now', `${name}.service`]]) {
      const r = spawnSync(systemctl, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
      if (r.error || r.status !== 0) {
        const why = r.error ? (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found (is this a systemd machine?)' : r.error.message : `exited ${r.status ?? r.signal}`;
        throw new Fatal(111, `${target} written, but ${systemctl} ${argv.join(' ')}: ${why}`);
      }
    }
    process.stdout.write(`${target} written, ${name}.service enabled and started\n`);
    return 0;
  }
  const next = { openrc: `rc-update add ${name} default && rc-service ${name} start`, s6: `link ${dirname(target)} into your scan directory (hexad svlink SCANDIR ${dirname(target)})` }[kind as 'openrc' | 's6'];
  process.stdout.write(`${target} written; now: ${next}\n`);
  return 0;
}
