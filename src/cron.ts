import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { InvalidOptionError } from './errors';

/** The aliases cron-parser knows (Go's `@every` is not one of them). */
const ALIASES = new Set([
  '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly', '@minutely', '@secondly', '@weekdays', '@weekends',
]);

/** A parsed cron expression, shared by every trigger with the same expression and time zone. */
export interface ParsedCron {
  readonly expression: string;
  readonly tz: string | undefined;
  /** @internal */
  readonly compiled: CronExpression;
}

// Parsing costs ~25 µs; 100 000 tasks on one expression must parse it once.
const cache = new Map<string, ParsedCron>();

/**
 * Validates and parses a cron expression (5 or 6 fields, or an alias) in an IANA time zone.
 * Throws {@link InvalidOptionError} for anything cron-parser would silently fill in or only
 * reject later (too few fields, an unknown zone, a date that never comes such as Feb 30).
 */
export function parseCron(expression: unknown, tz?: unknown, where = 'periodicTrigger'): ParsedCron {
  if (typeof expression !== 'string') {
    throw new InvalidOptionError('INVALID_CRON', where, 'cron', 'must be a string with 5 or 6 fields or an @alias', expression);
  }
  if (tz !== undefined) validateTimeZone(tz, where);
  const key = `${tz ?? ''}\u0000${expression}`;
  const hit = cache.get(key);
  if (hit) return hit;

  const text = expression.trim();
  if (text.startsWith('@')) {
    if (!ALIASES.has(text)) {
      throw new InvalidOptionError('INVALID_CRON', where, 'cron', `must be one of ${[...ALIASES].join(', ')} when it starts with @`, expression);
    }
  } else {
    const fields = text.split(/\s+/).filter(Boolean).length;
    if (fields !== 5 && fields !== 6) {
      throw new InvalidOptionError('INVALID_CRON', where, 'cron', `must have 5 or 6 fields (has ${fields})`, expression);
    }
  }
  let compiled: CronExpression;
  try {
    compiled = CronExpressionParser.parse(text, { tz: tz as string | undefined, currentDate: new Date(0) });
    compiled.next(); // an expression that never matches (Feb 30) fails here, not on the first tick
  } catch (err) {
    throw new InvalidOptionError('INVALID_CRON', where, 'cron', `is not a valid cron expression (${(err as Error).message})`, expression);
  }
  const parsed: ParsedCron = { expression: text, tz: tz as string | undefined, compiled };
  cache.set(key, parsed);
  return parsed;
}

/** Throws unless `tz` is an IANA time zone this runtime knows. */
export function validateTimeZone(tz: unknown, where: string): void {
  if (typeof tz !== 'string' || tz === '') {
    throw new InvalidOptionError('INVALID_TIMEZONE', where, 'tz', 'must be an IANA time zone name', tz);
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new InvalidOptionError('INVALID_TIMEZONE', where, 'tz', 'must be an IANA time zone name', tz);
  }
}

/**
 * The first occurrence of `cron` strictly after `from` (ms since epoch), or `null` when there is
 * none. Pure: the same inputs give the same output; DST gaps and repeats as cron-parser ≥ 5.9
 * computes them (a skipped local time fires at the first valid instant after it, a repeated one once).
 */
export function nextCronTime(cron: ParsedCron, from: number): number | null {
  const compiled = cron.compiled;
  compiled.reset(new Date(from));
  try {
    return compiled.next().getTime();
  } catch {
    return null;
  }
}
