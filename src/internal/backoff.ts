import type { RetryOptions } from '../types';

/**
 * Delay before the `n`-th retry (n ≥ 1): `delay` for fixed backoff, `delay × 2^(n−1)` capped at
 * `maxDelay` for exponential backoff.
 */
export function retryDelay(policy: RetryOptions, n: number): number {
  const base = policy.delay ?? 0;
  if (policy.backoff !== 'exponential') return base;
  return Math.min(base * 2 ** (n - 1), policy.maxDelay ?? Infinity);
}
