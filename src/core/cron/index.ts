import { Cron } from 'croner';
import { parseDuration } from '../duration.ts';
import { LifeboatError } from '../errors.ts';

/**
 * A parsed `spec.schedule`: when it fires next. The syntax is Velero's (robfig/cron `ParseStandard`): five
 * fields, an optional `CRON_TZ=<zone> ` (or `TZ=`) prefix, `@every <Go duration>` and the descriptors
 * `@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`. Wall-clock fields are read in
 * the schedule's time zone; across DST a time the spring-forward gap skips fires once at the first valid
 * instant after it, and a time the fall-back repeats fires once (its first occurrence).
 */
export interface CronSchedule {
  /** The expression as given. */
  readonly expression: string;
  /** The IANA zone the fields are read in (`UTC` when none was given). */
  readonly timezone: string;
  /** The first firing strictly after `after`, or undefined when the expression never fires again. */
  next(after: Date): Date | undefined;
  /** The typical gap between two firings, in ms (for `lifeboat_schedule_expected_interval_seconds`). */
  expectedIntervalMs(from: Date): number | undefined;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Why `zone` cannot be used as a time zone, or undefined when Node.js knows it. */
function zoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `${JSON.stringify(zone)} is not a known time zone: use an IANA name such as Europe/Berlin or UTC`;
  }
}

function invalid(field: string, message: string, cause?: unknown): LifeboatError {
  return new LifeboatError('Invalid', `${field}: ${message}`, { field, cause });
}

/**
 * Parses a schedule. `timezone` is `spec.timezone`; a `CRON_TZ=` prefix in the expression wins over it.
 * Throws `LifeboatError('Invalid')` whose `field` is `spec.schedule` or `spec.timezone`.
 */
export function parseCronSchedule(expression: string, timezone?: string): CronSchedule {
  let rest = expression.trim();
  let zone = timezone?.trim() || 'UTC';
  let zoneField = 'spec.timezone';
  if (timezone !== undefined && timezone.trim() === '') throw invalid(zoneField, 'must not be empty');
  const prefix = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(rest);
  if (prefix) {
    zone = prefix[1];
    zoneField = 'spec.schedule';
    rest = rest.slice(prefix[0].length).trim();
  }
  const problem = zoneProblem(zone);
  if (problem) throw invalid(zoneField, problem);
  if (rest === '') throw invalid('spec.schedule', 'is empty: give a cron expression such as "0 1 * * *"');

  if (rest.startsWith('@every')) {
    const text = rest.slice('@every'.length).trim();
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch (err) {
      throw invalid('spec.schedule', `"@every ${text}": not a duration such as 1h30m or 15m`, err);
    }
    // robfig/cron rounds the delay down to whole seconds and never below one.
    const delay = Math.max(1000, Math.floor(ms / 1000) * 1000);
    return {
      expression,
      timezone: zone,
      next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + delay),
      expectedIntervalMs: () => delay,
    };
  }

  let pattern = rest;
  if (rest.startsWith('@')) {
    const known = DESCRIPTORS[rest.toLowerCase()];
    if (!known)
      throw invalid(
        'spec.schedule',
        `unknown descriptor ${JSON.stringify(rest)}: use @yearly, @monthly, @weekly, @daily, @hourly or @every <duration>`,
      );
    pattern = known;
  }
  const fields = pattern.split(/\s+/);
  if (fields.length !== 5)
    throw invalid(
      'spec.schedule',
      `${JSON.stringify(rest)} has ${fields.length} fields; a cron expression has 5 (minute hour day-of-month month day-of-week)`,
    );
  let cron: Cron;
  try {
    // legacyMode: day-of-month and day-of-week both restricted means either matches, as in Vixie cron and robfig.
    cron = new Cron(pattern, { timezone: zone, paused: true, legacyMode: true });
  } catch (err) {
    throw invalid(
      'spec.schedule',
      `${JSON.stringify(rest)} is not a valid cron expression (${(err as Error).message})`,
      err,
    );
  }
  const next = (after: Date): Date | undefined => cron.nextRun(after) ?? undefined;
  return {
    expression,
    timezone: zone,
    next,
    expectedIntervalMs: (from) => {
      const a = next(from);
      const b = a && next(a);
      return a && b ? b.getTime() - a.getTime() : undefined;
    },
  };
}

/**
 * Whether a run is due at `now` and which firing it stands for: the last firing after `since` that is not
 * later than `now`. Runs missed while the server was down collapse into this one firing, so downtime
 * yields one backup, not one per missed tick. `since` is the last backup, the last skip or the schedule's
 * creation, whichever is latest.
 */
export function dueFiring(
  schedule: CronSchedule,
  since: Date,
  now: Date,
): { due: Date | undefined; next: Date | undefined } {
  let firing = schedule.next(since);
  if (!firing || firing.getTime() > now.getTime()) return { due: undefined, next: firing };
  // Walk to the newest firing not after now; bounded, since a long outage with @every 1s could be huge.
  let due = firing;
  for (let i = 0; i < 100_000; i++) {
    firing = schedule.next(due);
    if (!firing || firing.getTime() > now.getTime()) return { due, next: firing };
    due = firing;
  }
  return { due, next: schedule.next(now) };
}
