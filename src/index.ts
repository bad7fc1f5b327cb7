// hexad, the library: the table of contents of the public API.
//
// The app front end (a config file compiled into s6 service directories and s6-rc sources):
export { defineConfig } from './config/schema.js';
export type {
  HexadConfig, AppConfig, Command, DependencyCondition, Readiness, LogConfig, RestartPolicy, WatchConfig, SocketConfig, RlimitName,
} from './config/schema.js';
export { loadConfig, up, down, status, control, waitFor, events, logs, HexadError } from './config/api.js';
export type { ConfigOptions, UpOptions, ControlCommand, WaitState, ServiceEvent, EventStream, LogsOptions } from './config/api.js';
export type { LoadedConfig } from './config/load.js';
export type { LogRecord } from './config/logs.js';
// hexad.status/1, what status() and `hexad status --json` return
export type { Overview, ServiceView, LastExit } from './status/collect.js';
// programs that run under hexad: readiness, inherited sockets, einhorn acks (also `hexad/child`)
export * as child from './child/index.js';
