import { crdFiles, type GeneratedFile } from './crd/files.ts';
import { API_REFERENCE_PATH, apiReferenceMarkdown } from './docs/api-reference.ts';

/**
 * Every file generated from the schemas and committed: the CRD YAML under `deploy/crds/` and the API
 * reference `docs/api.md`. `scripts/generate-crds.ts` writes them; `src/api/crds.test.ts` fails when the
 * committed copies differ.
 */
export function generatedFiles(): GeneratedFile[] {
  return [...crdFiles(), { path: API_REFERENCE_PATH, content: apiReferenceMarkdown() }];
}
