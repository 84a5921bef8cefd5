import { coreTypes } from './builtin/core.ts';
import { extensionTypes } from './builtin/extensions.ts';
import { platformTypes } from './builtin/platform.ts';
import { workloadTypes } from './builtin/workloads.ts';
import type { ResourceType } from './types.ts';

/**
 * Every resource kubesim serves without a CRD, as a fresh array of fresh objects (registries must not
 * share mutable state). The groups and versions are those of issue 2; the per-kind facts (short names,
 * categories, verbs, subresources, printers, field selectors) are those of a real 1.32 API server.
 */
export function builtinResourceTypes(): ResourceType[] {
  return [...coreTypes(), ...workloadTypes(), ...platformTypes(), ...extensionTypes()];
}
