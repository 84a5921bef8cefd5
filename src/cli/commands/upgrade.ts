import type { Command } from 'commander';
import { pino } from 'pino';
import { positiveInt } from '../flags.ts';
import type { CliRuntime } from '../runtime.ts';
import { connectFor, installValuesOf, withRepositoryPassword } from './install.ts';
import { addValuesFlags, type ValuesFlags } from './install-values.ts';

type UpgradeFlags = ValuesFlags & { pruneCrds?: boolean; timeout: number };

/**
 * `lifeboat upgrade`: applies the rendering of the given values (a newer or older `version`, changed
 * settings) and prunes what the installation holds that the rendering no longer has. A downgrade is the
 * same command with the older version.
 */
export function registerUpgrade(program: Command, runtime: CliRuntime): void {
  addValuesFlags(
    program
      .command('upgrade')
      .description(
        'apply new values or another version to an installation (server-side apply) and prune what the new rendering lacks',
      ),
  )
    .option('--prune-crds', 'also delete Lifeboat CRDs the new rendering lacks (deletes their objects!)')
    .option(
      '--timeout <seconds>',
      'how long to wait for the CRDs to be Established',
      positiveInt('--timeout'),
      60,
    )
    .action(async (flags: UpgradeFlags, command: Command) => {
      const install = await import('../../install/index.ts');
      const { pruneInstall, listInventory } = await import('../../install/inventory.ts');
      const values = await installValuesOf(flags, command, runtime);
      const conn = await connectFor(command, runtime);
      if ((await listInventory(conn, values.namespace)).length === 0)
        runtime.stderr.write(`warning: no installation found in namespace ${values.namespace}; installing\n`);
      const objects = install.renderInstall(await withRepositoryPassword(conn, values));
      const logger = pino({ level: 'silent' });
      const applied = await install.applyInstall(conn, objects, {
        logger,
        clock: runtime.clock,
        crdTimeoutMs: flags.timeout * 1000,
      });
      for (const r of applied)
        if (r.action !== 'unchanged') runtime.stdout.write(`${r.kind}/${r.name}: ${r.action}\n`);
      const pruned = await pruneInstall(conn, objects, {
        namespace: values.namespace,
        pruneCrds: flags.pruneCrds,
        logger,
      });
      for (const p of pruned) runtime.stdout.write(`${p.kind}/${p.name}: pruned\n`);
      const unchanged = applied.filter((r) => r.action === 'unchanged').length;
      runtime.stdout.write(
        `Lifeboat in namespace ${values.namespace} is at ${values.version} (${applied.length - unchanged} changed, ${unchanged} unchanged, ${pruned.length} pruned).\n`,
      );
    });
}
