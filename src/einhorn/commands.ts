// The control commands (einhorn 1.1.1 §5.4) and their reply texts, word for word, so that
// einhorn's own einhornsh and scripts that grep the replies keep working.
import type { Connection } from './control.js';
import { inspect } from './inspect.js';
import { decode } from './wire.js';
import { Sym, YamlError, parse, type YamlMap } from './yaml.js';

export const EINHORN_VERSION = '1.1.1';

/** What the commands need from the master. */
export interface Host {
  readonly pid: number;
  readonly cmdName: string | null;
  number(): number;
  increment(): string;
  decrement(): string;
  setWorkers(n: number): string;
  quieter(): string;
  louder(): string;
  stateDump(): string;
  reload(): void;
  fullUpgrade(smooth: boolean): void;
  signalAll(signal: string, record: boolean): void;
  stopRespawning(): void;
  manualAck(pid: unknown): void;
  ping(pid: unknown, requestId: unknown): void;
  /** applies a `config` mapping; returns an error text when a value is refused */
  mergeConfig(m: YamlMap): string | null;
  logDebug(msg: string): void;
  logError(msg: string): void;
}

type Handler = (h: Host, conn: Connection, req: YamlMap) => string | null;

interface Command {
  description?: string;
  run: Handler;
}

const COMMANDS = new Map<string, Command>();

function command(name: string, description: string | undefined, run: Handler): void {
  COMMANDS.set(name, { description, run });
}

export function commandDescriptions(): string {
  return [...COMMANDS.entries()]
    .filter(([, c]) => c.description)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, c]) => `${n}: ${c.description}`)
    .join('\n');
}

/** Ruby's class name of a decoded YAML value, for "Argument is a Integer, not a string". */
function rubyClass(v: unknown): string {
  if (v === null || v === undefined) return 'NilClass';
  if (v === true) return 'TrueClass';
  if (v === false) return 'FalseClass';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Float';
  if (typeof v === 'string') return 'String';
  if (v instanceof Sym) return 'Symbol';
  if (Array.isArray(v)) return 'Array';
  if (v instanceof Map) return 'Hash';
  return 'Object';
}

function validateArgs(args: unknown): string | null {
  if (args === undefined || args === null || args === false) return 'No args provided';
  if (!Array.isArray(args)) return 'Args must be an array';
  for (const a of args) if (typeof a !== 'string') return `Argument is a ${rubyClass(a)}, not a string: ${inspect(a)}`;
  return null;
}

/** Ruby's Signal.list names (Linux), for the `signal` and `die` commands. */
const SIGNALS = new Set([
  'EXIT', 'HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'IOT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2', 'PIPE', 'ALRM', 'TERM',
  'STKFLT', 'CHLD', 'CLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'IO', 'POLL',
  'PWR', 'SYS',
]);

function normalizeSignals(args: string[]): string[] {
  return args.map((s) => {
    const u = s.toUpperCase();
    const m = /^SIG(.*)$/s.exec(u);
    return m ? m[1] : u;
  });
}

function validateSignals(sigs: string[]): string | null {
  for (const s of sigs) if (!SIGNALS.has(s)) return `Invalid signal: ${inspect(s)}`;
  return null;
}

/** The signal names of a `signal`/`die` request, or einhorn's reply to bad arguments. */
function signalArgs(req: YamlMap): string[] | string {
  const args = req.get('args');
  const bad = validateArgs(args);
  if (bad) return bad;
  const sigs = normalizeSignals(args as string[]);
  return validateSignals(sigs) ?? sigs;
}

command('worker:ack', undefined, (h, conn, req) => {
  const pid = req.get('pid');
  if (pid !== undefined && pid !== null && pid !== false) h.manualAck(pid);
  else h.logError(`Invalid request (no pid): ${inspect(req)}`);
  conn.close();
  return null;
});

command('worker:ping', undefined, (h, conn, req) => {
  const pid = req.get('pid');
  if (pid !== undefined && pid !== null && pid !== false) h.ping(pid, req.get('request_id'));
  else h.logError(`Invalid request (no pid): ${inspect(req)}`);
  conn.close();
  return null;
});

command('ehlo', undefined, (h, _c, req) => {
  const user = req.get('user');
  const name = h.cmdName ? ` (${h.cmdName})` : '';
  return `Welcome, ${user === undefined || user === null ? '' : String(user instanceof Sym ? user.name : user)}! You are speaking to Einhorn Master Process ${h.pid}${name}.\nThis is Einhorn ${EINHORN_VERSION}.\n`;
});

command('help', 'Print out available commands', () => `You are speaking to the Einhorn command socket. You can run the following commands:\n\n${commandDescriptions()}\n`);

command('state', "Get a dump of Einhorn's current state", (h) => h.stateDump());

command('reload', 'Reload Einhorn', (h, conn, req) => {
  conn.send('Reloading, as commanded', req.get('id'), true);
  h.reload();
  return null;
});

