import { z } from 'zod';
import { conditionsField } from '../shared/conditions.ts';
import { added, count, stringList, timestamp } from '../shared/fields.ts';
import { secretKeySelectorSchema } from '../shared/references.ts';
import { resourceSchema } from '../shared/resource.ts';
import { backupSpecSchema } from './backup.ts';

/**
 * Schedule: backups on a cron schedule from a template. Velero's fields plus Lifeboat's time zone,
 * grandfather-father-son retention (`keep`), copies to further locations and failure notifications.
 */

export const SCHEDULE_PHASES = ['New', 'Enabled', 'FailedValidation'] as const;
export type SchedulePhase = (typeof SCHEDULE_PHASES)[number];

/** Backup outcomes a notification webhook can be called for. */
export const NOTIFICATION_EVENTS = ['Completed', 'PartiallyFailed', 'Failed'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export const retentionRulesSchema = z
  .object({
    last: count().optional().describe('Keep the newest N backups.'),
    hourly: count().optional().describe('Keep the newest backup of each of the last N hours that have one.'),
    daily: count().optional().describe('Keep the newest backup of each of the last N days that have one.'),
    weekly: count().optional().describe('Keep the newest backup of each of the last N weeks that have one.'),
    monthly: count()
      .optional()
      .describe('Keep the newest backup of each of the last N months that have one.'),
    yearly: count().optional().describe('Keep the newest backup of each of the last N years that have one.'),
  })
  .describe(
    'Lifeboat: grandfather-father-son retention for this schedule’s backups, replacing their TTL. A backup ' +
      'is kept while any rule selects it and deleted otherwise; only successful backups (Completed, ' +
      'PartiallyFailed) fill the slots. The newest successful backup and backups labelled ' +
      '`lifeboat.io/retain=true` are always kept. Periods are counted in the schedule’s time zone.',
  );

export const notificationWebhookSchema = z.object({
  url: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'The http(s) URL to POST a JSON event to. Use urlSecretRef instead when the URL holds a token.',
    ),
  urlSecretRef: secretKeySelectorSchema
    .optional()
    .describe('A Secret key holding the URL, for webhooks whose URL is itself the credential.'),
  events: z
    .array(z.enum(NOTIFICATION_EVENTS))
    .optional()
    .describe(
      'Outcomes to notify about; Failed (which includes FailedValidation) and PartiallyFailed when unset.',
    ),
});

export const notificationsSchema = z
  .object({
    webhooks: z
      .array(notificationWebhookSchema)
      .optional()
      .describe('Webhooks called, with retries, when a backup of this schedule ends in a listed outcome.'),
  })
  .describe('Lifeboat: where to report backup outcomes of this schedule.');

export const scheduleSpecSchema = z.object({
  template: backupSpecSchema
    .describe('The spec of each Backup the schedule creates.')
    .meta({ 'x-lifeboat-type': 'BackupSpec' }),
  schedule: z
    .string()
    .min(1)
    .describe(
      'When to back up: a 5-field cron expression (optionally prefixed `CRON_TZ=<zone> `), `@every <duration>`, ' +
        'or `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`.',
    ),
  useOwnerReferencesInBackup: z
    .boolean()
    .nullable()
    .optional()
    .describe('Make the schedule the owner of its backups, so deleting it deletes their Backup objects.'),
  paused: z.boolean().optional().describe('While true, no backups are created.'),
  skipImmediately: z
    .boolean()
    .optional()
    .describe(
      'Skip the run that would be due right away (after creation or unpausing); reset to false once used.',
    ),
  timezone: added(
    z
      .string()
      .optional()
      .describe(
        'Lifeboat: IANA time zone (for example `Europe/Berlin`) the cron expression is read in; UTC when unset. ' +
          'A `CRON_TZ=` prefix in schedule takes precedence.',
      ),
  ),
  keep: added(retentionRulesSchema.optional()),
  copyTo: added(
    stringList()
      .optional()
      .describe(
        'Lifeboat: BackupStorageLocations each backup is copied to once it completes (added to its copyTo).',
      ),
  ),
  notifications: added(notificationsSchema.optional()),
});

export const scheduleStatusSchema = z.object({
  phase: z.enum(SCHEDULE_PHASES).optional().describe('New, Enabled, or FailedValidation.'),
  lastBackup: timestamp().optional().describe('When the schedule last created a backup.'),
  lastSkipped: timestamp().optional().describe('When the schedule last skipped a due run (skipImmediately).'),
  validationErrors: stringList()
    .optional()
    .describe('Why the schedule failed validation, when its phase is FailedValidation.'),
  conditions: conditionsField(),
});

export const scheduleSchema = resourceSchema(
  'Schedule',
  scheduleSpecSchema,
  scheduleStatusSchema,
  'Backups created on a cron schedule from a template, with retention rules.',
);

export type RetentionRules = z.infer<typeof retentionRulesSchema>;
export type NotificationWebhook = z.infer<typeof notificationWebhookSchema>;
export type ScheduleSpec = z.infer<typeof scheduleSpecSchema>;
export type ScheduleStatus = z.infer<typeof scheduleStatusSchema>;
export type Schedule = z.infer<typeof scheduleSchema>;
export type ScheduleInput = z.input<typeof scheduleSchema>;
