import { z } from 'zod';
import { conditionsField } from '../shared/conditions.ts';
import { stringMap } from '../shared/fields.ts';
import { secretKeySelectorSchema } from '../shared/references.ts';
import { resourceSchema } from '../shared/resource.ts';

/** VolumeSnapshotLocation: where and how native (provider) volume snapshots are taken. */

export const VOLUME_SNAPSHOT_LOCATION_PHASES = ['Available', 'Unavailable'] as const;
export type VolumeSnapshotLocationPhase = (typeof VOLUME_SNAPSHOT_LOCATION_PHASES)[number];

export const volumeSnapshotLocationSpecSchema = z.object({
  provider: z.string().min(1).describe('The volume snapshotter provider, for example `aws`.'),
  config: stringMap().optional().describe('Provider settings, for example `region`.'),
  credential: secretKeySelectorSchema
    .optional()
    .describe('A Secret key holding this location’s credentials file; the server’s own otherwise.'),
});

export const volumeSnapshotLocationStatusSchema = z.object({
  phase: z.enum(VOLUME_SNAPSHOT_LOCATION_PHASES).optional().describe('Available or Unavailable.'),
  conditions: conditionsField(),
});

export const volumeSnapshotLocationSchema = resourceSchema(
  'VolumeSnapshotLocation',
  volumeSnapshotLocationSpecSchema,
  volumeSnapshotLocationStatusSchema,
  'A provider and its settings for native volume snapshots.',
);

export type VolumeSnapshotLocationSpec = z.infer<typeof volumeSnapshotLocationSpecSchema>;
export type VolumeSnapshotLocationStatus = z.infer<typeof volumeSnapshotLocationStatusSchema>;
export type VolumeSnapshotLocation = z.infer<typeof volumeSnapshotLocationSchema>;
export type VolumeSnapshotLocationInput = z.input<typeof volumeSnapshotLocationSchema>;
