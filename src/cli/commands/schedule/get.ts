import type { Command } from 'commander';
import type { CliRuntime } from '../../runtime.ts';
import { registerGetCommand } from '../get-command.ts';
import { scheduleTable } from './table.ts';

export function registerScheduleGet(schedule: Command, runtime: CliRuntime): void {
  registerGetCommand(schedule, runtime, { kind: 'Schedule', plural: 'schedules', table: scheduleTable });
}
