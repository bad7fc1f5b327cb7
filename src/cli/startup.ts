// hexad startup systemd|openrc|s6 [-c FILE] [--user U] [--install]: a unit that runs
// `hexad up -c CONFIG` (foreground; SIGTERM brings everything down) at boot. The config is the
// state: there is no process list to save.
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { getopt, UsageError } from './getopt.js';
import { findConfig } from '../config/load.js';
import { HEXAD_BIN } from '../instance/scripts.js';
import { shQuote } from '../instance/names.js';
import { lookupUser } from '../instance/user.js';
import { Fatal } from '../s6/diag.js';

export const usage = 'systemd|openrc|s6 [ -c configfile ] [ --user user ] [ --install ]';

export default function main(args: string[]): number {
  const kind = args[0];
  if (!['systemd', 'openrc', 's6'].includes(kind)) throw new UsageError();
  const { opts, rest } = getopt(args.slice(1), 'c:', [{ name: 'user', arg: true }, { name: 'install', arg: false }]);
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
  if (!('install' in o)) {
    process.stdout.write(`# ${path}\n${text}`);
    return 0;
  }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}`);
  writeFileSync(tmp, text);
  if (exec) chmodSync(tmp, 0o755);
  renameSync(tmp, path);
  const next = { systemd: `systemctl daemon-reload && systemctl enable --now ${name}`, openrc: `rc-update add ${name} default && rc-service ${name} start`, s6: `link ${dirname(path)} into your scan directory (hexad svlink SCANDIR ${dirname(path)})` }[kind as 'systemd'];
  process.stdout.write(`${path} written; now: ${next}\n`);
  return 0;
}
