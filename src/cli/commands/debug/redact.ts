/** What replaces every secret value in a support bundle. */
export const REDACTED = '<redacted>';

const SECRETISH_KEY =
  /(password|passwd|secret|token|credential|access[-_]?key|account[-_]?key|api[-_]?key|private[-_]?key|sas)/i;

/**
 * A copy of a Kubernetes object fit for a bundle: a Secret keeps its keys but not their values; any other
 * object keeps its shape, with string values under secret-looking keys (`password`, `token`, …) replaced
 * and the last-applied annotation (a full copy of the object) dropped.
 */
export function redactObject(object: unknown): unknown {
  const o = object as { kind?: string; data?: Record<string, unknown>; stringData?: Record<string, unknown> };
  if (o && o.kind === 'Secret') {
    const blank = (m?: Record<string, unknown>) =>
      m ? Object.fromEntries(Object.keys(m).map((k) => [k, REDACTED])) : undefined;
    return deepRedact({ ...o, data: blank(o.data), stringData: blank(o.stringData) }, false);
  }
  return deepRedact(object, false);
}

function deepRedact(value: unknown, underSecretKey: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => deepRedact(v, underSecretKey));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'kubectl.kubernetes.io/last-applied-configuration') continue;
      // A reference names a Secret (secretKeyRef, credential: {name, key}): names are not values.
      const secretish = SECRETISH_KEY.test(k) && !/ref$|name$/i.test(k);
      out[k] = deepRedact(v, secretish);
    }
    return out;
  }
  if (typeof value === 'string' && underSecretKey) return REDACTED;
  return value;
}

/**
 * Text (logs, messages) with secrets removed: every known secret value (the Secrets' data, decoded, and
 * their base64 forms), `key=value`/`"key": "value"` pairs whose key looks secret, bearer tokens, and
 * AWS access key ids.
 */
export function redactText(text: string, knownSecrets: readonly string[]): string {
  let out = text;
  for (const secret of knownSecrets) if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  out = out.replace(
    /((?:password|passwd|secret|token|credential|access[-_]?key(?:[-_]?id)?|account[-_]?key|api[-_]?key|sas)[a-z_-]*["']?\s*[:=]\s*["']?)([^\s"',}&]+)/gi,
    `$1${REDACTED}`,
  );
  out = out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, `$1${REDACTED}`);
  out = out.replace(/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED);
  return out;
}

/** Every value of the Secrets, decoded, plus each line of multi-line values (credentials files). */
export function secretValues(secrets: readonly { data?: Record<string, string> }[]): string[] {
  const values = new Set<string>();
  for (const s of secrets)
    for (const encoded of Object.values(s.data ?? {})) {
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      values.add(encoded);
      values.add(decoded);
      for (const line of decoded.split(/\r?\n/)) {
        const trimmed = line.trim();
        if (trimmed.length >= 4) values.add(trimmed);
        const eq = trimmed.indexOf('=');
        if (eq > 0 && trimmed.length - eq > 4) values.add(trimmed.slice(eq + 1).trim());
      }
    }
  // Longest first, so a value containing another is removed whole.
  return [...values].sort((a, b) => b.length - a.length);
}
