// GET /api/rc: the dependency graph of every rc database live on the scan directory, with each
// atomic service's live state, for the dashboard to draw.
import { loadDb } from '../rc/db.js';
import { rcStatus } from '../rc/status.js';

export interface RcGraph {
  live: string;
  compiled: string;
  busy: boolean;
  services: Array<{ name: string; type: 'longrun' | 'oneshot'; up: boolean; essential: boolean; link?: string; deps: string[] }>;
  bundles: Array<{ name: string; contents: string[] }>;
}

export function rcGraphs(scandir: string): RcGraph[] {
  const out: RcGraph[] = [];
  for (const live of rcStatus(scandir)) {
    let db;
    try {
      db = loadDb(live.compiled);
    } catch {
      continue;
    }
    const names = db.services.map((s) => s.name);
    const internal = new Set(db.services.filter((s) => s.internal).map((s) => s.name));
    out.push({
      live: live.live,
      compiled: live.compiled,
      busy: live.busy,
      services: live.services.filter((s) => !s.internal).map((s) => ({
        name: s.name, type: s.type, up: s.up, essential: s.essential, ...(s.link ? { link: s.link } : {}),
        deps: db.services[db.atomic(s.name)!].deps.map((i) => names[i]).filter((n) => !internal.has(n)),
      })),
      bundles: db.bundles.map((b) => ({ name: b.name, contents: b.contents.map((i) => names[i]).filter((n) => !internal.has(n)) })),
    });
  }
  return out;
}
