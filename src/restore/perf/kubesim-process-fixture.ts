/**
 * A bare kubesim in its own process, for the restore measurement: prints its kubeconfig path, stops when its
 * stdin closes. Not production code.
 */
import { startKubesim } from '../../kubesim/index.ts';

const sim = await startKubesim({ cluster: false });
process.stdout.write(`${sim.kubeconfigPath}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void sim.stop().then(() => process.exit(0));
});
