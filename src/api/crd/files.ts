import { stringify } from 'yaml';
import { GROUP } from '../group.ts';
import { type CustomResourceDefinition, crdManifests } from './manifests.ts';

/**
 * The committed form of the CRDs: one YAML file per CRD under `deploy/crds/` (named as controller-gen
 * names Velero's, `<group>_<plural>.yaml`) and a kustomization listing them, so `kubectl apply -k
 * deploy/crds` installs them all. Paths are relative to the repository root.
 */
export const CRD_DIRECTORY = 'deploy/crds';

/** The command that rewrites every generated file; tests name it when they find drift. */
export const REGENERATE_COMMAND = 'npm run generate:crds';

export type GeneratedFile = { path: string; content: string };

const HEADER = `Generated from the zod schemas in src/api by \`${REGENERATE_COMMAND}\`; do not edit by hand.`;

export function crdFileName(crd: CustomResourceDefinition): string {
  return `${GROUP}_${crd.spec.names.plural}.yaml`;
}

/** Renders one CRD as YAML with the generated-file header. */
export function crdYaml(crd: CustomResourceDefinition): string {
  return `# ${HEADER}\n${stringify(crd, { lineWidth: 0 })}`;
}

/** Every file of `deploy/crds/`, in a stable order. */
export function crdFiles(): GeneratedFile[] {
  const crds = crdManifests();
  const files = crds.map((crd) => ({ path: `${CRD_DIRECTORY}/${crdFileName(crd)}`, content: crdYaml(crd) }));
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: crds.map(crdFileName),
  };
  files.push({
    path: `${CRD_DIRECTORY}/kustomization.yaml`,
    content: `# ${HEADER}\n${stringify(kustomization, { lineWidth: 0 })}`,
  });
  return files;
}
