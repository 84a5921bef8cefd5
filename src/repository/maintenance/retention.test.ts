import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Snapshot } from '../format/snapshot.ts';
import { formatGoTime } from '../format/time.ts';
import { forget } from './forget.ts';
import { groupSnapshots, parseGroupBy } from './group.ts';
import {
  applyRetention,
  describePolicy,
  parseCalendarDuration,
  type RetainableSnapshot,
  type RetentionPolicy,
} from './retention.ts';
import { restic, withTempRepo } from './testing.ts';
import { addDate, isoWeek, parseWallTime } from './wall-time.ts';

const NOW = Date.parse('2030-01-01T00:00:00Z');

function snaps(...times: string[]): Array<RetainableSnapshot & { name: string }> {
  return times.map((time, i) => ({ time, name: `s${i}` }));
}

function kept(
  policy: RetentionPolicy,
  list: Array<RetainableSnapshot & { name: string }>,
  now = NOW,
): string[] {
  return applyRetention(list, policy, now).keep.map((s) => s.name);
}

test('keep-last keeps the newest n, whatever the input order', () => {
  const list = snaps(
    '2023-01-03T00:00:00Z',
    '2023-01-01T00:00:00Z',
    '2023-01-05T00:00:00Z',
    '2023-01-02T00:00:00Z',
    '2023-01-04T00:00:00Z',
  );
  const d = applyRetention(list, { last: 3 }, NOW);
  assert.deepEqual(
    d.keep.map((s) => s.name),
    ['s2', 's4', 's0'],
  );
  assert.deepEqual(
    d.remove.map((s) => s.name),
    ['s3', 's1'],
  );
  assert.deepEqual(
    d.reasons.map((r) => [r.matches, r.counters]),
    [
      [['last snapshot'], { last: 2 }],
      [['last snapshot'], { last: 1 }],
      [['last snapshot'], {}],
    ],
  );
});

test('keep-daily keeps the newest snapshot of each of the last n days that have one', () => {
  const list = snaps(
    '2023-05-01T08:00:00Z',
    '2023-05-01T20:00:00Z',
    '2023-05-03T09:00:00Z',
    '2023-05-03T07:00:00Z',
    '2023-05-04T10:00:00Z',
  );
  // Days with snapshots: 4th, 3rd, 1st (the 2nd has none and does not count).
  assert.deepEqual(kept({ daily: 3 }, list), ['s4', 's2', 's1']);
  assert.deepEqual(kept({ daily: 2 }, list), ['s4', 's2']);
});

test('periods are taken in the zone written in each snapshot time, as Go parses it', () => {
  // 23:30 at UTC−5 on 1 January is 04:30 UTC on 2 January: restic counts it for 1 January.
  const list = snaps('2023-01-01T23:30:00-05:00', '2023-01-02T01:00:00Z');
  assert.deepEqual(kept({ daily: 2 }, list), ['s0', 's1']);
  // In UTC both would fall on the same day and only the newest would be kept; the same instants written in
  // UTC show the difference.
  assert.deepEqual(kept({ daily: 2 }, snaps('2023-01-02T04:30:00Z', '2023-01-02T01:00:00Z')), ['s0']);
});

test('weeks are ISO weeks; months and years are calendar periods', () => {
  assert.deepEqual(isoWeek({ year: 2021, month: 1, day: 3 }), { year: 2020, week: 53 });
  assert.deepEqual(isoWeek({ year: 2021, month: 1, day: 4 }), { year: 2021, week: 1 });
  assert.deepEqual(isoWeek({ year: 2024, month: 12, day: 30 }), { year: 2025, week: 1 });
  assert.deepEqual(isoWeek({ year: 2023, month: 6, day: 15 }), { year: 2023, week: 24 });
  const list = snaps('2020-12-28T10:00:00Z', '2021-01-03T10:00:00Z', '2021-01-04T10:00:00Z');
  assert.deepEqual(kept({ weekly: 5 }, list), ['s2', 's1']);
  assert.deepEqual(kept({ monthly: 5 }, list), ['s2', 's0']);
  assert.deepEqual(kept({ yearly: 5 }, list), ['s2', 's0']);
  assert.deepEqual(
    kept({ hourly: 5 }, snaps('2023-01-01T10:59:00Z', '2023-01-01T10:01:00Z', '2023-01-01T09:59:59Z')),
    ['s0', 's2'],
  );
});

