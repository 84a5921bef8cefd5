import { CATEGORY, GROUP, VERSION } from '../group.ts';
import { RESOURCE_KINDS, type ResourceDefinition, resourceDefinitions } from '../kinds.ts';
import { crdOpenApiSchema } from './openapi.ts';

/**
 * The `apiextensions.k8s.io/v1` CustomResourceDefinition of every Lifeboat resource, built from the zod
 * schemas in `src/api/resources`: namespaced, in category `lifeboat`, one served and stored version `v1`
 * with the status subresource and the printer columns of `kinds.ts`.
 */
export type CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories: string[];
    };
    scope: 'Namespaced';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: Record<string, unknown>[];
      schema: { openAPIV3Schema: Record<string, unknown> };
    }[];
  };
};

/** The label every generated CRD carries, so installers can find (and prune) them. */
export const CRD_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/part-of': 'lifeboat' };

/** The CRD of one kind. */
export function crdManifest(definition: ResourceDefinition): CustomResourceDefinition {
  const names: CustomResourceDefinition['spec']['names'] = {
    kind: definition.kind,
    listKind: `${definition.kind}List`,
    plural: definition.plural,
    singular: definition.singular,
    categories: [CATEGORY],
  };
  if (definition.shortNames.length > 0) names.shortNames = [...definition.shortNames];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${definition.plural}.${GROUP}`, labels: { ...CRD_LABELS } },
    spec: {
      group: GROUP,
      names,
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: definition.columns.map((c) => ({ ...c })),
          schema: { openAPIV3Schema: crdOpenApiSchema(definition.schema) },
        },
      ],
    },
  };
}

/** The CRDs of all thirteen kinds, in the order of `RESOURCE_KINDS`. Built fresh on each call. */
export function crdManifests(): CustomResourceDefinition[] {
  return RESOURCE_KINDS.map((kind) => crdManifest(resourceDefinitions[kind] as ResourceDefinition));
}
