// The app config a Node user writes (hexad.config.{json,yaml,js,mjs,ts}): its types, and a
// validator that names the file, the app and the key of the first thing it cannot accept.

/** A command line (run by /bin/sh) or an argv array (run as is). */
export type Command = string | string[];

export type DependencyCondition = 'started' | 'ready' | 'completed';

export type Readiness =
  /** the program writes a newline to this descriptor (s6's notification-fd) */
  | { type: 'notification-fd'; fd?: number }
  /** a Node program calls process.send('ready') (PM2's wait_ready) */
  | { type: 'process.send' }
  /** the program sends READY=1 on $NOTIFY_SOCKET (systemd's sd_notify) */
  | { type: 'sd_notify' }
  /** socket apps: every einhorn worker has ACKed */
  | { type: 'einhorn' }
  | { type: 'http'; url: string; interval?: number; timeout?: number }
  | { type: 'tcp'; port: number; host?: string; interval?: number; timeout?: number }
  | { type: 'exec'; command: Command; interval?: number; timeout?: number };

export interface LogConfig {
  /** default: STATE/logs/APP */
  dir?: string;
  /** bytes per file before rotation (default 1 MB) */
  size?: number;
  /** archived files kept (default 10) */
  count?: number;
  timestamps?: 'tai64n' | 'iso' | 'both' | 'none';
}

export interface RestartPolicy {
  /** always (s6's), on-failure (a zero exit stays down), never */
  policy?: 'always' | 'on-failure' | 'never';
  /** exponential backoff between restarts, ms: initial, factor, cap */
  backoff?: { initial?: number; factor?: number; max?: number };
  /** this many deaths within `window` ms (default 60 000) end in the `failed` state */
  maxRestarts?: number;
  window?: number;
}

export interface WatchConfig {
  paths?: string[];
  ignore?: string[];
  /** ms (default 500) */
  debounce?: number;
}

export interface SocketConfig {
  /** einhorn -b: ADDR:PORT[,opts] */
  bind: string | string[];
  workers?: number;
  ackMode?: 'timer' | 'manual';
  /** seconds for ackMode timer */
  ackTimeout?: number;
}

export interface AppConfig {
  name: string;
  run?: Command;
  cwd?: string;
  env?: Record<string, string | number | boolean>;
  envFile?: string;
  instances?: number | string[];
  dependsOn?: string[] | Record<string, DependencyCondition>;
  /** a oneshot: `up` runs once when the graph comes up, `down` when it goes down */
  oneshot?: { up: Command; down?: Command };
  ready?: Readiness;
  log?: LogConfig | false;
  restart?: RestartPolicy;
  user?: string;
  nice?: number;
  rlimits?: Partial<Record<RlimitName, number>>;
  stopSignal?: string;
  /** ms before SIGKILL after the stop signal */
  killTimeout?: number;
  /** bytes, or '200M', '1G' */
  maxMemoryRestart?: number | string;
  watch?: boolean | string[] | WatchConfig;
  /** cron expression: a oneshot runs on it; a longrun restarts on it */
  cron?: string;
  socket?: SocketConfig;
  /** brought up by `hexad up` without naming it (default true) */
  autostart?: boolean;
}

export interface HexadConfig {
  apps: AppConfig[];
  /** default: .hexad beside the config file */
  stateDir?: string;
}

export const RLIMITS = ['nofile', 'nproc', 'core', 'as', 'data', 'stack', 'fsize', 'memlock', 'cpu'] as const;
export type RlimitName = (typeof RLIMITS)[number];

/** Types a config file: `export default defineConfig({ apps: [...] })`. */
export function defineConfig(config: HexadConfig): HexadConfig {
  return config;
}

export class ConfigError extends Error {}

type Check = (v: unknown, at: string) => void;

const fail = (at: string, why: string): never => {
  throw new ConfigError(`${at}: ${why}`);
};
const str: Check = (v, at) => { if (typeof v !== 'string') fail(at, 'must be a string'); };
const nonEmpty: Check = (v, at) => { str(v, at); if (v === '') fail(at, 'must not be empty'); };
const bool: Check = (v, at) => { if (typeof v !== 'boolean') fail(at, 'must be true or false'); };
const num = (min = 0, int = true): Check => (v, at) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || (int && !Number.isInteger(v)) || v < min) fail(at, `must be ${int ? 'an integer' : 'a number'} >= ${min}`);
};
const oneOf = (...vals: string[]): Check => (v, at) => { if (typeof v !== 'string' || !vals.includes(v)) fail(at, `must be one of ${vals.join(', ')}`); };
const strList: Check = (v, at) => {
  if (!Array.isArray(v)) fail(at, 'must be a list of strings');
  (v as unknown[]).forEach((x, i) => str(x, `${at}[${i}]`));
};
const command: Check = (v, at) => {
  if (typeof v === 'string') return nonEmpty(v, at);
  if (!Array.isArray(v) || v.length === 0) fail(at, 'must be a command line or a non-empty argv list');
  strList(v, at);
};
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function object(shape: Record<string, Check>, required: string[] = []): Check {
  return (v, at) => {
    if (!isObj(v)) fail(at, 'must be an object');
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!(k in shape)) fail(`${at}.${k}`, 'unknown key');
      if (o[k] !== undefined) shape[k](o[k], `${at}.${k}`);
    }
    for (const k of required) if (o[k] === undefined) fail(`${at}.${k}`, 'is required');
  };
}

