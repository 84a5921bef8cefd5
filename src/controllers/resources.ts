import { GROUP, type ResourceKind, resourceDefinitions, VERSION } from '../api/index.ts';
import type { ApiResourceInfo } from '../kube/types.ts';

/**
 * The `ApiResourceInfo` of Lifeboat's own kinds and the few core kinds the controllers touch, built from the
 * API table rather than discovery: the server needs them before (and whether or not) discovery runs, and
 * they cannot differ from what the CRDs declare.
 */
export function lifeboatResource(kind: ResourceKind): ApiResourceInfo {
  const def = resourceDefinitions[kind];
  return {
    group: GROUP,
    version: VERSION,
    groupVersion: `${GROUP}/${VERSION}`,
    resource: def.plural,
    singular: def.singular,
    kind,
    namespaced: true,
    shortNames: def.shortNames,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    categories: ['lifeboat'],
    preferredVersion: VERSION,
    groupResource: `${def.plural}.${GROUP}`,
    subresources: ['status'],
  };
}

/** Core v1 Secrets, where location credentials live. */
export const SECRETS: ApiResourceInfo = {
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

/** The resources of the kinds the server reconciles, by kind. */
export const LIFEBOAT_RESOURCES = {
  Backup: lifeboatResource('Backup'),
  Restore: lifeboatResource('Restore'),
  BackupStorageLocation: lifeboatResource('BackupStorageLocation'),
  DeleteBackupRequest: lifeboatResource('DeleteBackupRequest'),
  DownloadRequest: lifeboatResource('DownloadRequest'),
  ServerStatusRequest: lifeboatResource('ServerStatusRequest'),
} as const;
