import { LifeboatError } from '../../core/errors.ts';
import { addDate, isoWeek, parseWallTime, type WallTime } from './wall-time.ts';

/**
 * A calendar duration as restic's `--keep-within` takes it (`1y6m`, `7d`, `36h`): years, months and days are
 * calendar steps on the wall clock, hours are exact hours.
 */
export interface CalendarDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

/**
 * Which snapshots to keep. Counts are "the newest snapshot of each of the last n periods" (a period is an
 * hour, day, ISO week, month or year, or — for `last` — each snapshot on its own); `-1` means every period
 * (restic ≥ 0.16; restic 0.14 ignores negative counts). `within*` keep snapshots newer than the newest
 * snapshot minus the duration (all of them, or the newest per period). `tags`: keep every snapshot that
 * carries all tags of at least one of the lists. A policy with nothing set keeps everything.
 */
export interface RetentionPolicy {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  within?: CalendarDuration;
  withinHourly?: CalendarDuration;
  withinDaily?: CalendarDuration;
  withinWeekly?: CalendarDuration;
  withinMonthly?: CalendarDuration;
  withinYearly?: CalendarDuration;
  tags?: string[][];
}

/** What retention needs of a snapshot: its Go RFC 3339 time and its tags. */
export interface RetainableSnapshot {
  time: string;
  tags?: string[];
}

/** How many periods each counted rule still had left after this snapshot (restic's `counters`, zeros omitted). */
export interface KeepCounters {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
}

export interface KeepReason<S> {
  snapshot: S;
  /** Why, in restic's words: `last snapshot`, `daily snapshot`, `within 7d`, `has tags [a b]`, … */
  matches: string[];
  counters: KeepCounters;
}

export interface RetentionDecision<S> {
  /** Newest first. */
  keep: S[];
  /** Newest first. */
  remove: S[];
  /** One per kept snapshot, in the order of `keep`. */
  reasons: KeepReason<S>[];
}

type Bucketer = (t: WallTime, index: number) => number;

const byHour: Bucketer = (t) => t.year * 1_000_000 + t.month * 10_000 + t.day * 100 + t.hour;
const byDay: Bucketer = (t) => t.year * 10_000 + t.month * 100 + t.day;
const byWeek: Bucketer = (t) => {
  const w = isoWeek(t);
  return w.year * 100 + w.week;
};
const byMonth: Bucketer = (t) => t.year * 100 + t.month;
const byYear: Bucketer = (t) => t.year;
const eachOne: Bucketer = (_t, index) => index;

const COUNTED = [
  ['last', eachOne, 'last snapshot'],
  ['hourly', byHour, 'hourly snapshot'],
  ['daily', byDay, 'daily snapshot'],
  ['weekly', byWeek, 'weekly snapshot'],
  ['monthly', byMonth, 'monthly snapshot'],
  ['yearly', byYear, 'yearly snapshot'],
] as const;

const WITHIN = [
  ['withinHourly', byHour, 'hourly within'],
  ['withinDaily', byDay, 'daily within'],
  ['withinWeekly', byWeek, 'weekly within'],
  ['withinMonthly', byMonth, 'monthly within'],
  ['withinYearly', byYear, 'yearly within'],
] as const;

/** Go's zero time, restic's "latest" when every snapshot lies in the future. */
const GO_ZERO: WallTime = parseWallTime('0001-01-01T00:00:00Z');

function isZero(d: CalendarDuration | undefined): boolean {
  return !d || (d.years === 0 && d.months === 0 && d.days === 0 && d.hours === 0);
}

/** True when the policy sets nothing (then `applyRetention` keeps every snapshot). */
export function isEmptyPolicy(policy: RetentionPolicy): boolean {
  if ((policy.tags?.length ?? 0) > 0) return false;
  for (const [name] of COUNTED) if ((policy[name] ?? 0) !== 0) return false;
  for (const [name] of WITHIN) if (!isZero(policy[name])) return false;
  return isZero(policy.within);
}

