/**
 * Cron schedules: 5 or 6 fields (seconds first, optional) or an @alias, read in an IANA time zone.
 * `parseCron` validates once (it throws a SchedulerError for anything cron-parser would silently
 * fill in or only reject later) and `nextCronTime` is the pure "next occurrence after" function the
 * periodic trigger uses — handy for showing users when a job will run. Then a per-second cron job
 * runs for real for about three seconds.
 *
 *   npx tsx examples/cron.ts
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Scheduler, SchedulerError, nextCronTime, parseCron, periodicTrigger } from '../src/index';

/** The next `count` fire times of `cron` in `tz`, after `from`, as local times in that zone. */
function upcoming(expression: string, tz: string, from: Date, count: number): string[] {
  const cron = parseCron(expression, tz);
  const format = new Intl.DateTimeFormat('sv-SE', {
    timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short',
  });
  const times: string[] = [];
  let at: number | null = from.getTime();
  while (times.length < count && (at = nextCronTime(cron, at)) !== null) times.push(format.format(at));
  return times;
}

// 02:30 every day in Berlin, across the spring-forward night of 2026-03-29: 02:30 does not exist
// that night, and the job still fires once that day (at 03:30 CEST, as cron-parser computes it).
console.log("'30 2 * * *' in Europe/Berlin:", upcoming('30 2 * * *', 'Europe/Berlin', new Date('2026-03-27T12:00:00Z'), 4));
// An alias: @hourly, read in New York, across the fall-back night of 2026-11-01 (one-hour spacing).
console.log("'@hourly' in America/New_York:", upcoming('@hourly', 'America/New_York', new Date('2026-11-01T04:30:00Z'), 4));
// Six fields: seconds first. Weekdays at 09:00:30 in Tokyo.
console.log("'30 0 9 * * 1-5' in Asia/Tokyo:", upcoming('30 0 9 * * 1-5', 'Asia/Tokyo', new Date('2026-01-01T00:00:00Z'), 3));

// Bad input is refused at once, with a stable code and the field named.
const refused = [{ cron: '* * *' }, { cron: '0 0 30 2 *' }, { cron: '@every 5m' }, { cron: '@daily', tz: 'Mars/Olympus_Mons' }];
for (const options of refused) {
  try {
    periodicTrigger(options);
  } catch (err) {
    if (err instanceof SchedulerError) console.log(`refused ${JSON.stringify(options)}: ${err.code}`);
  }
}

// A real schedule: every second, on the second, in UTC.
const scheduler = new Scheduler();
scheduler.addTask({
  name: 'tick',
  triggers: [periodicTrigger({ cron: '* * * * * *', tz: 'UTC' })],
  run: (_args, ctx) => console.log(`tick scheduled for ${new Date(ctx.firedAt).toISOString()}`),
});
scheduler.start();
await delay(3_200);
await scheduler.stop();
console.log('stopped');
