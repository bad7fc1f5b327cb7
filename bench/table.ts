// Markdown tables and the statistics the benchmarks report.

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export function ratio(ours: number, theirs: number): string {
  return theirs > 0 ? `${(ours / theirs).toFixed(2)}x` : 'n/a';
}

export function printTable(header: string[], rows: (string | number)[][]): void {
  const out = [header, header.map(() => '---'), ...rows.map((r) => r.map(String))];
  process.stdout.write(out.map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n');
}
