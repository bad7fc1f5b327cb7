// PM2 ecosystem file → hexad config: what maps, and a list of what does not.
import { cpus } from 'node:os';
import type { AppConfig, HexadConfig } from './schema.js';

export interface Pm2Import { config: HexadConfig; unmapped: string[] }

const IGNORED_QUIETLY = new Set(['name', 'script', 'args', 'interpreter', 'exec_interpreter', 'node_args', 'interpreter_args', 'cwd', 'env', 'instances', 'exec_mode']);

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : []);

export function importPm2(eco: unknown, envName?: string): Pm2Import {
  const unmapped: string[] = [];
  const raw = (eco && typeof eco === 'object' && 'apps' in eco ? (eco as { apps: unknown }).apps : eco) as unknown;
  const list = (Array.isArray(raw) ? raw : [raw]) as Array<Record<string, unknown>>;
  if (eco && typeof eco === 'object' && 'deploy' in eco) unmapped.push('deploy: hexad does not deploy');
  const apps = list.map((a, i): AppConfig => {
    const name = String(a.name ?? `app${i}`).replace(/[^A-Za-z0-9_.-]/g, '-');
    const script = String(a.script ?? '');
    const interp = (a.interpreter ?? a.exec_interpreter) as string | undefined;
    const nodeScript = /\.(c|m)?(j|t)s$/.test(script);
    const interpreter = interp && interp !== 'none' ? interp : nodeScript ? 'node' : undefined;
    const run = [...(interpreter ? [interpreter, ...asList(a.node_args ?? a.interpreter_args)] : []), script, ...asList(a.args)];
    const app: AppConfig = { name, run };
    const at = (k: string): string => `${name}: ${k}`;
    if (a.cwd) app.cwd = String(a.cwd);
    const env: Record<string, string> = {};
    Object.assign(env, a.env ?? {});
    const chosen = envName ?? (a.env_production ? 'production' : undefined);
    for (const k of Object.keys(a)) {
      if (!k.startsWith('env_')) continue;
      if (k === `env_${chosen}`) Object.assign(env, a[k]);
      else unmapped.push(`${at(k)}: only one environment is imported (${chosen ? `env_${chosen}` : 'env'}); put it in another config or an envFile`);
    }
    if (Object.keys(env).length) app.env = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
    if (a.instances !== undefined) {
      const n = a.instances === 'max' || Number(a.instances) <= 0 ? cpus().length + Math.min(0, Number(a.instances) || 0) : Number(a.instances);
      if (n > 1) app.instances = n;
      if (a.exec_mode === 'cluster' || a.exec_mode === 'cluster_mode') unmapped.push(`${at('exec_mode')}: cluster mode shares a port through PM2's daemon; hexad runs ${n} instances (use socket: { bind, workers } for one shared listening socket)`);
    }
    if (a.max_memory_restart !== undefined) app.maxMemoryRestart = typeof a.max_memory_restart === 'number' ? a.max_memory_restart : String(a.max_memory_restart).replace(/B$/i, '');
    if (a.cron_restart) app.cron = String(a.cron_restart);
    if (a.watch) {
      app.watch = {
        paths: a.watch === true ? ['.'] : asList(a.watch),
        ignore: [...asList(a.ignore_watch).map((g) => (g.includes('*') || g.includes('/') ? g : `**/${g}/**`)), '**/node_modules/**', '**/.hexad/**'],
        ...(a.watch_delay !== undefined ? { debounce: Number(a.watch_delay) } : {}),
      };
    }
    const restart: NonNullable<AppConfig['restart']> = {};
    if (a.autorestart === false) restart.policy = 'never';
    if (a.stop_exit_codes !== undefined) unmapped.push(`${at('stop_exit_codes')}: use restart.policy 'on-failure' (exit 0 stays down)`);
    if (a.max_restarts !== undefined) { restart.maxRestarts = Number(a.max_restarts); restart.window = Math.max(Number(a.min_uptime ?? 1000) * Number(a.max_restarts), 10_000); }
    if (a.exp_backoff_restart_delay !== undefined) restart.backoff = { initial: Number(a.exp_backoff_restart_delay), factor: 1.5, max: 15_000 };
    else if (a.restart_delay !== undefined) restart.backoff = { initial: Number(a.restart_delay), factor: 1, max: Number(a.restart_delay) };
    if (Object.keys(restart).length) app.restart = restart;
    if (a.kill_timeout !== undefined) app.killTimeout = Number(a.kill_timeout);
    if (a.wait_ready) app.ready = { type: 'process.send' };
    if (a.user ?? a.uid) app.user = String(a.user ?? a.uid);
    if (a.autostart === false) app.autostart = false;
    if (a.time === true || a.log_date_format) app.log = { timestamps: 'iso' };
    if (a.disable_logs === true) app.log = false;
    const handled = new Set([...IGNORED_QUIETLY, 'max_memory_restart', 'cron_restart', 'watch', 'ignore_watch', 'watch_delay', 'autorestart', 'stop_exit_codes',
      'max_restarts', 'min_uptime', 'exp_backoff_restart_delay', 'restart_delay', 'kill_timeout', 'wait_ready', 'user', 'uid', 'autostart', 'time', 'disable_logs']);
    for (const k of Object.keys(a)) {
      if (handled.has(k) || k.startsWith('env_')) continue;
      const why: Record<string, string> = {
        out_file: 'logs go to s6-log directories (log.dir)', error_file: 'stdout and stderr share one s6-log directory', log_file: 'see log.dir',
        merge_logs: 'instances share one logger already', log_date_format: 'timestamps are TAI64N or ISO 8601 (log.timestamps)',
        listen_timeout: 'readiness has no timeout of its own (the probe has)', gid: 'the user\'s own group is used', namespace: 'use one config per namespace',
        pid_file: 'hexad status shows pids', increment_var: 'use HEXAD_INSTANCE', instance_var: 'NODE_APP_INSTANCE and HEXAD_INSTANCE are set',
      };
      unmapped.push(`${at(k)}: ${why[k] ?? 'no hexad equivalent'}`);
    }
    return app;
  });
  return { config: { apps }, unmapped };
}