test('rules add up: a snapshot is kept when any rule wants it, with every reason listed', () => {
  const list = snaps(
    '2023-03-31T12:00:00Z',
    '2023-03-30T12:00:00Z',
    '2023-02-28T12:00:00Z',
    '2023-01-15T12:00:00Z',
    '2022-12-01T12:00:00Z',
  );
  const d = applyRetention(list, { last: 1, daily: 2, monthly: 2, yearly: 2 }, NOW);
  assert.deepEqual(
    d.keep.map((s) => s.name),
    ['s0', 's1', 's2', 's4'],
  );
  assert.deepEqual(d.reasons[0].matches, [
    'last snapshot',
    'daily snapshot',
    'monthly snapshot',
    'yearly snapshot',
  ]);
  assert.deepEqual(d.reasons[3].matches, ['yearly snapshot']);
  assert.deepEqual(d.reasons[3].counters, {});
});

test('keep-within counts back from the newest snapshot with Go calendar arithmetic, strictly after', () => {
  // 31 March minus one month is "31 February", which Go normalises to 3 March.
  const latest = parseWallTime('2023-03-31T12:00:00+02:00');
  const cut = addDate(latest, 0, -1, 0);
  assert.equal(cut.month, 3);
  assert.equal(cut.day, 3);
  const list = snaps(
    '2023-03-31T12:00:00+02:00',
    '2023-03-03T12:00:00+02:00',
    '2023-03-03T12:00:01+02:00',
    '2023-03-03T10:00:00.5Z',
  );
  // The cut is 3 March 12:00+02:00 (10:00 UTC): s1 sits exactly on it and is not after it.
  assert.deepEqual(kept({ within: parseCalendarDuration('1m') }, list), ['s0', 's2', 's3']);
  // Hours are exact hours on top of the calendar part.
  assert.deepEqual(kept({ within: parseCalendarDuration('1m2h') }, list), ['s0', 's2', 's3', 's1']);
  assert.equal(
    applyRetention(list, { within: parseCalendarDuration('1m') }, NOW).reasons[0].matches[0],
    'within 1m',
  );
});

test('keep-within ignores snapshots from the future when finding the newest', () => {
  const list = snaps(
    '2031-06-01T00:00:00Z',
    '2029-12-31T00:00:00Z',
    '2029-12-20T00:00:00Z',
    '2029-11-01T00:00:00Z',
  );
  // Newest not after NOW is 31 Dec 2029; within 15 days reaches back to 16 Dec.
  assert.deepEqual(kept({ within: parseCalendarDuration('15d') }, list), ['s0', 's1', 's2']);
  // With every snapshot in the future, Go's zero time is the newest and everything is within.
  assert.deepEqual(kept({ within: parseCalendarDuration('1d') }, list, Date.parse('2000-01-01T00:00:00Z')), [
    's0',
    's1',
    's2',
    's3',
  ]);
});

test('keep-within-daily keeps the newest per day inside the window only', () => {
  const list = snaps(
    '2023-06-10T20:00:00Z',
    '2023-06-10T08:00:00Z',
    '2023-06-09T20:00:00Z',
    '2023-06-01T20:00:00Z',
  );
  const d = applyRetention(list, { withinDaily: parseCalendarDuration('3d') }, NOW);
  assert.deepEqual(
    d.keep.map((s) => s.name),
    ['s0', 's2'],
  );
  assert.deepEqual(d.reasons[0].matches, ['daily within 3d']);
});

test('keep-tag keeps snapshots carrying all tags of any list, without counting', () => {
  const list = [
    { name: 'a', time: '2023-01-05T00:00:00Z', tags: ['x'] },
    { name: 'b', time: '2023-01-04T00:00:00Z', tags: ['x', 'y'] },
    { name: 'c', time: '2023-01-03T00:00:00Z', tags: ['y'] },
    { name: 'd', time: '2023-01-02T00:00:00Z' },
  ];
  const d = applyRetention(list, { tags: [['x', 'y'], ['']], last: 1 }, NOW);
  assert.deepEqual(
    d.keep.map((s) => s.name),
    ['a', 'b', 'd'],
  );
  assert.deepEqual(d.reasons[1].matches, ['has tags [x, y]']);
  assert.deepEqual(d.reasons[2].matches, ['has tags []']);
});

test('an empty policy keeps everything; -1 keeps every period', () => {
  const list = snaps('2023-01-01T00:00:00Z', '2023-01-01T05:00:00Z', '2023-01-02T00:00:00Z');
  const d = applyRetention(list, {}, NOW);
  assert.equal(d.keep.length, 3);
  assert.deepEqual(d.reasons[0].matches, ['policy is empty']);
  assert.deepEqual(kept({ daily: -1 }, list), ['s2', 's1']);
  assert.deepEqual(applyRetention([], { last: 1 }, NOW), { keep: [], remove: [], reasons: [] });
});

