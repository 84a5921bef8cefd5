import type { RestoreItemAction } from '../types.ts';

/**
 * Secrets of type service-account-token: the token controller's own (`<sa>-token-*`) are not restored (the
 * target makes its own); others lose the old uid annotation and token data, which the target refills.
 */
export const secretAction: RestoreItemAction = {
  name: 'lifeboat.io/secret',
  appliesTo: () => ({ includedResources: ['secrets'] }),
  execute({ item }) {
    if (item.type !== 'kubernetes.io/service-account-token') return { updatedItem: item };
    const annotations = item.metadata?.annotations ?? {};
    const sa = annotations['kubernetes.io/service-account.name'];
    if (sa && (item.metadata?.name ?? '').startsWith(`${sa}-token-`))
      return { updatedItem: item, skipRestore: true, skipReason: 'generated service account token' };
    delete annotations['kubernetes.io/service-account.uid'];
    const data = item.data as Record<string, string> | undefined;
    if (data) {
      delete data.token;
      delete data['ca.crt'];
    }
    return { updatedItem: item };
  },
};
