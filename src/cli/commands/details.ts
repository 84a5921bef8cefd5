import type { DownloadTargetKind } from '../../api/index.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Result, Results } from '../../core/results.ts';
import { type DownloadOptions, readGunzipped, withDownloadUrl } from '../download.ts';
import type { LifeboatClient } from '../kube/lifeboat-client.ts';
import type { DescribeText } from '../output/describe.ts';
import { mapOrNone } from '../output/resources.ts';

/** Name, Namespace, Labels and Annotations: the head of every `describe`. */
export function describeMetadata(
  d: DescribeText,
  meta: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  },
): void {
  const multi = (m: Record<string, string> | undefined) => mapOrNone(m).split(', ').join('\n');
  d.group([
    ['Name', meta.name ?? ''],
    ['Namespace', meta.namespace ?? ''],
    ['Labels', multi(meta.labels)],
    ['Annotations', multi(meta.annotations)],
  ]);
}

/** A gzip JSON side file of a backup or restore, through a DownloadRequest; a message instead when it fails. */
export async function downloadJson(
  client: LifeboatClient,
  kind: DownloadTargetKind,
  name: string,
  options: DownloadOptions,
): Promise<{ value: unknown } | { problem: string }> {
  try {
    const bytes = await withDownloadUrl(client, { kind, name }, options, (url) =>
      readGunzipped(url, `${kind} of "${name}"`),
    );
    return { value: JSON.parse(bytes.toString('utf8')) };
  } catch (err) {
    return { problem: errorMessage(err) };
  }
}

/** A resource list (`{"apps/v1/Deployment": ["ns/name", …]}`) as indented lines, sorted. */
export function resourceListLines(list: unknown): string[] {
  if (typeof list !== 'object' || list === null) return ['<none>'];
  const entries = Object.entries(list as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return ['<none>'];
  const lines: string[] = [];
  for (const [resource, items] of entries) {
    lines.push(`${resource}:`);
    for (const item of Array.isArray(items) ? items : []) lines.push(`  - ${String(item)}`);
  }
  return lines;
}

/** Errors or warnings of a results file, by where Velero files them. */
export function resultLines(result: Result | undefined): string[] {
  const lines: string[] = [];
  const block = (title: string, messages: readonly string[] | undefined) => {
    if (!messages || messages.length === 0) return;
    lines.push(`${title}:`);
    for (const m of messages) lines.push(`  ${m}`);
  };
  block('Lifeboat', result?.velero);
  block('Cluster', result?.cluster);
  for (const ns of Object.keys(result?.namespaces ?? {}).sort())
    block(`Namespace ${ns}`, result?.namespaces?.[ns]);
  return lines.length === 0 ? ['<none>'] : lines;
}

/** Adds "Errors:" and "Warnings:" sections from a downloaded results file (`--details`). */
export function describeResults(d: DescribeText, downloaded: { value: unknown } | { problem: string }): void {
  if ('problem' in downloaded) {
    d.group([['Errors and warnings', `<error getting results: ${downloaded.problem}>`]]).blank();
    return;
  }
  const results = downloaded.value as Partial<Results>;
  d.lines(['Errors:']).lines(resultLines(results.errors), 2).blank();
  d.lines(['Warnings:']).lines(resultLines(results.warnings), 2).blank();
}
