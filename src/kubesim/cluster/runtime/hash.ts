/**
 * Template hashes as the workload controllers compute them: FNV-1a 32 over a stable serialization, written
 * in the alphabet `rand.SafeEncodeString` uses, so names look like `web-7d9f8b6c5d`.
 */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  const bytes = Buffer.from(text, 'utf8');
  for (const b of bytes) {
    hash ^= b;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** JSON with object keys sorted, so equal templates hash equally whatever their key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function safeEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += SAFE[text.charCodeAt(i) % SAFE.length];
  return out;
}

/** The `pod-template-hash` / `controller-revision-hash` suffix of a template (plus a collision count). */
export function templateHash(template: unknown, collisionCount = 0): string {
  const seed = collisionCount ? `${stableJson(template)}#${collisionCount}` : stableJson(template);
  return safeEncode(String(fnv32a(seed)));
}
