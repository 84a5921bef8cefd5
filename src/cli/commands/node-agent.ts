import { type Command, Option } from 'commander';
import { pino } from 'pino';
import { startNodeAgent } from '../../agent/index.ts';
import { StorageLocations } from '../../controllers/storage-locations.ts';
import { UsageError } from '../../core/errors.ts';
import { connect, createDynamicClient } from '../../kube/index.ts';
import { type GlobalOptions, kubeconfigPath, serverNamespace } from '../kube/session.ts';
import type { CliRuntime } from '../runtime.ts';

interface NodeAgentFlags {
  node?: string;
  hostRoot: string;
  logLevel: string;
}

/**
 * `lifeboat node-agent`: the node agent of one node (a DaemonSet pod in a cluster, mounting the node's `/` or
 * its kubelet directory at `--host-root`). Runs until SIGTERM or SIGINT. The node name defaults to NODE_NAME
 * (the DaemonSet sets it from `spec.nodeName`), read here at the entry point only.
 */
export function registerNodeAgent(program: Command, runtime: CliRuntime): void {
  program
    .command('node-agent')
    .description('run the node agent: pod volume backups and restores of one node')
    .option('--node <name>', 'this node’s name (default: NODE_NAME)')
    .option('--host-root <path>', 'where the node’s root file system is mounted', '/')
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .action(async (flags: NodeAgentFlags, command: Command) => {
      const globals = command.optsWithGlobals() as GlobalOptions;
      const node = flags.node ?? runtime.env.NODE_NAME;
      if (!node) throw new UsageError('the node name is required: --node NAME, or NODE_NAME');
      const namespace = serverNamespace(globals, runtime);
      const logger = pino(
        { level: flags.logLevel, base: { service: 'lifeboat-node-agent' } },
        pino.destination(2),
      );
      const conn = connect(kubeconfigPath(globals, runtime), globals.kubeContext);
      const client = createDynamicClient(conn, { logger: logger.child({ component: 'kube' }) });
      const stores = new StorageLocations({
        client,
        namespace,
        defaultLocation: 'default',
        defaultCredentials: { name: 'cloud-credentials', key: 'cloud' },
        env: runtime.env,
        logger,
      });
      const agent = await startNodeAgent({
        client,
        namespace,
        node,
        hostRoot: flags.hostRoot,
        stores,
        logger,
      });
      const signal = await new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      logger.info({ signal }, 'shutting down');
      await agent.stop();
      await stores.close();
    });
}
