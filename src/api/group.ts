/**
 * The API group every Lifeboat resource lives in. Velero's resources are `velero.io/v1` (and `v2alpha1` for
 * DataUpload and DataDownload); Lifeboat serves the same kinds, with the same field names, as `lifeboat.io/v1`,
 * so a Velero manifest ports by changing its `apiVersion`.
 */
export const GROUP = 'lifeboat.io';
export const VERSION = 'v1';
export const API_VERSION = `${GROUP}/${VERSION}` as const;

/** The CRD category of every Lifeboat resource: `kubectl get lifeboat` lists them all. */
export const CATEGORY = 'lifeboat';

/** The API versions Velero used for the same kinds; `fromVeleroApiVersion` maps them to {@link API_VERSION}. */
export const VELERO_API_VERSIONS = ['velero.io/v1', 'velero.io/v2alpha1'] as const;
