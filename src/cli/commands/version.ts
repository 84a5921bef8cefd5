import type { Command } from 'commander';
import { systemClock } from '../../core/clock.ts';
import { errorMessage } from '../../core/errors.ts';
import { LIFEBOAT_VERSION } from '../../core/version.ts';
import { type GlobalOptions, kubeconfigPath, serverNamespace } from '../kube/session.ts';
import type { CliRuntime } from '../runtime.ts';

type VersionFlags = { clientOnly?: boolean; timeout: string };

const processStreams = (): CliRuntime => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  clock: systemClock,
  home: process.env.HOME ?? '',
});

/**
 * `lifeboat version`: the client's version, and the server's through a ServerStatusRequest (with a warning
 * on major/minor skew); `--client-only` contacts nothing.
 */
export function registerVersion(program: Command, runtime: CliRuntime = processStreams()): void {
  program
    .command('version')
    .description('print the client and server versions')
    .option('--client-only', 'print only the client version')
    .option('--timeout <seconds>', 'how long to wait for the server to answer', '5')
    .action(async (flags: VersionFlags, command: Command) => {
      runtime.stdout.write(`Client:\n\tVersion: ${LIFEBOAT_VERSION}\n\tNode.js: ${process.version}\n`);
      if (flags.clientOnly) return;
      const globals = command.optsWithGlobals() as GlobalOptions;
      const namespace = serverNamespace(globals, runtime);
      const [{ connect }, { queryServerVersion, skewWarning }] = await Promise.all([
        import('../../kube/client.ts'),
        import('./version-server.ts'),
      ]);
      const seconds = Number(flags.timeout);
      let server: string | undefined;
      try {
        const conn = connect(kubeconfigPath(globals, runtime), globals.kubeContext);
        server = await queryServerVersion(conn, namespace, {
          timeoutMs: (Number.isFinite(seconds) && seconds > 0 ? seconds : 5) * 1000,
          clock: runtime.clock,
        });
      } catch (err) {
        // The client's version is the answer asked for; an unreachable cluster is worth a line, not a failure.
        runtime.stdout.write(`Server:\n\t<cannot ask the cluster: ${errorMessage(err)}>\n`);
        return;
      }
      if (server === undefined) {
        runtime.stdout.write(
          `Server:\n\t<no answer: no Lifeboat server processed a ServerStatusRequest in namespace ${namespace} within ${flags.timeout}s; is it running (kubectl -n ${namespace} get deploy lifeboat-server)?>\n`,
        );
        return;
      }
      runtime.stdout.write(`Server:\n\tVersion: ${server}\n`);
      const warning = skewWarning(LIFEBOAT_VERSION, server);
      if (warning) runtime.stderr.write(`warning: ${warning}\n`);
    });
}
