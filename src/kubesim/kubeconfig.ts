import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

/**
 * The kubeconfig that points clients at a kubesim: plain http on 127.0.0.1 with `insecure-skip-tls-verify`
 * (client-node refuses http without it; kubectl then sends no token, which kubesim does not need), a token
 * for clients that send one, and a context `kubesim` whose namespace is `default`.
 */
export const KUBESIM_CONTEXT = 'kubesim';

export function kubeconfigFor(url: string, token = `kubesim-${randomBytes(12).toString('hex')}`): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: KUBESIM_CONTEXT, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'kubesim-admin', user: { token } }],
    contexts: [
      {
        name: KUBESIM_CONTEXT,
        context: { cluster: KUBESIM_CONTEXT, user: 'kubesim-admin', namespace: 'default' },
      },
    ],
    'current-context': KUBESIM_CONTEXT,
  });
}

/** Writes the kubeconfig readable by its owner only (it carries a token). */
export function writeKubeconfig(path: string, url: string): void {
  writeFileSync(path, kubeconfigFor(url), { mode: 0o600 });
}
