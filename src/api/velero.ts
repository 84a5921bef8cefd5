import { API_VERSION, VELERO_API_VERSIONS } from './group.ts';

/**
 * Velero manifests port to Lifeboat by changing `apiVersion` (`velero.io/v1`, and `velero.io/v2alpha1` for
 * DataUpload and DataDownload) to `lifeboat.io/v1`; every field keeps its name. This does that change and
 * nothing else: labels and annotations in the `velero.io/` domain are left alone, since their meaning is the
 * caller's to decide.
 */
export function fromVeleroApiVersion<T extends { apiVersion?: unknown }>(object: T): T {
  if (!(VELERO_API_VERSIONS as readonly unknown[]).includes(object.apiVersion)) return object;
  return { ...object, apiVersion: API_VERSION };
}
