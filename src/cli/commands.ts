// Every command of the multi-call `hexad`, the module that runs it, and the names it answers
// to when started through a link (busybox style: a link named `s6-svc` behaves as `hexad svc`).

export interface CommandInfo {
  /** module under src/cli/, without extension */
  module: string;
  /** link names that select this command */
  links: string[];
  summary: string;
}

export const COMMANDS: Record<string, CommandInfo> = {
  supervise: { module: 'supervise', links: ['s6-supervise'], summary: 'supervise one service directory' },
  svscan: { module: 'svscan', links: ['s6-svscan'], summary: 'supervise every service of a scan directory' },
  svscanctl: { module: 'svscanctl', links: ['s6-svscanctl'], summary: 'control a running svscan' },
  svc: { module: 'svc', links: ['s6-svc'], summary: 'send commands to a supervisor' },
  svstat: { module: 'svstat', links: ['s6-svstat'], summary: 'print the state of a service' },
  svok: { module: 'svok', links: ['s6-svok'], summary: 'exit 0 if a service is supervised' },
  svwait: { module: 'svwait', links: ['s6-svwait'], summary: 'wait for services to reach a state' },
  svlisten1: { module: 'svlisten1', links: ['s6-svlisten1'], summary: 'run a command, then wait for a service state' },
  svlisten: { module: 'svlisten', links: ['s6-svlisten'], summary: 'run a command, then wait for several services' },
  svlink: { module: 'svlink', links: ['s6-svlink'], summary: 'link a service directory into a running scan directory' },
  svunlink: { module: 'svunlink', links: ['s6-svunlink'], summary: 'unlink a service from a running scan directory' },
  svdt: { module: 'svdt', links: ['s6-svdt'], summary: 'print the death tally of a service' },
  'svdt-clear': { module: 'svdt-clear', links: ['s6-svdt-clear'], summary: 'clear the death tally of a service' },
  status: { module: 'status', links: [], summary: 'one table of every service (hexad only)' },
  top: { module: 'top', links: [], summary: 'live terminal dashboard of a scan directory (hexad only)' },
  log: { module: 'log', links: ['s6-log'], summary: 'logger: s6-log script language, rotation, timestamps' },
  tai64nlocal: { module: 'tai64nlocal', links: ['s6-tai64nlocal'], summary: 'convert TAI64N labels to local time' },
  'instance-maker': { module: 'instance-maker', links: ['s6-instance-maker'], summary: 'create an instanced service' },
  'instance-create': { module: 'instance-create', links: ['s6-instance-create'], summary: 'create and start an instance' },
  'instance-delete': { module: 'instance-delete', links: ['s6-instance-delete'], summary: 'stop and delete an instance' },
  'instance-control': { module: 'instance-control', links: ['s6-instance-control'], summary: 'svc on an instance' },
  'instance-status': { module: 'instance-status', links: ['s6-instance-status'], summary: 'svstat on an instance' },
  'instance-list': { module: 'instance-list', links: ['s6-instance-list'], summary: 'list the instances of a service' },
  'rc-compile': { module: 'rc-compile', links: ['s6-rc-compile'], summary: 'compile s6-rc source definitions' },
  'rc-init': { module: 'rc-init', links: ['s6-rc-init'], summary: 'set up the live state on a running svscan' },
  rc: { module: 'rc', links: ['s6-rc'], summary: 'change or query the state of rc services' },
  'rc-update': { module: 'rc-update', links: ['s6-rc-update'], summary: 'switch the live state to a new database' },
  'rc-db': { module: 'rc-db', links: ['s6-rc-db'], summary: 'query a compiled database' },
  einhorn: { module: 'einhorn', links: ['einhorn'], summary: 'shared-socket master with rolling upgrades' },
  einhornsh: { module: 'einhornsh', links: ['einhornsh'], summary: 'einhorn control shell' },
  init: { module: 'init', links: [], summary: 'container init (PID 1): s6-overlay v3 stages, reaping, CMD' },
  probe: { module: 'probe', links: [], summary: 'exec probe for an orchestrator: ready [service...] | live' },
  'with-contenv': { module: 'with-contenv', links: ['with-contenv'], summary: 'run a program with the container environment' },
  links: { module: 'links', links: [], summary: 'create links named after the s6 and einhorn tools' },
  config: { module: 'config', links: [], summary: 'check or print the app config (hexad.config.*)' },
  up: { module: 'up', links: [], summary: 'compile the app config and bring its apps up' },
  down: { module: 'down', links: [], summary: 'bring every app of the config down' },
  start: { module: 'start', links: [], summary: 'start apps of the config by name' },
  stop: { module: 'stop', links: [], summary: 'stop apps of the config by name' },
  restart: { module: 'restart', links: [], summary: 'restart apps by name (clears failed)' },
  reload: { module: 'reload', links: [], summary: 'reload apps by name (einhorn upgrade for socket apps)' },
  scale: { module: 'scale', links: [], summary: 'set the instance count of an app' },
  logs: { module: 'logs', links: [], summary: 'the apps\' logs merged in time order (-f follows)' },
  ls: { module: 'ls', links: [], summary: 'the config\'s services with CPU and memory' },
  import: { module: 'import', links: [], summary: 'import a PM2 ecosystem file as a hexad config' },
  startup: { module: 'startup', links: [], summary: 'a systemd, OpenRC or s6 unit that runs hexad up at boot' },
  'app-finish': { module: 'app-finish', links: [], summary: '(internal) restart policy of a generated finish' },
  'app-watch': { module: 'app-watch', links: [], summary: '(internal) watch, cron and memory cap of an app' },
  'app-probe': { module: 'app-probe', links: [], summary: '(internal) readiness probe of a generated run' },
  'app-notify': { module: 'app-notify', links: [], summary: '(internal) sd_notify READY=1 to s6 readiness for a generated run' },
};

const BY_LINK = new Map<string, string>();
for (const [name, info] of Object.entries(COMMANDS)) for (const l of info.links) BY_LINK.set(l, name);

export function commandForLink(linkName: string): string | undefined {
  return BY_LINK.get(linkName);
}
