import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import type { KubeObject } from '../kube/types.ts';
import { BACKUP_FORMAT_VERSION, FORMAT_VERSION_ENTRY, itemPath } from '../storage/tarball-paths.ts';

/**
 * Builds backup tarballs for tests, the way format 1.1.0 lays them out (legacy path plus the
 * `-preferredversion` copy). Tests only; the backup engine has its own writer.
 */

export interface TarballItem {
  groupResource: string;
  object: KubeObject;
  /** Omit the versioned copies (an older backup). */
  legacyOnly?: boolean;
}

export interface RawEntry {
  name: string;
  body?: string | Buffer;
  type?: 'file' | 'symlink' | 'link' | 'directory' | 'fifo';
  linkname?: string;
  /** Declared size, when it should differ from the body's. */
  size?: number;
}

export async function buildTarball(items: TarballItem[], extra: RawEntry[] = []): Promise<Buffer> {
  const entries: RawEntry[] = [{ name: FORMAT_VERSION_ENTRY, body: `${BACKUP_FORMAT_VERSION}\n` }];
  for (const item of items) {
    const body = JSON.stringify(item.object);
    const version = (item.object.apiVersion ?? 'v1').split('/').pop();
    const base = {
      groupResource: item.groupResource,
      namespace: item.object.metadata?.namespace,
      name: item.object.metadata?.name ?? '',
    };
    entries.push({ name: itemPath(base), body });
    if (!item.legacyOnly) entries.push({ name: itemPath({ ...base, version, preferred: true }), body });
  }
  return rawTarball([...entries, ...extra]);
}

export async function rawTarball(entries: RawEntry[]): Promise<Buffer> {
  const tar = pack();
  const done = buffer(tar.pipe(createGzip()));
  for (const e of entries) {
    const body = e.body === undefined ? undefined : Buffer.from(e.body);
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: e.name,
        type: e.type ?? 'file',
        linkname: e.linkname,
        size: e.type && e.type !== 'file' ? 0 : (body?.length ?? 0),
        mode: 0o755,
      };
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (e.type && e.type !== 'file') tar.entry(header, done);
      else tar.entry(header, body ?? Buffer.alloc(0), done);
    });
  }
  tar.finalize();
  return done;
}

export function streamOf(data: Buffer): Readable {
  return Readable.from([data]);
}
