/**
 * Grandfather-father-son retention of one schedule's backups, as a pure function. The rules follow
 * restic's `forget --keep-*`: newest first, a rule keeps a backup when it is the newest one of a period
 * (hour, day, ISO week, month, year, in the schedule's time zone) not yet counted, until the rule has
 * kept N. Only successful backups fill slots. Besides the rules: the newest successful backup is always
 * kept (a run of failures never empties the history), a legal hold is always kept, and the newest
 * unsuccessful backup is kept while it is newer than every successful one (its logs explain the failure).
 */

/** How many periods each rule keeps; absent or 0 keeps none by that rule. */
export interface KeepRules {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
}

export interface RetentionCandidate {
  name: string;
  /** When the backup was taken (its start, or creation when it never started). */
  takenAt: Date;
  /** Completed or PartiallyFailed. */
  successful: boolean;
  /** Labelled `lifeboat.io/retain=true`. */
  legalHold: boolean;
}

export type KeepReason =
  | 'last'
  | 'hourly'
  | 'daily'
  | 'weekly'
  | 'monthly'
  | 'yearly'
  | 'newest-successful'
  | 'legal-hold'
  | 'newest-failure';

export interface RetentionDecision {
  /** Kept backups with every reason that keeps them. */
  keep: Map<string, KeepReason[]>;
  /** Backups no rule keeps, newest first. */
  remove: string[];
}

type PeriodRule = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';
const PERIOD_RULES: PeriodRule[] = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'];

/** Applies `rules` to `candidates`; `timeZone` is an IANA zone the periods are counted in. */
export function selectRetained(
  candidates: readonly RetentionCandidate[],
  rules: KeepRules,
  timeZone = 'UTC',
): RetentionDecision {
  const sorted = [...candidates].sort(
    (a, b) => b.takenAt.getTime() - a.takenAt.getTime() || b.name.localeCompare(a.name),
  );
  const keep = new Map<string, KeepReason[]>();
  const add = (name: string, reason: KeepReason): void => {
    const reasons = keep.get(name);
    if (reasons) reasons.push(reason);
    else keep.set(name, [reason]);
  };
  const periodOf = periodFormatter(timeZone);

  const successful = sorted.filter((c) => c.successful);
  for (const c of successful.slice(0, Math.max(0, rules.last ?? 0))) add(c.name, 'last');
  for (const rule of PERIOD_RULES) {
    const limit = rules[rule] ?? 0;
    let kept = 0;
    let lastPeriod: string | undefined;
    for (const c of successful) {
      if (kept >= limit) break;
      const period = periodOf(c.takenAt, rule);
      if (period === lastPeriod) continue;
      lastPeriod = period;
      kept++;
      add(c.name, rule);
    }
  }
  if (successful[0]) add(successful[0].name, 'newest-successful');
  const newestFailure = sorted.find((c) => !c.successful);
  if (newestFailure && (!successful[0] || newestFailure.takenAt.getTime() > successful[0].takenAt.getTime()))
    add(newestFailure.name, 'newest-failure');
  for (const c of sorted) if (c.legalHold) add(c.name, 'legal-hold');

  return { keep, remove: sorted.filter((c) => !keep.has(c.name)).map((c) => c.name) };
}

/** A function naming the period (`2026-05-01T10`, `2026-W18`, …) an instant falls in, in `timeZone`. */
function periodFormatter(timeZone: string): (at: Date, rule: PeriodRule) => string {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    timeZoneName: 'longOffset',
  });
  return (at, rule) => {
    const parts: Record<string, string> = {};
    for (const p of format.formatToParts(at)) parts[p.type] = p.value;
    const { year, month, day, hour, timeZoneName } = parts;
    switch (rule) {
      case 'hourly':
        // The offset tells the two 02:00 hours of a fall-back night apart.
        return `${year}-${month}-${day}T${hour} ${timeZoneName}`;
      case 'daily':
        return `${year}-${month}-${day}`;
      case 'weekly':
        return isoWeek(Number(year), Number(month), Number(day));
      case 'monthly':
        return `${year}-${month}`;
      case 'yearly':
        return year;
    }
  };
}

/** The ISO 8601 week (`2026-W01`) of a calendar date. */
function isoWeek(year: number, month: number, day: number): string {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  // The Thursday of this week decides its year.
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const weekYear = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000 + 1) / 7);
  return `${weekYear}-W${String(week).padStart(2, '0')}`;
}