const probeTiming = { interval: num(1), timeout: num(1) };
const readiness: Check = (v, at) => {
  if (!isObj(v)) fail(at, 'must be an object with a type');
  const o = v as Record<string, unknown>;
  const shapes: Record<string, [Record<string, Check>, string[]]> = {
    'notification-fd': [{ fd: num(3) }, []],
    'process.send': [{}, []],
    sd_notify: [{}, []],
    einhorn: [{}, []],
    http: [{ url: nonEmpty, ...probeTiming }, ['url']],
    tcp: [{ port: num(1), host: str, ...probeTiming }, ['port']],
    exec: [{ command, ...probeTiming }, ['command']],
  };
  oneOf(...Object.keys(shapes))(o.type, `${at}.type`);
  const [shape, req] = shapes[o.type as string];
  object({ type: str, ...shape }, req)(v, at);
};

const APP: Record<string, Check> = {
  name: (v, at) => {
    nonEmpty(v, at);
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v as string)) fail(at, 'must be letters, digits, _ . - (not starting with . or -)');
    if ((v as string).endsWith('-log') || (v as string).startsWith('s6rc-')) fail(at, 'must not end in -log nor start with s6rc-');
  },
  run: command,
  cwd: nonEmpty,
  env: (v, at) => {
    if (!isObj(v)) fail(at, 'must be an object');
    for (const [k, x] of Object.entries(v as object)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) fail(`${at}.${k}`, 'not a valid variable name');
      if (!['string', 'number', 'boolean'].includes(typeof x)) fail(`${at}.${k}`, 'must be a string, number or boolean');
    }
  },
  envFile: nonEmpty,
  instances: (v, at) => {
    if (typeof v === 'number') return num(1)(v, at);
    strList(v, at);
    for (const n of v as string[]) if (!/^[A-Za-z0-9_.-]+$/.test(n) || n.startsWith('.')) fail(at, `invalid instance name: ${n}`);
  },
  dependsOn: (v, at) => {
    if (Array.isArray(v)) return strList(v, at);
    if (!isObj(v)) fail(at, 'must be a list of app names or an object of name: condition');
    for (const [k, c] of Object.entries(v as object)) oneOf('started', 'ready', 'completed')(c, `${at}.${k}`);
  },
  oneshot: object({ up: command, down: command }, ['up']),
  ready: readiness,
  log: (v, at) => {
    if (v === false) return;
    object({ dir: nonEmpty, size: num(4096), count: num(1), timestamps: oneOf('tai64n', 'iso', 'both', 'none') })(v, at);
  },
  restart: object({
    policy: oneOf('always', 'on-failure', 'never'),
    backoff: object({ initial: num(0), factor: num(1, false), max: num(0) }),
    maxRestarts: num(1),
    window: num(1),
  }),
  user: nonEmpty,
  nice: (v, at) => { num(-20)(v, at); if ((v as number) > 19) fail(at, 'must be between -20 and 19'); },
  rlimits: object(Object.fromEntries(RLIMITS.map((r) => [r, num(0)]))),
  stopSignal: (v, at) => { str(v, at); if (!/^(SIG)?[A-Z0-9]+$/.test(v as string)) fail(at, 'must be a signal name such as SIGTERM'); },
  killTimeout: num(1),
  maxMemoryRestart: (v, at) => {
    if (typeof v === 'number') return num(1)(v, at);
    if (typeof v !== 'string' || parseBytes(v) === null) fail(at, 'must be a number of bytes or a size such as 200M');
  },
  watch: (v, at) => {
    if (typeof v === 'boolean') return;
    if (Array.isArray(v)) return strList(v, at);
    object({ paths: strList, ignore: strList, debounce: num(0) })(v, at);
  },
  cron: (v, at) => { nonEmpty(v, at); if ((v as string).trim().split(/\s+/).length < 5) fail(at, 'must be a cron expression of 5 or 6 fields'); },
  socket: object({ bind: (v, at) => (Array.isArray(v) ? strList(v, at) : nonEmpty(v, at)), workers: num(1), ackMode: oneOf('timer', 'manual'), ackTimeout: num(0, false) }, ['bind']),
  autostart: bool,
};

