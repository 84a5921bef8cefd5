import { z } from 'zod';
import { conditionsField } from '../shared/conditions.ts';
import { timestamp } from '../shared/fields.ts';
import { resourceSchema } from '../shared/resource.ts';

/**
 * ServerStatusRequest: asks the running server for its version and plugins (`lifeboat version` uses it);
 * the server answers in status and deletes the request a minute later.
 */

export const SERVER_STATUS_REQUEST_PHASES = ['New', 'Processed'] as const;
export type ServerStatusRequestPhase = (typeof SERVER_STATUS_REQUEST_PHASES)[number];

export const pluginInfoSchema = z.object({
  name: z.string().describe('The plugin’s name, `<domain>/<name>`.'),
  kind: z.string().describe('What the plugin provides, for example ObjectStore or BackupItemAction.'),
});

export const serverStatusRequestSpecSchema = z
  .object({})
  .describe('Empty: the request carries no parameters.');

export const serverStatusRequestStatusSchema = z.object({
  phase: z.enum(SERVER_STATUS_REQUEST_PHASES).optional().describe('New or Processed.'),
  processedTimestamp: timestamp().optional().describe('When the server answered.'),
  serverVersion: z.string().optional().describe('The server’s version.'),
  plugins: z.array(pluginInfoSchema).nullable().optional().describe('The plugins the server has loaded.'),
  conditions: conditionsField(),
});

export const serverStatusRequestSchema = resourceSchema(
  'ServerStatusRequest',
  serverStatusRequestSpecSchema.default(() => ({})),
  serverStatusRequestStatusSchema,
  'A request for the server’s version and loaded plugins.',
);

export type PluginInfo = z.infer<typeof pluginInfoSchema>;
export type ServerStatusRequestStatus = z.infer<typeof serverStatusRequestStatusSchema>;
export type ServerStatusRequest = z.infer<typeof serverStatusRequestSchema>;
export type ServerStatusRequestInput = z.input<typeof serverStatusRequestSchema>;
