// The status of a config's running state: hexad.status/1 of STATE/scan, sampled CPU and
// memory, and the crash-loop `failed` mark on the rows that carry it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { scanOverview, SCHEMA, type Overview, type ServiceView } from '../status/collect.js';
import { addUsage } from '../status/proc.js';
import { FAILED_MARK } from './control.js';
import type { StatePaths } from './compile.js';

function markFailed(list: ServiceView[]): void {
  for (const v of list) {
    v.failed = existsSync(join(v.path, FAILED_MARK));
    if (v.instances) markFailed(v.instances);
  }
}

export async function configOverview(p: StatePaths, sampleMs = 100): Promise<Overview> {
  if (!existsSync(p.scan)) return { schema: SCHEMA, scandir: p.scan, scanner: { running: false }, services: [], rc: [] };
  const o = scanOverview(p.scan);
  markFailed(o.services);
  return addUsage(o, sampleMs);
}
