import type { Command } from 'commander';
import { openSession } from '../../kube/session.ts';
import type { CliRuntime } from '../../runtime.ts';
import { selectObjects } from '../select.ts';

/**
 * `schedule pause|unpause NAMES... | --all | -l SELECTOR`: sets `spec.paused`. `unpause --skip-immediately`
 * also sets `skipImmediately`, so a schedule due since long ago does not back up the moment it resumes.
 */
export function registerSchedulePause(schedule: Command, runtime: CliRuntime): void {
  for (const paused of [true, false]) {
    const verb = paused ? 'pause' : 'unpause';
    const command = schedule
      .command(verb)
      .argument('[NAMES...]', `schedules to ${verb}`)
      .description(paused ? 'pause schedules: no backups until unpaused' : 'unpause schedules')
      .option('--all', `${verb} all schedules`)
      .option('-l, --selector <selector>', `${verb} the schedules whose labels match`);
    if (!paused) command.option('--skip-immediately', 'skip the run that would be due right away');
    command.action(
      async (
        names: string[],
        flags: { all?: boolean; selector?: string; skipImmediately?: boolean },
        cmd: Command,
      ) => {
        const { client } = await openSession(cmd, runtime);
        const schedules = await selectObjects(client, 'Schedule', names, {
          selector: flags.selector,
          all: flags.all,
          requireSome: true,
        });
        for (const s of schedules) {
          const name = s.metadata.name ?? '';
          if ((s.spec.paused ?? false) === paused && !flags.skipImmediately) {
            runtime.stdout.write(`Schedule "${name}" is already ${paused ? 'paused' : 'unpaused'}.\n`);
            continue;
          }
          await client.patch('Schedule', name, {
            spec: { paused, ...(flags.skipImmediately ? { skipImmediately: true } : {}) },
          });
          runtime.stdout.write(`Schedule "${name}" ${paused ? 'paused' : 'unpaused'} successfully.\n`);
        }
      },
    );
  }
}
