/**
 * Rendering and applying what `lifeboat install` puts into a cluster. `renderInstall(values)` is pure: the
 * manifests (CRDs, namespace, credentials Secret, default BackupStorageLocation; later the server Deployment,
 * RBAC and node agent) from one values object validated by `parseInstallValues`. `applyInstall` applies
 * them with server-side apply (field manager `lifeboat`) and waits for the CRDs to be Established.
 */
export { type AppliedObject, type ApplyAction, applyInstall, describeObject } from './apply.ts';
export {
  INSTALL_RENDERERS,
  type InstallObject,
  type InstallRenderer,
  parseInstallValues,
  renderInstall,
} from './render.ts';
export {
  CREDENTIALS_SECRET_KEY,
  CREDENTIALS_SECRET_NAME,
  DEFAULT_LOCATION_NAME,
  type InstallValues,
  type InstallValuesInput,
  installValuesSchema,
} from './values.ts';