test('policy descriptions and durations read like restic', () => {
  assert.deepEqual(parseCalendarDuration('1y6m3d12h'), { years: 1, months: 6, days: 3, hours: 12 });
  assert.throws(() => parseCalendarDuration('3w'), /expected numbers followed by y, m, d or h/);
  assert.equal(
    describePolicy({ daily: 7, weekly: 4, within: parseCalendarDuration('2d'), tags: [['a', 'b']] }),
    'keep 7 daily, 4 weekly snapshots and all snapshots with tags [[a, b]] and all snapshots within 2d of the newest',
  );
});

test('grouping by host and paths (paths as a sorted set), or by tags', () => {
  const list = [
    { id: '1', hostname: 'a', paths: ['/y', '/x'], tags: ['t'] },
    { id: '2', hostname: 'a', paths: ['/x', '/y'] },
    { id: '3', hostname: 'b', paths: ['/x', '/y'], tags: ['t'] },
  ];
  const g = groupSnapshots(list, parseGroupBy('host,paths'));
  assert.deepEqual(
    g.map((x) => [x.key, x.snapshots.map((s) => s.id)]),
    [
      [{ tags: null, host: 'a', paths: ['/x', '/y'] }, ['1', '2']],
      [{ tags: null, host: 'b', paths: ['/x', '/y'] }, ['3']],
    ],
  );
  assert.deepEqual(
    groupSnapshots(list, parseGroupBy('tags')).map((x) => x.snapshots.map((s) => s.id)),
    [['1', '3'], ['2']],
  );
  assert.throws(() => parseGroupBy('host,colour'), /unknown grouping option: 'colour'/);
});

/** A deterministic generator of pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const OFFSETS = [0, 120, -300, 330, 60];

interface ResticForgetGroup {
  host: string;
  paths: string[] | null;
  tags: string[] | null;
  keep: Array<{ id: string }> | null;
  remove: Array<{ id: string }> | null;
  reasons: Array<{ matches: string[] }> | null;
}

/** Asserts that our groups, kept and removed sets and reasons equal restic's; returns how many were kept. */
function compareWithRestic(
  theirs: ResticForgetGroup[],
  all: Snapshot[],
  c: { flags: string[]; policy: RetentionPolicy; groupBy?: string },
): number {
  const ours = groupSnapshots(all, parseGroupBy(c.groupBy ?? 'host,paths')).map((g) => ({
    key: g.key,
    ...applyRetention(g.snapshots, c.policy, Date.now()),
  }));
  const norm = (g: { host: string; paths: string[] | null; tags: string[] | null }) =>
    JSON.stringify([g.host, g.paths ?? [], g.tags ?? []]);
  const theirGroups = new Map(theirs.map((g) => [norm(g), g]));
  assert.equal(ours.length, theirs.length, `groups for ${c.flags.join(' ')}`);
  let kept = 0;
  for (const g of ours) {
    const their = theirGroups.get(norm(g.key));
    assert.ok(their, `restic has group ${norm(g.key)}`);
    const label = `${c.flags.join(' ')} ${norm(g.key)}`;
    assert.deepEqual(
      g.keep.map((s) => s.id),
      (their.keep ?? []).map((s) => s.id),
      `kept: ${label}`,
    );
    assert.deepEqual(
      g.remove.map((s) => s.id).sort(),
      (their.remove ?? []).map((s) => s.id).sort(),
      `removed: ${label}`,
    );
    assert.deepEqual(
      g.reasons.map((r) => r.matches),
      (their.reasons ?? []).map((r) => r.matches),
      `reasons: ${label}`,
    );
    kept += g.keep.length;
  }
  return kept;
}

