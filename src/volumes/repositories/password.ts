import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { errorMessage, isLifeboatError, LifeboatError } from '../../core/errors.ts';
import type { ApiResourceInfo, DynamicClient } from '../../kube/types.ts';
import { REPOSITORY_PASSWORD_KEY, REPOSITORY_PASSWORD_SECRET } from './names.ts';

export const SECRETS_RESOURCE: ApiResourceInfo = {
  group: '',
  version: 'v1',
  groupVersion: 'v1',
  resource: 'secrets',
  singular: 'secret',
  kind: 'Secret',
  namespaced: true,
  shortNames: [],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  categories: [],
  preferredVersion: 'v1',
  groupResource: 'secrets',
};

/**
 * The volume repositories' password: key `repository-password` of Secret `lifeboat-repo-credentials` in the
 * server's namespace. `install` renders that Secret with a random value (or the user's); when it is absent
 * and `create` is true (the server), a random 32-byte password is generated and stored, and the log says so.
 * Node agents pass `create: false` and fail with a message naming the Secret instead, so that two processes
 * never race to invent different passwords. The value never appears in logs or errors.
 */
export async function repositoryPassword(
  client: DynamicClient,
  namespace: string,
  options: { logger: Logger; create: boolean },
): Promise<string> {
  const existing = await client.get(SECRETS_RESOURCE, namespace, REPOSITORY_PASSWORD_SECRET);
  const value = (existing?.data as Record<string, string> | undefined)?.[REPOSITORY_PASSWORD_KEY];
  if (value) return Buffer.from(value, 'base64').toString('utf8');
  if (existing)
    throw new LifeboatError(
      'Invalid',
      `Secret ${namespace}/${REPOSITORY_PASSWORD_SECRET} has no key ${REPOSITORY_PASSWORD_KEY}`,
    );
  if (!options.create)
    throw new LifeboatError(
      'NotFound',
      `Secret ${namespace}/${REPOSITORY_PASSWORD_SECRET} (the volume repositories' password) does not exist yet`,
      { retryable: true },
    );
  const password = randomBytes(32).toString('base64url');
  try {
    await client.create(SECRETS_RESOURCE, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: REPOSITORY_PASSWORD_SECRET,
        namespace,
        labels: { 'app.kubernetes.io/name': 'lifeboat', 'app.kubernetes.io/component': 'repository' },
      },
      type: 'Opaque',
      data: { [REPOSITORY_PASSWORD_KEY]: Buffer.from(password).toString('base64') },
    });
  } catch (err) {
    // Another process created it first: theirs is the password.
    if (isLifeboatError(err, 'AlreadyExists') || isLifeboatError(err, 'Conflict'))
      return repositoryPassword(client, namespace, { ...options, create: false });
    throw new LifeboatError(
      'Unavailable',
      `cannot create the repository password Secret: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  options.logger.info(
    { secret: `${namespace}/${REPOSITORY_PASSWORD_SECRET}`, key: REPOSITORY_PASSWORD_KEY },
    'no repository password Secret: generated a random password and stored it (keep a copy: without it the volume data cannot be read)',
  );
  return password;
}
