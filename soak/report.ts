// What every scenario returns, and the summary table.
export interface Row {
  scenario: string;
  impl: string;
  lost: number | string;
  doubled: number | string;
  zombies: number | string;
  other: string;
  ok: boolean;
}

export interface Options {
  quick: boolean;
  /** Multiplies durations (HEXAD_SOAK_SCALE), on top of quick mode. */
  scale: number;
}

/** Rows of Debian's s6 are the reference: shown, never failing the run. */
export const failed = (rows: Row[]): boolean => rows.some((r) => !r.ok && !r.impl.startsWith('s6'));

export function printRows(rows: Row[]): void {
  const header = ['scenario', 'implementation', 'lost', 'doubled', 'zombies', 'other figures', 'verdict'];
  const body = rows.map((r) => [r.scenario, r.impl, String(r.lost), String(r.doubled), String(r.zombies), r.other, r.impl.startsWith('s6') ? (r.ok ? 'ref ok' : 'ref FAIL') : r.ok ? 'ok' : 'FAIL']);
  const out = [header, header.map(() => '---'), ...body];
  process.stdout.write(out.map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n');
}
