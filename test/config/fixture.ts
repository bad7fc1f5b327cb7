// A project directory with a hexad config, brought down and removed after the test.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { hexad, rmrf, tmp, type Result } from '../helpers.js';

export interface Project { dir: string; run(args: string[]): Result; file(name: string): string }

export function project(t: TestContext, config: unknown, name = 'hexad.config.json'): Project {
  const dir = tmp('hexad-config-');
  writeFileSync(join(dir, name), typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  const p: Project = {
    dir,
    run: (args) => hexad(args, { cwd: dir, timeout: 120_000 }),
    file: (n) => join(dir, n),
  };
  t.after(() => {
    p.run(['down']);
    rmrf(dir);
  });
  return p;
}
