// `hexad --help`, `hexad help COMMAND`, `hexad COMMAND --help`, and the nearest command for a
// mistyped name. The synopsis comes from the command's module (its `usage`); the options and
// exit codes of the commands people type most are written here; every command gets its doc page.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from './commands.js';

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url));

const GROUPS: Array<[string, RegExp, string]> = [
  ['supervision', /^(supervise|svscan|svscanctl|svc|svstat|svok|svwait|svlisten1?|svlink|svunlink|svdt(-clear)?|status|links)$/, 'supervision.md'],
  ['logging', /^(log|tai64nlocal)$/, 'log.md'],
  ['instances', /^instance-/, 'instances.md'],
  ['service manager', /^rc(-|$)/, 'rc.md'],
  ['socket multiplexer', /^einhorn/, 'einhorn.md'],
];

type Options = Array<[string, string]>;

const STATE_WAIT: Options = [
  ['-u / -U', 'wait until up / up and ready'], ['-d / -D', 'wait until down / down and finished'],
  ['-r / -R', 'wait until restarted / restarted and ready'], ['-t MS', 'give up after MS milliseconds (exit 99)'],
];

/** Options and exit codes beyond the synopsis, where the command has more than s6's page says. */
const DETAIL: Record<string, { options?: Options; exits?: Options }> = {
  svc: {
    options: [['-u / -d', 'want up / want down'], ['-r', 'restart (SIGTERM, then start again)'], ['-o', 'once: start, do not restart'],
      ['-x', 'exit the supervisor when the service is down'], ['-a -b -q -h -k -t -i -1 -2 -p -c -y', 'send SIGALRM SIGABRT SIGQUIT SIGHUP SIGKILL SIGTERM SIGINT SIGUSR1 SIGUSR2 SIGSTOP SIGCONT SIGWINCH'],
      ['-wu -wU -wd -wD -wr -wR', 'wait for the state the command leads to'], ['-T MS', 'give up waiting after MS milliseconds']],
    exits: [['0', 'sent'], ['1', 'no supervisor running'], ['99', 'timed out waiting'], ['100', 'wrong usage'], ['111', 'system call failed']],
  },
  svstat: {
    options: [['-u -w -N -r -p -e -s -t', 'print one field each: up, wantedup, normallyup, ready, pid, exitcode, signal, updownfor'],
      ['-o FIELD,…', 'print the named fields'], ['-n', 'signals as numbers']],
    exits: [['0', 'printed'], ['1', 'no supervisor running'], ['100', 'wrong usage'], ['111', 'system call failed']],
  },
  svok: { exits: [['0', 'a supervisor runs on the directory'], ['1', 'none does'], ['100', 'wrong usage'], ['111', 'system call failed']] },
  svwait: {
    options: [...STATE_WAIT, ['-a / -o', 'wait for all (default) / one of the services']],
    exits: [['0', 'reached'], ['99', 'timed out'], ['100', 'wrong usage'], ['102', 'a supervisor died'], ['111', 'system call failed']],
  },
  svscan: {
    options: [['-c N', 'supervise at most N services'], ['-t MS', 'rescan every MS milliseconds (0: only on demand)'],
      ['-d FD', 'write a newline to FD once running (readiness)']],
    exits: [['0', 'told to exit'], ['100', 'wrong usage'], ['111', 'system call failed']],
  },
  svscanctl: {
    options: [['-a', 'rescan now'], ['-t / -q', 'stop every service, then exit'], ['-n / -N', 'forget services whose directory is gone'],
      ['-z', 'reap zombies'], ['-h / -i', 'SIGHUP / SIGINT equivalents']],
    exits: [['0', 'sent'], ['100', 'wrong usage'], ['111', 'no scanner running, or system call failed']],
  },
  status: {
    options: [['--json', 'the hexad.status/1 document instead of a table'], ['--color / --no-color', 'colour (default: on a terminal, unless NO_COLOR)']],
    exits: [['0', 'printed (the header says whether a scanner runs)'], ['100', 'wrong usage, or DIR is neither a scan nor a service directory'], ['111', 'system call failed']],
  },
  links: { exits: [['0', 'links created'], ['100', 'wrong usage (DIR missing or looking like an option)'], ['111', 'system call failed']] },
  log: {
    options: [['script', 'selections (+RE -RE f), controls (n s S l r R E ^ p ! ?), stamps (t T), actions (1 2 =FILE ./DIR)'],
      ['-b', 'block when a directory is full instead of dropping lines'], ['-l N', 'line limit'], ['-t MS', 'flush a partial line after MS']],
    exits: [['0', 'input ended'], ['100', 'wrong usage or script'], ['111', 'system call failed']],
  },
  rc: {
    options: [['-l LIVE', `live directory (default: /run/s6-rc for root, else s6-rc in $XDG_RUNTIME_DIR or /tmp/hexad-UID)`],
      ['-u / -d / -D', 'bring up / down / down everything else'], ['-p', 'prune: bring down what is not selected'], ['-a', 'select the services that are up'],
      ['-t MS', 'timeout'], ['-n N', 'dry run'], ['--json', 'JSON output for list, listall, diff']],
    exits: [['0', 'done'], ['1', 'a service failed to change'], ['2', 'timed out'], ['3', 'unknown service name'], ['100', 'wrong usage'], ['111', 'system call failed (no live state: rc-init first)']],
  },
  einhornsh: { options: [['-c NAME / -d PATH', 'the master\'s command socket'], ['-e "CMD; CMD"', 'run commands and exit']] },
};

