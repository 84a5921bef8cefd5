import type { Schedule } from '../resources/schedule.ts';
import type { FieldIssue } from '../validation/field-issue.ts';
import { checkBackupSpec, checkLocationList } from './backup.ts';
import { IssueList } from './issues.ts';

/**
 * Cross-field rules of a Schedule: its template follows the Backup rules, and Lifeboat's additions
 * (time zone, retention, copies, webhooks) are coherent. The cron expression itself is parsed by the
 * schedule controller, which owns its semantics.
 */
export function scheduleRules(schedule: Schedule): FieldIssue[] {
  const out = new IssueList();
  const spec = schedule.spec;
  const at = (...segments: (string | number)[]) => IssueList.path('spec', ...segments);

  checkBackupSpec(spec.template, at('template'), out);
  if (spec.template.dryRun) {
    out.add(at('template', 'dryRun'), 'a schedule cannot create dry-run backups: remove dryRun');
  }

  if (spec.timezone !== undefined) {
    const problem = timeZoneProblem(spec.timezone);
    if (problem !== undefined) out.add(at('timezone'), problem);
  }

  if (spec.keep) {
    const rules = Object.values(spec.keep).filter((n) => n !== undefined && n > 0);
    if (rules.length === 0) {
      out.add(
        at('keep'),
        'sets no rule: give at least one of last, hourly, daily, weekly, monthly, yearly a positive count, ' +
          'or remove keep to expire backups by their TTL',
      );
    }
  }

  checkLocationList(spec.copyTo, at('copyTo'), spec.template.storageLocation, out);

  (spec.notifications?.webhooks ?? []).forEach((hook, i) => {
    const field = at('notifications', 'webhooks', i);
    if (hook.url !== undefined && hook.urlSecretRef !== undefined) {
      out.add(IssueList.path(field, 'urlSecretRef'), 'cannot be set together with url: set one of them');
    } else if (hook.url === undefined && hook.urlSecretRef === undefined) {
      out.add(IssueList.path(field, 'url'), 'is required (or set urlSecretRef)');
    }
  });

  return out.issues;
}

/** Why `zone` is not an IANA time zone this Node.js knows, or undefined when it is one. */
export function timeZoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `${JSON.stringify(zone)} is not a known time zone: use an IANA name such as Europe/Berlin or UTC`;
  }
}
