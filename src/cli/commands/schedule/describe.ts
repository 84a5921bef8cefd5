import type { Command } from 'commander';
import { type Backup, LABELS, type Schedule } from '../../../api/index.ts';
import { parseCronSchedule } from '../../../core/cron/index.ts';
import { openSession } from '../../kube/session.ts';
import { DescribeText } from '../../output/describe.ts';
import { formatTimestamp, listOrNone } from '../../output/resources.ts';
import type { CliRuntime } from '../../runtime.ts';
import { newestFirst, selectorText } from '../backup/table.ts';
import { describeMetadata } from '../details.ts';
import { selectObjects } from '../select.ts';
import { retentionText } from './table.ts';

/**
 * `schedule describe` text: Velero's fields, the next firing (computed here from the expression), retention,
 * copies, webhooks (a Secret-held URL shows as its Secret and key, never its value) and the newest backups.
 */
export function describeSchedule(schedule: Schedule, backups: readonly Backup[], now: Date): DescribeText {
  const { spec, status } = schedule;
  const d = new DescribeText();
  describeMetadata(d, schedule.metadata);
  d.blank().group([['Phase', status?.phase ?? 'New']]);
  if (status?.validationErrors?.length)
    d.blank().lines(['Validation errors:']).lines(status.validationErrors, 2);
  let next = 'n/a';
  try {
    next = spec.paused
      ? 'paused'
      : (parseCronSchedule(spec.schedule, spec.timezone).next(now)?.toISOString() ?? 'never');
  } catch {
    next = 'invalid schedule';
  }
  d.blank()
    .group([
      ['Paused', String(spec.paused ?? false)],
      ['Schedule', spec.schedule],
      ['Time zone', spec.timezone ?? 'UTC'],
      ['Next run', next],
      ['Use owner references', String(spec.useOwnerReferencesInBackup ?? false)],
      ['Retention', retentionText(schedule)],
      ['Copy to', listOrNone(spec.copyTo)],
    ])
    .blank();
  const hooks = spec.notifications?.webhooks ?? [];
  d.lines([`Webhooks: ${hooks.length === 0 ? '<none>' : ''}`]);
  for (const hook of hooks)
    d.lines(
      [
        `${hook.urlSecretRef ? `<from Secret ${hook.urlSecretRef.name}, key ${hook.urlSecretRef.key}>` : hook.url} on ${(hook.events ?? ['Failed', 'PartiallyFailed']).join(', ')}`,
      ],
      2,
    );
  const t = spec.template;
  d.blank()
    .lines(['Backup template:'])
    .group(
      [
        ['Included namespaces', listOrNone(t.includedNamespaces, '*')],
        ['Excluded namespaces', listOrNone(t.excludedNamespaces)],
        ['Included resources', listOrNone(t.includedResources, '*')],
        ['Excluded resources', listOrNone(t.excludedResources)],
        ['Label selector', selectorText(t.labelSelector)],
        ['Storage location', t.storageLocation || '<default>'],
        ['TTL', t.ttl || '<server default>'],
        [
          'Snapshot volumes',
          t.snapshotVolumes === undefined || t.snapshotVolumes === null ? 'auto' : String(t.snapshotVolumes),
        ],
        ['Default volumes to fs backup', String(t.defaultVolumesToFsBackup ?? 'server default')],
      ],
      2,
    )
    .blank()
    .group([
      ['Last backup', status?.lastBackup ? formatTimestamp(status.lastBackup) : 'n/a'],
      ['Last skipped', status?.lastSkipped ? formatTimestamp(status.lastSkipped) : 'n/a'],
    ]);
  if (backups.length > 0) {
    d.blank().lines([`Backups (${backups.length}, newest first):`]);
    d.lines(
      backups.slice(0, 10).map((b) => {
        const held = b.metadata.labels?.[LABELS.retain] === 'true' ? ' [legal hold]' : '';
        return `${b.metadata.name}  ${b.status?.phase ?? 'New'}${held}`;
      }),
      2,
    );
  }
  return d;
}

export function registerScheduleDescribe(schedule: Command, runtime: CliRuntime): void {
  schedule
    .command('describe')
    .argument('[NAMES...]', 'schedules to describe (default: all)')
    .description('describe schedules')
    .option('-l, --selector <selector>', 'only schedules whose labels match')
    .action(async (names: string[], flags: { selector?: string }, command: Command) => {
      const { client } = await openSession(command, runtime);
      const schedules = await selectObjects(client, 'Schedule', names, { selector: flags.selector });
      const texts: string[] = [];
      for (const s of schedules) {
        const backups = newestFirst(
          await client.list('Backup', { labelSelector: `${LABELS.scheduleName}=${s.metadata.name}` }),
        );
        texts.push(describeSchedule(s, backups, runtime.clock.now()).toString());
      }
      runtime.stdout.write(texts.join('\n'));
    });
}
