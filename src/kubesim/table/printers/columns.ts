import type { TableColumn } from '../../registry/types.ts';

/** Column definitions shared by the printers; the server sends every column, `-o wide` shows priority 1. */

export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. It is required when creating resources unless generateName is used, and cannot be updated.';
export const CREATED_DESCRIPTION =
  'CreationTimestamp is the server time when this object was created, in RFC 3339 form and UTC. Read-only.';

export function column(
  name: string,
  description: string,
  options: { type?: TableColumn['type']; priority?: number; format?: string } = {},
): TableColumn {
  const col: TableColumn = {
    name,
    type: options.type ?? 'string',
    description,
    priority: options.priority ?? 0,
  };
  if (options.format !== undefined) col.format = options.format;
  return col;
}

export const nameColumn = (): TableColumn => column('Name', NAME_DESCRIPTION, { format: 'name' });
export const ageColumn = (): TableColumn => column('Age', CREATED_DESCRIPTION);
export const wide = (name: string, description: string): TableColumn =>
  column(name, description, { priority: 1 });

export const containersColumn = (): TableColumn =>
  wide('Containers', 'Names of each container in the template.');
export const imagesColumn = (): TableColumn =>
  wide('Images', 'Images referenced by each container in the template.');
export const selectorColumn = (description = 'The label selector of the object.'): TableColumn =>
  wide('Selector', description);
