import type { IncomingMessage, ServerResponse } from 'node:http';
import { methodNotAllowed } from '../apiserver/errors.ts';
import { decodeObject, readBody } from './body.ts';
import { sendJson } from './respond.ts';
import type { ResourceRoute } from './routes.ts';

/**
 * kubesim has no authentication or authorization: every caller is a cluster admin. The review endpoints
 * (`kubectl auth can-i`, `kubectl auth whoami`) say so.
 */
const USER = { username: 'kubesim-admin', groups: ['system:masters', 'system:authenticated'] };

const REVIEWS: Record<string, { kind: string; status: () => unknown }> = {
  'authorization.k8s.io/selfsubjectaccessreviews': {
    kind: 'SelfSubjectAccessReview',
    status: () => ({ allowed: true, reason: 'kubesim allows everything' }),
  },
  'authorization.k8s.io/selfsubjectrulesreviews': {
    kind: 'SelfSubjectRulesReview',
    status: () => ({
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    }),
  },
  'authentication.k8s.io/selfsubjectreviews': {
    kind: 'SelfSubjectReview',
    status: () => ({ userInfo: USER }),
  },
};

/** The groups of the review resources: every other request is told apart without building a lookup key. */
const REVIEW_GROUPS = new Set(['authorization.k8s.io', 'authentication.k8s.io']);

export function isReviewPath(route: ResourceRoute): boolean {
  return (
    route.name === undefined &&
    REVIEW_GROUPS.has(route.group) &&
    Object.hasOwn(REVIEWS, `${route.group}/${route.resource}`)
  );
}

export async function handleReview(
  req: IncomingMessage,
  res: ServerResponse,
  route: ResourceRoute,
): Promise<void> {
  const review = REVIEWS[`${route.group}/${route.resource}`];
  if (req.method !== 'POST') throw methodNotAllowed((req.method ?? 'GET').toLowerCase());
  let spec: unknown = {};
  try {
    const body = decodeObject(await readBody(req), req.headers['content-type']) as { spec?: unknown };
    spec = body?.spec ?? {};
  } catch {
    // kubectl sends these as protobuf; the answer is the same whatever was asked.
  }
  sendJson(res, 201, {
    kind: review.kind,
    apiVersion: `${route.group}/${route.version}`,
    metadata: { creationTimestamp: null },
    spec,
    status: review.status(),
  });
}