/**
 * Decides which snapshots of one group to keep, with restic 0.14's `forget` semantics exactly: snapshots are
 * taken newest first; each counted rule keeps a snapshot when its period (in the zone written in the
 * snapshot's time) differs from the period of the last snapshot that rule kept, until its count is used up;
 * `within` rules measure back from the newest snapshot that is not after `now`; tag rules keep without
 * counting. Pure: the same input always gives the same answer, and nothing is read or written.
 */
export function applyRetention<S extends RetainableSnapshot>(
  snapshots: readonly S[],
  policy: RetentionPolicy,
  now: Date | number,
): RetentionDecision<S> {
  const parsed = snapshots.map((snapshot, order) => ({
    snapshot,
    order,
    time: parseWallTime(snapshot.time),
  }));
  // Newest first; equal times keep their input order (restic sorts stably too).
  parsed.sort((a, b) => (a.time.ns === b.time.ns ? a.order - b.order : a.time.ns > b.time.ns ? -1 : 1));
  const sorted = parsed.map((p) => p.snapshot);
  if (isEmptyPolicy(policy)) {
    return {
      keep: sorted,
      remove: [],
      reasons: sorted.map((snapshot) => ({ snapshot, matches: ['policy is empty'], counters: {} })),
    };
  }
  const decision: RetentionDecision<S> = { keep: [], remove: [], reasons: [] };
  if (parsed.length === 0) return decision;

  const nowNs = BigInt(typeof now === 'number' ? now : now.getTime()) * 1_000_000n;
  let latest = GO_ZERO;
  for (const p of parsed) if (p.time.ns > latest.ns && p.time.ns < nowNs) latest = p.time;
  const cutoff = (d: CalendarDuration) =>
    addDate(latest, -d.years, -d.months, -d.days).ns - BigInt(d.hours) * 3_600_000_000_000n;

  const counted: BucketRule[] = COUNTED.map(([name, bucket, reason]) => ({
    name,
    bucket,
    reason,
    count: policy[name] ?? 0,
    last: -1,
  }));
  const within: BucketRule[] = WITHIN.filter(([name]) => !isZero(policy[name])).map(
    ([name, bucket, reason]) => {
      const d = policy[name] as CalendarDuration;
      return { bucket, reason: `${reason} ${formatCalendarDuration(d)}`, after: cutoff(d), last: -1 };
    },
  );
  const keepAll = isZero(policy.within)
    ? undefined
    : { after: cutoff(policy.within!), reason: `within ${formatCalendarDuration(policy.within!)}` };

  parsed.forEach(({ snapshot, time }, index) => {
    const matches: string[] = [];
    for (const list of policy.tags ?? []) {
      if (hasTags(snapshot.tags ?? [], list)) matches.push(`has tags ${formatTagList(list)}`);
    }
    if (keepAll && time.ns > keepAll.after) matches.push(keepAll.reason);
    // Order matters for the reasons: counted rules first, then the within-period rules, as restic lists them.
    for (const rule of [...counted, ...within]) if (offer(rule, time, index)) matches.push(rule.reason);
    if (matches.length === 0) {
      decision.remove.push(snapshot);
      return;
    }
    const counters: KeepCounters = {};
    for (const rule of counted) if (rule.count && rule.name) counters[rule.name] = rule.count;
    decision.keep.push(snapshot);
    decision.reasons.push({ snapshot, matches, counters });
  });
  return decision;
}

/** A rule that keeps the newest snapshot per period: counted (`count` periods) or windowed (`after`). */
interface BucketRule {
  bucket: Bucketer;
  reason: string;
  /** The period of the last snapshot this rule kept (−1: none yet). */
  last: number;
  /** Periods left for a counted rule (−1 unlimited, 0 done). */
  count?: number;
  name?: keyof KeepCounters;
  /** A windowed rule only considers snapshots after this instant (ns). */
  after?: bigint;
}

