// The human table of `hexad status`: one line per service, loggers and nested services
// indented under their service, colour only on a terminal.
import type { Overview, RcMark, ServiceView } from './collect.js';
import { formatBytes } from './proc.js';

const COLOURS = { green: 32, red: 31, yellow: 33, dim: 2 } as const;
type Colour = keyof typeof COLOURS;

export function duration(s: number | null): string {
  if (s === null) return '-';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

function stateColour(v: ServiceView): Colour {
  if (v.state === 'unsupervised') return 'dim';
  if (v.state === 'unreadable') return 'red';
  if (v.state === 'up') return v.paused ? 'yellow' : 'green';
  if (v.state === 'finishing') return 'yellow';
  return v.wantUp ? 'red' : 'dim';
}

const HEADER = ['SERVICE', 'STATE', 'PID', 'FOR', 'READY', 'LAST EXIT', 'DEATHS', 'NORMALLY', 'WANT', 'LOGGER'];

function row(v: ServiceView, indent: string, usage: boolean): { cells: string[]; colour: Colour } {
  const last = v.lastExit ? ('code' in v.lastExit ? `exit ${v.lastExit.code}` : v.lastExit.signal) : '-';
  const state = v.failed === true ? 'failed' : v.state === 'up' && v.paused ? 'paused' : v.state;
  const logger = v.logger ? (v.logger.state === 'up' ? 'up' : v.logger.state) : '-';
  const rc = v.rc as RcMark | undefined;
  const extra = rc ? ` (rc: ${rc.state})` : '';
  return {
    cells: [indent + v.name + extra, state, v.pid === null ? '-' : String(v.pid), duration(v.seconds),
      v.state === 'up' && v.readiness ? (v.ready ? 'yes' : 'no') : '-', last, String(v.deaths), v.normallyUp ? 'up' : 'down',
      v.wantUp ? 'up' : 'down', logger,
      ...(usage ? [typeof v.cpu === 'number' ? `${v.cpu.toFixed(1)}%` : '-', formatBytes(v.memory as number | null)] : [])],
    colour: v.failed === true ? 'red' : stateColour(v),
  };
}

/** An einhorn worker under its master: STATE is acked, starting or stopping; READY is its ACK. */
function workerRow(w: NonNullable<ServiceView['workers']>[number], indent: string, usage: boolean): { cells: string[]; colour: Colour } {
  const state = w.stopping ? 'stopping' : w.acked ? 'acked' : 'starting';
  const seconds = Math.max(0, Math.floor((Date.now() - w.since) / 1000));
  return {
    cells: [`${indent}worker ${w.index} (v${w.version})`, state, String(w.pid), duration(seconds), w.acked ? 'yes' : 'no', '-', '-', '-', '-', '-', ...(usage ? ['-', '-'] : [])],
    colour: w.stopping ? 'yellow' : w.acked ? 'green' : 'dim',
  };
}

function rows(services: ServiceView[], usage: boolean, indent = ''): Array<{ cells: string[]; colour: Colour }> {
  const out: Array<{ cells: string[]; colour: Colour }> = [];
  for (const v of services) {
    out.push(row(v, indent, usage));
    if (v.logger) out.push(row(v.logger, indent + '  ', usage));
    if (v.instances?.length) out.push(...rows(v.instances, usage, indent + '  '));
    for (const w of v.workers ?? []) out.push(workerRow(w, indent + '  ', usage));
  }
  return out;
}

export function renderTable(o: Overview, colour: boolean): string {
  // CPU and memory columns when the overview was sampled (status/proc.ts)
  const usage = o.services.some((v) => 'cpu' in v);
  const header = usage ? [...HEADER, 'CPU', 'MEM'] : HEADER;
  const body = rows(o.services, usage);
  const all = [header, ...body.map((r) => r.cells)];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const paint = (s: string, c: Colour): string => (colour ? `\x1b[${COLOURS[c]}m${s}\x1b[0m` : s);
  const lines = [paint(fmt(header), 'dim'), ...body.map((r) => paint(fmt(r.cells), r.colour))];
  const head = `${o.scandir}: ${o.scanner.running ? 'scanner running' : 'no scanner running'}, ${o.services.length} service${o.services.length === 1 ? '' : 's'}`;
  return `${head}\n${lines.join('\n')}\n${renderNotes(o.services)}${o.rc.map((l) => renderRc(l, colour)).join('')}`;
}

/** The reasons a row cannot say in one cell: an unreadable status file, why a service is down. */
function renderNotes(services: ServiceView[]): string {
  const notes: string[] = [];
  const visit = (v: ServiceView): void => {
    if (v.statusError) notes.push(`  ${v.name}: ${v.statusError}`);
    else if (typeof v.downReason === 'string') notes.push(`  ${v.name}: ${v.downReason}`);
    if (v.logger) visit(v.logger);
    for (const i of v.instances ?? []) visit(i);
  };
  services.forEach(visit);
  return notes.length ? `\nnotes:\n${notes.join('\n')}\n` : '';
}

/** rc's own view of a live state: every atomic service with its type and state. */
function renderRc(live: Overview['rc'][number], colour: boolean): string {
  const user = live.services.filter((s) => !s.internal);
  const paint = (s: string, up: boolean): string => (colour ? `\x1b[${up ? COLOURS.green : COLOURS.dim}m${s}\x1b[0m` : s);
  const width = Math.max(7, ...user.map((s) => s.name.length));
  const lines = user.map((s) => paint(`  ${s.name.padEnd(width)}  ${s.type.padEnd(7)}  ${s.up ? 'up' : 'down'}${s.essential ? '  essential' : ''}`, s.up));
  return `\nrc ${live.live}${live.busy ? ' (a change is running)' : ''}:\n${lines.join('\n')}\n`;
}
