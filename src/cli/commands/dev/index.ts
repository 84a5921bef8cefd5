import type { Command } from 'commander';
import type { DevOptions } from './run.ts';

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description(
      'the embedded environment: kubesim with a sample application, Lifeboat installed and its server running; ' +
        'then a demo (backup, delete, restore, restore a copy, compare), and it stays up until Ctrl-C',
    )
    .option('--port <port>', 'API server port on 127.0.0.1 (0 picks a free one)', '0')
    .option('--nodes <count>', 'simulated nodes', '3')
    .option('--data-dir <dir>', 'where the kubeconfig, node roots and volume data live', '.lifeboat/dev')
    .option('--no-sample-app', 'start an empty cluster (and no demo)')
    .option('--no-demo', 'only start the environment: no backup, restore or comparison')
    .action(async (options: DevOptions) => {
      // Loaded on demand so that other commands do not pay for the Kubernetes client and kubesim.
      const { runDev } = await import('./run.ts');
      await runDev(options);
    });
}