/** Whether `rule` keeps the snapshot at `time` (the `index`-th newest), updating the rule's state if so. */
function offer(rule: BucketRule, time: WallTime, index: number): boolean {
  if (rule.count !== undefined && rule.count <= 0 && rule.count !== -1) return false;
  if (rule.after !== undefined && time.ns <= rule.after) return false;
  const value = rule.bucket(time, index);
  if (value === rule.last) return false;
  rule.last = value;
  if (rule.count !== undefined && rule.count > 0) rule.count--;
  return true;
}

/** restic's `TagList.String()`: `[a, b]`. */
function formatTagList(list: readonly string[]): string {
  return `[${list.join(', ')}]`;
}

/** restic's `HasTags`: every tag of `list` is present; an empty tag matches a snapshot without tags. */
function hasTags(tags: readonly string[], list: readonly string[]): boolean {
  for (const tag of list) {
    if (tag === '' && tags.length === 0) return true;
    if (!tags.includes(tag)) return false;
  }
  return true;
}

/** Parses restic's duration syntax: numbers each followed by `y`, `m`, `d` or `h` (`1y6m`, `36h`). */
export function parseCalendarDuration(text: string): CalendarDuration {
  const d: CalendarDuration = { years: 0, months: 0, days: 0, hours: 0 };
  const s = text.trim();
  const part = /(-?\d+)([ymdh])/y;
  let pos = 0;
  while (pos < s.length) {
    part.lastIndex = pos;
    const m = part.exec(s);
    if (!m) {
      throw new LifeboatError(
        'Invalid',
        `invalid duration ${JSON.stringify(text)}: expected numbers followed by y, m, d or h (like 1y6m or 36h)`,
      );
    }
    const n = Number(m[1]);
    if (m[2] === 'y') d.years = n;
    else if (m[2] === 'm') d.months = n;
    else if (m[2] === 'd') d.days = n;
    else d.hours = n;
    pos = part.lastIndex;
  }
  return d;
}

/** restic's `Duration.String()`: `1y6m`, `7d`, zero parts omitted. */
export function formatCalendarDuration(d: CalendarDuration): string {
  let s = '';
  if (d.years) s += `${d.years}y`;
  if (d.months) s += `${d.months}m`;
  if (d.days) s += `${d.days}d`;
  if (d.hours) s += `${d.hours}h`;
  return s;
}

/** restic's one-line summary of a policy (`keep 7 daily, 4 weekly snapshots and all snapshots within …`). */
export function describePolicy(policy: RetentionPolicy): string {
  const counts: string[] = [];
  const label = { last: 'latest', hourly: 'hourly', daily: 'daily', weekly: 'weekly', monthly: 'monthly' };
  for (const [name] of COUNTED) {
    const n = policy[name] ?? 0;
    if (n === 0) continue;
    const word = name === 'yearly' ? 'yearly' : label[name];
    counts.push(n < 0 ? `all ${word}` : `${n} ${word}`);
  }
  const withins: string[] = [];
  for (const [name, , reason] of WITHIN) {
    const d = policy[name];
    if (!isZero(d)) withins.push(`${reason.split(' ')[0]} snapshots within ${formatCalendarDuration(d!)}`);
  }
  let s = counts.length > 0 ? `${counts.join(', ')} snapshots` : '';
  if (withins.length > 0) s += `${s ? ', ' : ''}${withins.join(', ')}`;
  if ((policy.tags?.length ?? 0) > 0) {
    s += `${s ? ' and ' : ''}all snapshots with tags [${policy.tags!.map(formatTagList).join(' ')}]`;
  }
  if (!isZero(policy.within)) {
    s += `${s ? ' and ' : ''}all snapshots within ${formatCalendarDuration(policy.within!)} of the newest`;
  }
  return `keep ${s}`;
}
