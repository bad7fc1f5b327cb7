// The S6_* variables of s6-overlay v3 that hexad init reads, with s6-overlay's meanings and
// defaults. Every value is checked before anything starts: a bad one is a one-line error.
import { Fatal } from '../s6/diag.js';

export interface InitSettings {
  /** 0: go on silently, 1: go on with a warning, 2: stop the container (default) */
  behaviourIfStage2Fails: 0 | 1 | 2;
  /** wait for services.d services to be ready (not only up) before CMD */
  cmdWaitForServices: boolean;
  /** ms stage 2 may take to bring everything up; 0 = no limit (the default since 3.2) */
  cmdWaitForServicesMaxtime: number;
  /** ms services get to stop in stage 3 */
  servicesGracetime: number;
  /** ms between the final SIGTERM to every process and the SIGKILL */
  killGracetime: number;
  /** ms a cont-finish.d script may run before it is killed */
  killFinishMaxtime: number;
  /** the whole tree keeps the container environment (with-contenv becomes a no-op) */
  keepEnv: boolean;
  /** 0: everything to stdout/stderr; 1: the tree's output to the catch-all logger; 2: CMD's too */
  logging: 0 | 1 | 2;
  loggingScript: string;
  /** 0 errors only, 1 warnings, 2 stage messages (default), 3+ more detail */
  verbosity: number;
  /** prepended to CMD */
  cmdArg0: string[];
  readOnlyRoot: boolean;
  syncDisks: boolean;
  /** a shell excerpt run at the start of stage 2, before the s6-rc sources are compiled */
  stage2Hook: string;
  /** forward TERM/INT/… to CMD instead of starting stage 3 at once */
  cmdReceiveSignals: boolean;
}

function flag(env: NodeJS.ProcessEnv, name: string, def: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return def;
  if (v === '0') return false;
  if (v === '1') return true;
  throw new Fatal(100, `invalid ${name} value: ${v}: must be 0 or 1`);
}

function choice<T extends number>(env: NodeJS.ProcessEnv, name: string, def: T, allowed: readonly T[]): T {
  const v = env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !allowed.includes(n as T)) throw new Fatal(100, `invalid ${name} value: ${v}: must be ${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}`);
  return n as T;
}

function ms(env: NodeJS.ProcessEnv, name: string, def: number): number {
  const v = env[name];
  if (v === undefined || v === '') return def;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new Fatal(100, `invalid ${name} value: ${v}: must be a number of milliseconds`);
  return Number(v);
}

/** Splits S6_CMD_ARG0 the way a shell would split a plain word list (quotes honoured). */
function words(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m; (m = re.exec(s));) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2] ?? m[3]);
  return out;
}

export function readSettings(env: NodeJS.ProcessEnv): InitSettings {
  const verbosity = env.S6_VERBOSITY ?? '';
  if (verbosity !== '' && !/^\d+$/.test(verbosity)) throw new Fatal(100, `invalid S6_VERBOSITY value: ${verbosity}: must be a number from 0 to 5`);
  return {
    behaviourIfStage2Fails: choice(env, 'S6_BEHAVIOUR_IF_STAGE2_FAILS', 2, [0, 1, 2] as const),
    cmdWaitForServices: flag(env, 'S6_CMD_WAIT_FOR_SERVICES', false),
    cmdWaitForServicesMaxtime: ms(env, 'S6_CMD_WAIT_FOR_SERVICES_MAXTIME', 0),
    servicesGracetime: ms(env, 'S6_SERVICES_GRACETIME', 3000),
    killGracetime: ms(env, 'S6_KILL_GRACETIME', 3000),
    killFinishMaxtime: ms(env, 'S6_KILL_FINISH_MAXTIME', 5000),
    keepEnv: flag(env, 'S6_KEEP_ENV', false),
    logging: choice(env, 'S6_LOGGING', 0, [0, 1, 2] as const),
    loggingScript: env.S6_LOGGING_SCRIPT || 'n20 s1000000 T',
    verbosity: verbosity === '' ? 2 : Math.min(Number(verbosity), 5),
    cmdArg0: words(env.S6_CMD_ARG0 ?? ''),
    readOnlyRoot: flag(env, 'S6_READ_ONLY_ROOT', false),
    syncDisks: flag(env, 'S6_SYNC_DISKS', false),
    stage2Hook: env.S6_STAGE2_HOOK ?? '',
    cmdReceiveSignals: flag(env, 'S6_CMD_RECEIVE_SIGNALS', false),
  };
}
