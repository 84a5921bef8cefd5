import type { Command } from 'commander';
import type { CliRuntime } from '../../runtime.ts';
import { registerScheduleCreate } from './create.ts';
import { registerScheduleDelete } from './delete.ts';
import { registerScheduleDescribe } from './describe.ts';
import { registerScheduleGet } from './get.ts';
import { registerSchedulePause } from './pause.ts';

/** `lifeboat schedule create|get|describe|pause|unpause|delete`: Schedule resources in the server's namespace. */
export function registerSchedule(program: Command, runtime: CliRuntime): void {
  const schedule = program.command('schedule').description('work with schedules of backups');
  registerScheduleCreate(schedule, runtime);
  registerScheduleGet(schedule, runtime);
  registerScheduleDescribe(schedule, runtime);
  registerSchedulePause(schedule, runtime);
  registerScheduleDelete(schedule, runtime);
}
