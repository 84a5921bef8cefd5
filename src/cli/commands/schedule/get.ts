import { type Command, Option } from 'commander';
import { openSession } from '../../kube/session.ts';
import { type OutputFormat, parseOutputFormat, printStructured } from '../../output/resources.ts';
import type { CliRuntime } from '../../runtime.ts';
import { newestFirst } from '../backup/table.ts';
import { selectObjects } from '../select.ts';
import { scheduleTable } from './table.ts';

export function registerScheduleGet(schedule: Command, runtime: CliRuntime): void {
  schedule
    .command('get')
    .argument('[NAMES...]', 'schedules to show (default: all)')
    .description('get schedules')
    .option('-l, --selector <selector>', 'only schedules whose labels match')
    .addOption(
      new Option('-o, --output <format>', 'table, json or yaml')
        .default('table')
        .argParser(parseOutputFormat),
    )
    .action(async (names: string[], flags: { selector?: string; output: OutputFormat }, command: Command) => {
      const { client } = await openSession(command, runtime);
      const schedules = newestFirst(
        await selectObjects(client, 'Schedule', names, { selector: flags.selector }),
      );
      if (printStructured(runtime.stdout, flags.output, schedules, names.length === 1)) return;
      if (schedules.length === 0) {
        runtime.stderr.write(`No schedules found in namespace ${client.namespace}.\n`);
        return;
      }
      runtime.stdout.write(scheduleTable(schedules));
    });
}
