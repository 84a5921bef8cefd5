import type { RestoreItemAction } from '../types.ts';

/** Service accounts: references to the old cluster's generated token Secrets (`<sa>-token-*`) are dropped. */
export const serviceAccountAction: RestoreItemAction = {
  name: 'lifeboat.io/service-account',
  appliesTo: () => ({ includedResources: ['serviceaccounts'] }),
  execute({ item }) {
    const prefix = `${item.metadata?.name ?? ''}-token-`;
    const secrets = item.secrets as { name?: string }[] | undefined;
    if (Array.isArray(secrets)) {
      const kept = secrets.filter((s) => !(s.name ?? '').startsWith(prefix));
      if (kept.length > 0) item.secrets = kept;
      else delete item.secrets;
    }
    return { updatedItem: item };
  },
};
