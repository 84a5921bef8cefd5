import type { Command } from 'commander';
import { pino } from 'pino';
import { positiveInt } from '../flags.ts';
import { type GlobalOptions, serverNamespace } from '../kube/session.ts';
import type { CliRuntime } from '../runtime.ts';
import { connectFor } from './install.ts';

type UninstallFlags = { wait?: boolean; keepCrds?: boolean; timeout: number };

/** `lifeboat uninstall`: removes what install created; the bucket's data stays. */
export function registerUninstall(program: Command, runtime: CliRuntime): void {
  program
    .command('uninstall')
    .description(
      'remove the installation in the namespace (Lifeboat resources, workloads, RBAC, Secrets, namespace, CRDs); the bucket keeps its data',
    )
    .option('--wait', 'wait until the namespace and CRDs are gone')
    .option('--keep-crds', 'leave the CRDs (and so any Lifeboat objects in other namespaces)')
    .option('--timeout <seconds>', 'how long to wait for resources to go', positiveInt('--timeout'), 60)
    .action(async (flags: UninstallFlags, command: Command) => {
      const namespace = serverNamespace(command.optsWithGlobals() as GlobalOptions, runtime);
      const { uninstallLifeboat } = await import('../../install/inventory.ts');
      const conn = await connectFor(command, runtime);
      const result = await uninstallLifeboat(conn, {
        namespace,
        keepCrds: flags.keepCrds,
        wait: flags.wait,
        timeoutMs: flags.timeout * 1000,
        clock: runtime.clock,
        logger: pino({ level: 'silent' }),
      });
      runtime.stdout.write(`Lifeboat resources deleted: ${result.lifeboatResources}\n`);
      for (const d of result.deleted) runtime.stdout.write(`${d.kind}/${d.name}: deleted\n`);
      runtime.stdout.write(
        `Lifeboat is uninstalled from namespace ${namespace}; the backups in the bucket are untouched. To read their volume data after a new install, give it the old repositoryPassword.\n`,
      );
    });
}
