// Finding and reading the config file: JSON, YAML, JavaScript (ES module or CommonJS) or
// TypeScript (transformed by esbuild into a temporary module beside it, then imported).
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Fatal } from '../s6/diag.js';
import { ConfigError, validateConfig, type HexadConfig } from './schema.js';

export const CONFIG_NAMES = ['hexad.config.ts', 'hexad.config.mjs', 'hexad.config.js', 'hexad.config.json', 'hexad.config.yaml', 'hexad.config.yml'];

export interface LoadedConfig {
  /** absolute path of the file */
  file: string;
  config: HexadConfig;
  /** absolute state directory */
  stateDir: string;
}

/** The config file: `explicit`, or the first hexad.config.* in `cwd`. */
export function findConfig(explicit: string | undefined, cwd = process.cwd()): string {
  if (explicit) {
    const f = resolve(cwd, explicit);
    if (!existsSync(f)) throw new Fatal(100, `${explicit}: no such config file`);
    return f;
  }
  for (const n of CONFIG_NAMES) if (existsSync(join(cwd, n))) return join(cwd, n);
  throw new Fatal(100, `no config file: none of ${CONFIG_NAMES.join(', ')} in ${cwd} (or give one with -c)`);
}

const oneLine = (s: string): string => s.split('\n').map((l) => l.trim()).filter(Boolean)[0] ?? s;

/** The file's raw value (before validation); a syntax error is a Fatal(100) naming the file. */
export async function readConfigValue(file: string): Promise<unknown> {
  const ext = extname(file).toLowerCase();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Fatal(111, `${file}: unable to read: ${(e as Error).message}`);
  }
  // yaml is loaded only for YAML configs: `hexad ls` on a JSON config starts faster
  const parseYaml = ext === '.yaml' || ext === '.yml' ? (await import('yaml')).parse : null;
  try {
    if (ext === '.json') return JSON.parse(text);
    if (parseYaml) return parseYaml(text, { prettyErrors: false });
  } catch (e) {
    throw new Fatal(100, `${file}: syntax error: ${oneLine((e as Error).message)}`);
  }
  if (ext === '.ts' || ext === '.mts' || ext === '.cts') return importTs(file, text);
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') return importModule(file, pathToFileURL(file).href + `?t=${Date.now()}`);
  throw new Fatal(100, `${file}: unknown config type (want .json, .yaml, .yml, .js, .mjs, .ts)`);
}

async function importModule(file: string, url: string): Promise<unknown> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    const what = e instanceof SyntaxError ? 'syntax error' : 'unable to load';
    throw new Fatal(100, `${file}: ${what}: ${oneLine((e as Error).message ?? String(e))}`);
  }
  let v: unknown = mod.default ?? mod;
  if (typeof v === 'function') v = await (v as () => unknown)();
  return v;
}

async function importTs(file: string, text: string): Promise<unknown> {
  const { transform } = await import('esbuild');
  let code: string;
  try {
    code = (await transform(text, { loader: 'ts', format: 'esm', sourcefile: file, target: 'node20' })).code;
  } catch (e) {
    const err = e as { errors?: Array<{ text: string; location?: { line: number; column: number } }> };
    const first = err.errors?.[0];
    const where = first?.location ? `${first.location.line}:${first.location.column}: ` : '';
    throw new Fatal(100, `${file}: syntax error: ${where}${first?.text ?? oneLine(String(e))}`);
  }
  // beside the original, so its relative imports resolve alike
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.mjs`);
  writeFileSync(tmp, code);
  try {
    return await importModule(file, pathToFileURL(tmp).href);
  } finally {
    try { unlinkSync(tmp); } catch { /* already gone */ }
  }
}

/** Finds, reads and validates; relative paths in the config are taken from its directory. */
export async function loadConfig(explicit?: string, cwd = process.cwd()): Promise<LoadedConfig> {
  const file = findConfig(explicit, cwd);
  const value = await readConfigValue(file);
  let config: HexadConfig;
  try {
    config = validateConfig(value);
  } catch (e) {
    if (e instanceof ConfigError) throw new Fatal(100, `${file}: ${e.message}`);
    throw e;
  }
  const base = dirname(file);
  return { file, config, stateDir: resolve(base, config.stateDir ?? '.hexad') };
}