test('on a simulated year of snapshots, the kept set and reasons equal restic 0.14 forget --dry-run --json', async () => {
  await withTempRepo(async ({ root, repoDir, repo, passwordFile }) => {
    const src = join(root, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'file'), 'data');
    // A few snapshots made by restic itself, with its own time stamps (Berlin time, across the DST change).
    const resticTimes = [
      '2023-03-25 12:00:00',
      '2023-03-26 01:30:00',
      '2023-03-26 03:30:00',
      '2023-10-29 02:30:00',
    ];
    for (const t of resticTimes) {
      await restic(
        repoDir,
        passwordFile,
        ['backup', '-q', '--no-lock', '--host', 'berlin', '--time', t, src],
        {
          TZ: 'Europe/Berlin',
        },
      );
    }
    const made = await repo.listSnapshots();
    assert.equal(made.length, resticTimes.length);
    assert.ok(made.some((s) => s.time.endsWith('+02:00')) && made.some((s) => s.time.endsWith('+01:00')));

    // A year of snapshots, every 3–15 hours, on two hosts and two path sets, written in several zones.
    const rand = lcg(42);
    const template = made[0];
    let t = Date.parse('2023-01-01T00:00:00Z');
    const end = Date.parse('2024-01-01T00:00:00Z');
    let n = 0;
    while (t < end) {
      t += Math.floor((3 + rand() * 12) * 3_600_000) + Math.floor(rand() * 1000);
      const offset = OFFSETS[Math.floor(rand() * OFFSETS.length)];
      const host = rand() < 0.7 ? 'db' : 'web';
      const paths = rand() < 0.8 ? ['/var/lib/data'] : ['/etc', '/srv'];
      const tags = rand() < 0.05 ? ['important'] : rand() < 0.1 ? ['manual', 'important'] : undefined;
      await repo.saveSnapshot({
        time: formatGoTime(BigInt(t) * 1_000_000n + BigInt(n++ % 1000), offset),
        tree: template.tree,
        paths,
        hostname: host,
        username: 'root',
        tags,
      });
    }
    // One snapshot from the future: restic does not take it as the newest for keep-within.
    await repo.saveSnapshot({
      time: '2099-01-01T00:00:00Z',
      tree: template.tree,
      paths: ['/var/lib/data'],
      hostname: 'db',
    });
    const all = await repo.listSnapshots();
    assert.ok(all.length > 700, `${all.length} snapshots`);

    const cases: Array<{ flags: string[]; policy: RetentionPolicy; groupBy?: string }> = [
      { flags: ['--keep-last', '5'], policy: { last: 5 } },
      {
        flags: ['--keep-daily', '7', '--keep-weekly', '5', '--keep-monthly', '12', '--keep-yearly', '3'],
        policy: { daily: 7, weekly: 5, monthly: 12, yearly: 3 },
      },
      { flags: ['--keep-hourly', '30', '--keep-last', '3'], policy: { hourly: 30, last: 3 } },
      { flags: ['--keep-within', '1m15d'], policy: { within: parseCalendarDuration('1m15d') } },
      {
        flags: ['--keep-within-daily', '20d', '--keep-within-weekly', '3m', '--keep-monthly', '2'],
        policy: {
          withinDaily: parseCalendarDuration('20d'),
          withinWeekly: parseCalendarDuration('3m'),
          monthly: 2,
        },
      },
      {
        flags: ['--keep-tag', 'important', '--keep-tag', 'manual,important', '--keep-last', '2'],
        policy: { tags: [['important'], ['manual', 'important']], last: 2 },
      },
      { flags: ['--keep-weekly', '10', '--group-by', 'host'], policy: { weekly: 10 }, groupBy: 'host' },
      { flags: ['--keep-daily', '4', '--group-by', 'tags'], policy: { daily: 4 }, groupBy: 'tags' },
    ];
    for (const c of cases) {
      const out = await restic(
        repoDir,
        passwordFile,
        ['forget', '--dry-run', '--json', '--no-lock', ...c.flags],
        {
          TZ: 'UTC',
        },
      );
      const keptTotal = compareWithRestic(JSON.parse(out) as ResticForgetGroup[], all, c);
      assert.ok(keptTotal > 0 && keptTotal < all.length, `${c.flags.join(' ')} keeps some, not all`);
    }
    // Nothing was deleted by the dry runs.
    assert.equal((await repo.listIds('snapshots')).length, all.length);
  });
});

test('forget deletes the snapshot files a policy removes, and only those', async () => {
  await withTempRepo(async ({ repo }) => {
    const tree = 'a'.repeat(64);
    const ids: string[] = [];
    for (let day = 1; day <= 6; day++) {
      ids.push(
        await repo.saveSnapshot({ time: `2023-01-0${day}T12:00:00Z`, tree, paths: ['/p'], hostname: 'h' }),
      );
    }
    const other = await repo.saveSnapshot({
      time: '2023-01-01T00:00:00Z',
      tree,
      paths: ['/q'],
      hostname: 'h',
    });
    const result = await forget(repo, { policy: { last: 2 } });
    assert.deepEqual(result.removed.sort(), ids.slice(0, 4).sort());
    const left = (await repo.listIds('snapshots')).sort();
    assert.deepEqual(left, [ids[4], ids[5], other].sort());
    // Explicit ids (prefixes) remove exactly those.
    const byId = await forget(repo, { snapshotIds: [other.slice(0, 10)] });
    assert.deepEqual(byId.removed, [other]);
    assert.deepEqual((await repo.listIds('snapshots')).sort(), [ids[4], ids[5]].sort());
    await assert.rejects(forget(repo, { snapshotIds: ['ffffffffff'] }), /no snapshot matches ffffffffff/);
  });
});
