import { type Command, Option } from 'commander';
import { API_VERSION, type RetentionRules, type Schedule, type ScheduleInput } from '../../../api/index.ts';
import { parseCronSchedule } from '../../../core/cron/index.ts';
import { isLifeboatError, UsageError } from '../../../core/errors.ts';
import { csvList, keyValueMap, positiveInt } from '../../flags.ts';
import { openSession } from '../../kube/session.ts';
import { type OutputFormat, parseOutputFormat, printStructured } from '../../output/resources.ts';
import type { CliRuntime } from '../../runtime.ts';
import { checkResource } from '../../validate.ts';
import { type BackupCreateFlags, buildBackup } from '../backup/create.ts';
import { scheduleTable } from './table.ts';
import { backupTemplateOptions, SCHEDULE_FLAG_OF_FIELD } from './template-flags.ts';

export type ScheduleCreateFlags = BackupCreateFlags & {
  schedule: string;
  timezone?: string;
  paused?: boolean;
  skipImmediately?: boolean;
  useOwnerReferencesInBackup?: boolean;
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  copyTo?: string[];
  webhook?: string[];
  webhookEvents?: string[];
  output?: OutputFormat;
};

/** The Schedule the flags describe (not yet validated): the backup flags make its template. */
export function buildSchedule(name: string, flags: ScheduleCreateFlags): ScheduleInput {
  const backup = buildBackup(name, {
    ...flags,
    labels: undefined,
    annotations: undefined,
    fromSchedule: undefined,
    dryRun: undefined,
  });
  const keep: RetentionRules = Object.fromEntries(
    (
      [
        ['last', flags.keepLast],
        ['hourly', flags.keepHourly],
        ['daily', flags.keepDaily],
        ['weekly', flags.keepWeekly],
        ['monthly', flags.keepMonthly],
        ['yearly', flags.keepYearly],
      ] as const
    ).filter(([, n]) => n !== undefined),
  );
  const events = flags.webhookEvents as ('Completed' | 'PartiallyFailed' | 'Failed')[] | undefined;
  return {
    apiVersion: API_VERSION,
    kind: 'Schedule',
    metadata: {
      name,
      ...(flags.labels ? { labels: flags.labels } : {}),
      ...(flags.annotations ? { annotations: flags.annotations } : {}),
    },
    spec: {
      schedule: flags.schedule,
      // Labels go on the backups too, as Velero's schedule create does.
      template: { ...backup.spec, ...(flags.labels ? { metadata: { labels: flags.labels } } : {}) },
      ...(flags.timezone !== undefined ? { timezone: flags.timezone } : {}),
      ...(flags.paused ? { paused: true } : {}),
      ...(flags.skipImmediately ? { skipImmediately: true } : {}),
      ...(flags.useOwnerReferencesInBackup ? { useOwnerReferencesInBackup: true } : {}),
      ...(Object.keys(keep).length > 0 ? { keep } : {}),
      ...(flags.copyTo?.length ? { copyTo: flags.copyTo } : {}),
      ...(flags.webhook?.length
        ? {
            notifications: { webhooks: flags.webhook.map((url) => ({ url, ...(events ? { events } : {}) })) },
          }
        : {}),
    },
  };
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerScheduleCreate(schedule: Command, runtime: CliRuntime): void {
  const create = schedule
    .command('create')
    .argument('<NAME>', 'the schedule name')
    .description('create a schedule of backups')
    .requiredOption(
      '--schedule <expression>',
      'when to back up: 5-field cron ("0 1 * * *"), optional "CRON_TZ=<zone> " prefix, @every <duration>, @daily, …',
    )
    .option('--timezone <zone>', 'IANA time zone the cron expression is read in (default UTC)')
    .option('--paused', 'create the schedule paused')
    .option('--skip-immediately', 'skip the run that would be due right away')
    .option(
      '--use-owner-references-in-backup',
      'make the schedule own its backups (deleting it deletes them)',
    );
  for (const rule of ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'])
    create.option(
      `--keep-${rule} <n>`,
      rule === 'last'
        ? 'keep the newest N successful backups'
        : `keep the newest backup of each of the last N ${rule === 'daily' ? 'days' : rule.replace(/ly$/, 's')}`,
      positiveInt(`--keep-${rule}`),
    );
  create
    .option('--copy-to <locations>', 'storage locations each backup is copied to', csvList)
    .option(
      '--webhook <url>',
      'POST a JSON event here when a backup fails or partially fails (repeatable)',
      collect,
    )
    .option(
      '--webhook-events <list>',
      'outcomes the webhooks are called for (Completed,PartiallyFailed,Failed)',
      csvList,
    )
    .option('--labels <pairs>', 'labels on the schedule and its backups (k=v,k2=v2)', keyValueMap('--labels'))
    .option(
      '--annotations <pairs>',
      'annotations on the schedule, copied to its backups',
      keyValueMap('--annotations'),
    );
  for (const option of backupTemplateOptions(runtime)) create.addOption(option);
  create
    .addOption(
      new Option(
        '-o, --output <format>',
        'print the schedule (table|json|yaml) instead of creating it',
      ).argParser(parseOutputFormat),
    )
    .action((name: string, flags: ScheduleCreateFlags, command: Command) =>
      runScheduleCreate(name, flags, command, runtime),
    );
}

async function runScheduleCreate(
  name: string,
  flags: ScheduleCreateFlags,
  command: Command,
  runtime: CliRuntime,
): Promise<void> {
  try {
    parseCronSchedule(flags.schedule, flags.timezone);
  } catch (err) {
    if (!isLifeboatError(err, 'Invalid')) throw err;
    const flag = err.field === 'spec.timezone' ? '--timezone' : '--schedule';
    throw new UsageError(`${err.message} (${flag})`);
  }
  const schedule: Schedule = checkResource('Schedule', buildSchedule(name, flags), SCHEDULE_FLAG_OF_FIELD);
  if (flags.output) {
    if (!printStructured(runtime.stdout, flags.output, [schedule], true))
      runtime.stdout.write(scheduleTable([schedule]));
    return;
  }
  const session = await openSession(command, runtime);
  await session.client.create('Schedule', schedule);
  runtime.stdout.write(
    `Schedule "${name}" created successfully.\nRun \`lifeboat schedule describe ${name}\` for more details.\n`,
  );
}