command('inc', 'Increment the number of Einhorn child processes', (h) => h.increment());

command('dec', 'Decrement the number of Einhorn child processes', (h) => h.decrement());

command('set_workers', 'Set the number of Einhorn child processes', (h, _c, req) => {
  const args = req.get('args');
  const bad = validateArgs(args);
  if (bad) return bad;
  const a = (args as string[])[0];
  // Ruby's String#to_i: leading white space, a sign, digits; anything else stops it
  const m = /^\s*([-+]?\d+)/.exec(a ?? '');
  const count = m ? Number(m[1].replace('+', '')) : 0;
  if (count < 1 || count > 1000) return `Invalid count: '${a ?? ''}'. Must be an integer in [1,1000).`;
  return h.setWorkers(count);
});

command('quieter', 'Decrease verbosity', (h) => h.quieter());

command('louder', 'Increase verbosity', (h) => h.louder());

command('upgrade', 'Upgrade all Einhorn workers smoothly. This causes Einhorn to reload its own code as well.', (h, conn, req) => {
  conn.send('Upgrading smoothly, as commanded', req.get('id'));
  conn.subscribe('upgrade', req.get('id'));
  h.fullUpgrade(true);
  return null;
});

command('upgrade_fleet', 'Upgrade all Einhorn workers a fleet at a time. This causes Einhorn to reload its own code as well.', (h, conn, req) => {
  conn.send('Upgrading fleet, as commanded', req.get('id'));
  conn.subscribe('upgrade', req.get('id'));
  h.fullUpgrade(false);
  return null;
});

command('signal', 'Send one or more signals to all workers (args: SIG1 [SIG2 ...])', (h, _c, req) => {
  const sigs = signalArgs(req);
  if (typeof sigs === 'string') return sigs;
  for (const s of sigs) h.signalAll(s, false);
  // einhorn joins the per-signal results, which are nil
  return sigs.map(() => '').join('\n');
});

command('die', 'Send SIGNAL (default: SIGUSR2) to all workers, stop spawning new ones, and exit once all workers die (args: [SIGNAL])', (h, _c, req) => {
  const sigs = signalArgs(req);
  if (typeof sigs === 'string') return sigs;
  h.signalAll(sigs[0] ?? 'USR2', true);
  h.stopRespawning();
  return 'Einhorn is going down! ';
});

command('config', 'Merge in a new set of config options. (Note: this will likely be subsumed by config file reloading at some point.)', (h, _c, req) => {
  const args = req.get('args');
  const bad = validateArgs(args);
  if (bad) return bad;
  if ((args as string[]).length === 0) return 'Must pass in a YAML-encoded hash';
  let parsed: unknown;
  try {
    parsed = parse((args as string[]).join(' '));
  } catch (e) {
    if (e instanceof YamlError) return 'Could not parse argument. Must be a YAML-encoded hash';
    throw e;
  }
  if (!(parsed instanceof Map)) return `Parsed argument is a ${rubyClass(parsed)}, not a hash`;
  const refused = h.mergeConfig(parsed);
  if (refused) return refused;
  return `Successfully merged in config: ${inspect(parsed)}`;
});

function unrecognized(req: YamlMap): string {
  return `Unrecognized command: ${inspect(req.get('command'))}\n\n${commandDescriptions()}\n`;
}

/** einhorn's process_command: decode one line, run the command, send its reply (if any). */
export function processLine(h: Host, conn: Connection, line: string): void {
  let req: unknown;
  try {
    req = decode(line);
  } catch {
    req = undefined;
  }
  if (!(req instanceof Map)) {
    conn.send('Could not parse command');
    return;
  }
  // hexad's one-shot einhornsh asks for JSON replies (a YAML parser costs it ~3 ms of start-up);
  // einhorn ignores the key and answers in YAML, which that client also reads
  if (req.get('reply_format') === 'json') conn.replyJson = true;
  const message = generate(h, conn, req);
  if (message !== null) conn.send(message, req.get('id'), true);
  else h.logDebug('Got back nil response, so not responding to command.');
}

function generate(h: Host, conn: Connection, req: YamlMap): string | null {
  const name = req.get('command');
  if (name === undefined || name === null || name === false) return 'No "command" parameter provided; not sure what you want me to do.';
  const cmd = typeof name === 'string' ? COMMANDS.get(name) : undefined;
  if (!cmd) {
    h.logDebug(`Received unrecognized command: ${inspect(req)}`);
    return unrecognized(req);
  }
  h.logDebug(`Received command: ${inspect(req)}`);
  try {
    return cmd.run(h, conn, req);
  } catch (e) {
    const msg = `Error while processing command ${inspect(name)}: ${e instanceof Error ? e.message : String(e)} (${e instanceof Error ? e.name : 'Error'})`;
    h.logError(msg);
    return msg;
  }
}