function docPage(name: string): string {
  const group = GROUPS.find(([, re]) => re.test(name));
  const own = `${name}.md`;
  const file = group?.[2] ?? (existsSync(DOCS + own) ? own : null);
  return file ? DOCS + file : `${DOCS}../README.md`;
}

const table = (rows: Options): string => {
  const w = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`).join('\n');
};

export function overallHelp(): string {
  const byGroup = new Map<string, string[]>();
  for (const [name, info] of Object.entries(COMMANDS)) {
    const g = GROUPS.find(([, re]) => re.test(name))?.[0] ?? 'more';
    byGroup.set(g, [...(byGroup.get(g) ?? []), `  ${name.padEnd(16)} ${info.summary}`]);
  }
  const groups = [...byGroup.entries()].map(([g, lines]) => `${g}:\n${lines.join('\n')}`).join('\n\n');
  return `usage: hexad COMMAND [ARGS…]    (or a link named after the s6/einhorn tool: s6-svc, einhorn…)

The s6 supervision suite, s6-rc and einhorn, rebuilt for Node.js.

${groups}

  hexad help COMMAND   the synopsis, options, exit codes and doc page of COMMAND
  hexad --version      the version

Exit codes, as s6: 0 success, 100 wrong usage, 111 system call failed, 99 timed out (waits).
Documentation: ${DOCS}
`;
}

export function commandHelp(name: string, usage: string): string {
  const info = COMMANDS[name];
  const d = DETAIL[name] ?? {};
  const links = info.links.length ? `\nAlso runs as: ${info.links.join(', ')} (a link made by \`hexad links DIR\`), with s6's exact behaviour.\n` : '';
  const parts = [`usage: hexad ${name} ${usage}`, '', `${info.summary}.`, links.trimEnd()];
  if (d.options) parts.push('', 'options:', table(d.options));
  parts.push('', 'exit codes:', table(d.exits ?? [['0', 'success'], ['100', 'wrong usage'], ['111', 'system call failed']]));
  parts.push('', `documentation: ${docPage(name)}`, '');
  return parts.filter((p, i) => p !== '' || parts[i - 1] !== '').join('\n');
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The command (or link name) nearest to a mistyped one, when it is near enough. */
export function nearest(typed: string): string | null {
  const names = [...Object.keys(COMMANDS), ...Object.values(COMMANDS).flatMap((c) => c.links)];
  let best: string | null = null, bestD = Infinity;
  for (const n of names) {
    const d = distance(typed, n);
    if (d < bestD) [best, bestD] = [n, d];
  }
  return best !== null && bestD <= Math.max(2, Math.floor(typed.length / 3)) ? best : null;
}
