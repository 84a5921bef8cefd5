/**
 * The Kubernetes port: discovery, a dynamic client, informers and the typed lifeboat.io client, over
 * @kubernetes/client-node's kubeconfig handling. Engines and controllers program against `types.ts`.
 */
export { sleepUnlessAborted } from './abortable-sleep.ts';
export { ApiCaller, type ApiCallerOptions } from './api-caller.ts';
export {
  buildCatalog,
  type DiscoveredCatalog,
  type DiscoveredGroup,
  type DiscoveredResource,
  WELL_KNOWN_GROUPS,
} from './catalog.ts';
export { applyObject, connect, type KubeConnection, waitUntil } from './client.ts';
export { type DiscoveryOptions, discoverResources } from './discovery.ts';
export { createDynamicClient, type DynamicClientOptions } from './dynamic-client.ts';
export {
  type AddHandler,
  createInformer,
  type DeleteHandler,
  type Informer,
  type InformerOptions,
  type UpdateHandler,
} from './informer.ts';
export {
  CRD_RESOURCE,
  decodeResource,
  type EnsureCrdsOptions,
  ensureCrds,
  isEstablished,
  LifeboatClient,
  lifeboatResource,
  lifeboatResources,
} from './lifeboat-client.ts';
export { keyOf, objectKey, splitKey } from './object-key.ts';
export { groupVersionPath, resourcePath } from './paths.ts';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';
export { type ApiStatus, statusError } from './status-error.ts';
export { KubeTransport, transportFor } from './transport.ts';
export type * from './types.ts';
