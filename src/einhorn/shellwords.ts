// Ruby's Shellwords.shellsplit: words split at blanks, with '…', "…" and backslash quoting.
// einhornsh splits its command lines with it, einhorn its --reexec-as value.

export class ShellwordsError extends Error {}

export function shellsplit(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let i = 0;
  const add = (s: string): void => {
    word = (word ?? '') + s;
  };
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      if (word !== null) words.push(word);
      word = null;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ShellwordsError(`Unmatched quote: ${JSON.stringify(line)}`);
      add(line.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new ShellwordsError(`Unmatched quote: ${JSON.stringify(line)}`);
        const d = line[i];
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && '$`"\\\n'.includes(line[i + 1])) {
          if (line[i + 1] !== '\n') s += line[i + 1];
          i += 2;
          continue;
        }
        s += d;
        i++;
      }
      add(s);
      i++;
    } else if (c === '\\') {
      if (i + 1 < line.length) {
        if (line[i + 1] !== '\n') add(line[i + 1]);
        else add('');
      }
      i += 2;
    } else {
      add(c);
      i++;
    }
  }
  if (word !== null) words.push(word);
  return words;
}
