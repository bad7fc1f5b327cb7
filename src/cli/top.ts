// hexad top [DIR]: a terminal dashboard of a scan directory (like htop / pm2 monit). Reads the
// s6 interface and /proc, acts through the supervisors' control FIFOs: it needs no --http.
import { statSync } from 'node:fs';
import { getopt, parseUint, UsageError } from './getopt.js';
import { Fatal, errText, fatalSys } from '../s6/diag.js';
import { writeControl } from '../s6/control.js';
import { findLogFile, tailFile } from '../http/logtail.js';
import { renderTop, TopModel, type SortKey } from '../status/top.js';

export const usage = '[ -n refresh-ms ] [ dir ]';

const SORTS: SortKey[] = ['cpu', 'mem', 'name'];

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, 'n:');
  let every = 1000;
  for (const [o, v] of opts) {
    const n = parseUint(v);
    if (o !== 'n' || n === null) throw new UsageError();
    every = Math.max(100, n);
  }
  if (rest.length > 1) throw new UsageError();
  const dir = rest[0] ?? '.';
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('Not a directory'), { errno: 20 });
  } catch (e) {
    throw fatalSys(111, `open ${dir}`, e);
  }
  const { stdin, stdout } = process;
  if (!stdin.isTTY || !stdout.isTTY) throw new Fatal(100, 'standard input and output must be a terminal');

  const model = new TopModel(dir);
  let sort: SortKey = 'cpu';
  let selected = 0;
  let message = '';
  let logOf: string | null = null;

  const draw = (): void => {
    const cols = stdout.columns || 80, rows = stdout.rows || 24;
    let lines: string[];
    if (logOf) {
      const row = model.rows.find((r) => r.name === logOf);
      const file = row ? findLogFile(row.path) : null;
      let text: string[] = [];
      try {
        text = file ? tailFile(file, rows - 2) : ['(no log file found under log/)'];
      } catch (e) {
        text = [`unable to read ${file}: ${errText(e)}`];
      }
      lines = [`\x1b[1mlog of ${logOf}\x1b[0m  ${file ?? ''}`.slice(0, cols + 8), ...text.map((l) => l.slice(0, cols)),
        `\x1b[2ml or Esc back  q quit\x1b[0m`];
    } else {
      lines = renderTop(model, { sort, selected, cols, rows, message, clock: new Date().toTimeString().slice(0, 8) });
    }
    stdout.write(`\x1b[H\x1b[2J${lines.slice(0, rows).join('\r\n')}`);
  };
  const tick = (): void => {
    try {
      model.refresh(sort);
    } catch (e) {
      message = `unable to read ${dir}: ${errText(e)}`;
    }
    selected = Math.min(selected, Math.max(0, model.rows.length - 1));
    draw();
  };

  let done!: (code: number) => void;
  const finished = new Promise<number>((r) => { done = r; });
  const restore = (): void => {
    stdout.write('\x1b[?25h\x1b[?1049l');
    try {
      stdin.setRawMode(false);
    } catch { /* gone */ }
    stdin.pause();
  };
  const quit = (code = 0): void => {
    clearInterval(timer);
    restore();
    done(code);
  };
  const control = (bytes: string, what: string): void => {
    const r = model.rows[selected];
    if (!r) return;
    const res = writeControl(r.path, 'supervise', bytes);
    message = res.kind === 'ok' ? `${what}: ${r.name}` : `unable to control ${r.name}: ${res.kind === 'error' ? errText(res.error) : 'supervisor not listening'}`;
    setTimeout(tick, 150);
  };

  stdout.write('\x1b[?1049h\x1b[?25l');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  // a slow read can bring several keys in one chunk: split it into keys first
  stdin.on('data', (chunk: string) => {
    for (const key of chunk.match(/\x1b\[[0-9;]*[A-Za-z~]|\x1bO[A-Za-z]|[\s\S]/g) ?? []) {
      if (onKey(key)) return;
    }
  });
  const onKey = (key: string): boolean => {
    if (key === '\x03' || key === 'q') {
      quit(0);
      return true;
    }
    handleKey(key);
    return false;
  };
  const handleKey = (key: string): void => {
    if (logOf) {
      if (key === 'l' || key === '\x1b') logOf = null;
      return draw();
    }
    switch (key) {
      case '\x1b[A': case '\x1bOA': case 'k': selected = Math.max(0, selected - 1); break;
      case '\x1b[B': case '\x1bOB': case 'j': selected = Math.min(model.rows.length - 1, selected + 1); break;
      case 's': sort = SORTS[(SORTS.indexOf(sort) + 1) % SORTS.length]; model.refresh(sort); break;
      case 'c': sort = 'cpu'; model.refresh(sort); break;
      case 'm': sort = 'mem'; model.refresh(sort); break;
      case 'r': {
        const v = model.rows[selected]?.view;
        control(v && v.state === 'up' ? 'ur' : 'u', 'restart');
        break;
      }
      case 'd': control('d', 'stop'); break;
      case 'u': control('u', 'start'); break;
      case 'l': logOf = model.rows[selected]?.name ?? null; break;
    }
    draw();
  };
  stdout.on('resize', draw);
  // SIGINT too: Ctrl-C comes as a key in raw mode, but as a signal if the terminal's mode was
  // changed under us (another program on the same terminal)
  for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.once(sig, () => quit(0));
  const timer = setInterval(tick, every);
  tick();
  return finished;
}

