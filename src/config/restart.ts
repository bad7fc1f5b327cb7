// The restart policy a generated `finish` applies (s6 runs finish after every death; exit 125
// tells the supervisor not to restart): on-failure / never, exponential backoff with a cap
// (slept inside finish, within timeout-finish), and a crash-loop limit ending in `failed`.
import type { Death } from '../s6/dtally.js';
import { taiToUnixMs } from '../s6/tai.js';

export interface RestartSettings {
  policy: 'always' | 'on-failure' | 'never';
  initial: number;
  factor: number;
  max: number;
  window: number;
  limit: number | null;
}

export interface Decision { action: 'restart' | 'stay-down' | 'failed'; delayMs: number }

/** `exitCode` and `signal` as finish gets them ($1 = 256 when killed by a signal). */
export function decide(s: RestartSettings, exitCode: number, deaths: Death[], nowMs: number): Decision {
  if (s.policy === 'never') return { action: 'stay-down', delayMs: 0 };
  if (s.policy === 'on-failure' && exitCode === 0) return { action: 'stay-down', delayMs: 0 };
  const recent = deaths.filter((d) => nowMs - taiToUnixMs(d.stamp) <= s.window).length;
  if (s.limit !== null && recent >= s.limit) return { action: 'failed', delayMs: 0 };
  if (!s.initial) return { action: 'restart', delayMs: 0 };
  const delay = Math.min(s.max, s.initial * s.factor ** Math.max(0, recent - 1));
  return { action: 'restart', delayMs: Math.round(delay) };
}