/** '200M' → bytes; K, M, G (powers of 1024); a plain number is bytes. */
export function parseBytes(s: string | number): number | null {
  if (typeof s === 'number') return s;
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]?)B?$/i.exec(s.trim());
  if (!m) return null;
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Math.round(Number(m[1]) * mult);
}

/** The dependency names of an app, with their conditions. */
export function dependencies(app: AppConfig): Array<[string, DependencyCondition]> {
  const d = app.dependsOn;
  if (!d) return [];
  if (Array.isArray(d)) return d.map((n) => [n, 'started']);
  return Object.entries(d);
}

/** Checks a whole config; throws ConfigError `app "NAME": key: why` on the first problem. */
export function validateConfig(v: unknown): HexadConfig {
  if (!isObj(v)) fail('config', 'must be an object with an apps list');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'apps' && k !== 'stateDir') fail(k, 'unknown key');
  if (o.stateDir !== undefined) nonEmpty(o.stateDir, 'stateDir');
  if (!Array.isArray(o.apps)) fail('apps', 'must be a list of apps');
  const apps = o.apps as unknown[];
  const seen = new Set<string>();
  apps.forEach((a, i) => {
    const label = isObj(a) && typeof a.name === 'string' ? `app "${a.name}"` : `apps[${i}]`;
    if (!isObj(a)) fail(label, 'must be an object');
    const app = a as Record<string, unknown>;
    for (const k of Object.keys(app)) {
      if (!(k in APP)) fail(`${label}: ${k}`, 'unknown key');
      if (app[k] !== undefined) {
        try {
          APP[k](app[k], k);
        } catch (e) {
          if (e instanceof ConfigError) throw new ConfigError(`${label}: ${e.message}`);
          throw e;
        }
      }
    }
    if (app.name === undefined) fail(`${label}: name`, 'is required');
    if (seen.has(app.name as string)) fail(`${label}: name`, 'two apps have this name');
    seen.add(app.name as string);
    if (app.run === undefined && app.oneshot === undefined) fail(`${label}: run`, 'is required (or oneshot.up)');
    if (app.run !== undefined && app.oneshot !== undefined) fail(`${label}: oneshot`, 'an app has run or oneshot, not both');
    if (app.oneshot !== undefined && (app.instances !== undefined || app.socket !== undefined)) fail(`${label}: oneshot`, 'a oneshot has no instances nor socket');
    if (app.socket !== undefined && app.instances !== undefined) fail(`${label}: instances`, 'a socket app sets socket.workers instead');
    const ready = app.ready as { type?: string } | undefined;
    if (ready?.type === 'einhorn' && app.socket === undefined) fail(`${label}: ready.type`, 'einhorn readiness needs a socket app (socket.bind)');
  });
  const cfg = v as unknown as HexadConfig;
  const names = new Map(cfg.apps.map((a) => [a.name, a]));
  for (const a of cfg.apps) {
    for (const [d, cond] of dependencies(a)) {
      const dep = names.get(d);
      if (!dep) fail(`app "${a.name}": dependsOn`, `no app named ${d}`);
      if (d === a.name) fail(`app "${a.name}": dependsOn`, 'an app cannot depend on itself');
      if (cond === 'completed' && !dep!.oneshot) fail(`app "${a.name}": dependsOn.${d}`, 'completed applies to oneshot apps only');
      if (cond === 'ready' && !dep!.ready && !dep!.oneshot) fail(`app "${a.name}": dependsOn.${d}`, `ready needs a readiness option on ${d}`);
    }
  }
  const cycle = findCycle(cfg.apps);
  if (cycle) fail(`app "${cycle[0]}": dependsOn`, `dependency cycle: ${cycle.join(' -> ')}`);
  return cfg;
}

function findCycle(apps: AppConfig[]): string[] | null {
  const deps = new Map(apps.map((a) => [a.name, dependencies(a).map(([n]) => n)]));
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 2) return null;
    if (state.get(n) === 1) return [...path.slice(path.indexOf(n)), n];
    state.set(n, 1);
    path.push(n);
    for (const d of deps.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    path.pop();
    state.set(n, 2);
    return null;
  };
  for (const a of apps) {
    const c = visit(a.name);
    if (c) return c;
  }
  return null;
}
