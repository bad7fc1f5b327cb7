// Markdown tables and the statistics the benchmarks report. Every ratio is hexad / reference
// (below 1: hexad is faster or smaller), whatever is measured.

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** hexad / reference, the one direction used everywhere. */
export function ratio(ours: number, theirs: number): string {
  return theirs > 0 ? `${(ours / theirs).toFixed(2)}x` : 'n/a';
}

export const RATIO_NOTE = 'ratio = hexad / reference (below 1: hexad is faster or smaller)';

export function printTable(header: string[], rows: (string | number)[][]): void {
  const out = [header, header.map(() => '---'), ...rows.map((r) => r.map(String))];
  process.stdout.write(out.map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n');
}

/** Runs each side once per round, alternating which goes first, so that a slow phase of a
 * shared machine weighs on both sides alike; returns each side's measures in round order. */
export async function alternate<K extends string, T>(rounds: number, sides: readonly K[], once: (side: K, round: number) => Promise<T> | T): Promise<Record<K, T[]>> {
  const out = Object.fromEntries(sides.map((s) => [s, [] as T[]])) as Record<K, T[]>;
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 ? [...sides].reverse() : sides;
    for (const s of order) out[s].push(await once(s, i));
  }
  return out;
}
