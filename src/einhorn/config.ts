// The `config` command: einhorn shallow-merges any YAML mapping into its state, unchecked. hexad
// takes the keys that mean something to it, checks their values, and applies all or nothing.
import { inspect } from './inspect.js';
import type { State } from './state.js';
import { Sym, type YamlMap } from './yaml.js';

/** Applies `m` to `s`; returns the reply text when a value is refused (then nothing changes). */
export function mergeConfig(s: State, m: YamlMap): string | null {
  const changes: (() => void)[] = [];
  const int = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  for (const [k, v] of m) {
    const key = k instanceof Sym ? k.name : null;
    if (key === 'verbosity') {
      if (!int(v) || v < 0 || v > 2) return 'Could not merge config: :verbosity must be 0, 1 or 2';
      changes.push(() => (s.verbosity = v));
    } else if (key === 'signal_timeout') {
      if (v !== null && (!int(v) || v <= 0)) return 'Could not merge config: :signal_timeout must be a positive integer or nil';
      changes.push(() => (s.signal_timeout = v as number | null));
    } else if (key === 'reexec_commandline') {
      if (v !== null && !(Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'))) return 'Could not merge config: :reexec_commandline must be a list of strings or nil';
      changes.push(() => (s.reexec_commandline = v as string[] | null));
    } else if (key === 'drop_environment_variables') {
      if (!(Array.isArray(v) && v.every((x) => typeof x === 'string'))) return 'Could not merge config: :drop_environment_variables must be a list of strings';
      changes.push(() => (s.drop_environment_variables = v as string[]));
    } else if (key === 'config') {
      if (!(v instanceof Map)) return 'Could not merge config: :config must be a mapping';
      for (const [ck, cv] of v) {
        const name = ck instanceof Sym ? ck.name : String(ck);
        const pos = typeof cv === 'number' && cv > 0;
        if (name === 'number' && int(cv) && cv >= 1 && cv <= 1000) changes.push(() => (s.config.number = cv));
        else if (name === 'seconds' && pos) changes.push(() => (s.config.seconds = cv as number));
        else if (name === 'max_unacked' && int(cv) && cv > 0) changes.push(() => (s.config.max_unacked = cv));
        else if (name === 'max_upgrade_additional' && int(cv)) changes.push(() => (s.config.max_upgrade_additional = cv));
        else if (name === 'ack_deadline' && pos) changes.push(() => (s.config.ack_deadline = cv as number));
        else return `Could not merge config: ${inspect(ck)} => ${inspect(cv)} is not a valid config value`;
      }
    }
    // other keys mean nothing to hexad (einhorn would store them, to no effect)
  }
  for (const c of changes) c();
  return null;
}
