import { readFile } from 'node:fs/promises';
import { errnoOf, LifeboatError } from '../core/errors.ts';

/** Static AWS credentials, as read from a credentials file or a Secret. Never log this object. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Parses an AWS-style credentials file (the INI format of `~/.aws/credentials`, which is also what a Velero
 * `cloud-credentials` Secret holds) and returns the keys of `profile`. Sections may be written `[name]` or
 * `[profile name]`; `#` and `;` start comment lines; keys are case-insensitive. Throws `Invalid` when the
 * profile is missing or incomplete; the error names the profile and the missing key, never a value.
 */
export function parseAwsCredentialsFile(text: string, profile = 'default'): AwsCredentials {
  const sections = parseIni(text);
  const values = sections.get(profile);
  if (values === undefined) {
    const known = [...sections.keys()].map((name) => JSON.stringify(name)).join(', ') || 'none';
    throw new LifeboatError('Invalid', `credentials file has no profile "${profile}" (profiles: ${known})`, {
      field: 'profile',
    });
  }
  const accessKeyId = values.get('aws_access_key_id');
  const secretAccessKey = values.get('aws_secret_access_key');
  for (const [name, value] of [
    ['aws_access_key_id', accessKeyId],
    ['aws_secret_access_key', secretAccessKey],
  ] as const) {
    if (!value)
      throw new LifeboatError('Invalid', `credentials file profile "${profile}" has no ${name}`, {
        field: 'credentialsFile',
      });
  }
  const sessionToken = values.get('aws_session_token');
  return sessionToken
    ? { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, sessionToken }
    : { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! };
}

/** Reads and parses a credentials file; a missing or unreadable file is `Invalid` naming the path only. */
export async function readAwsCredentialsFile(path: string, profile = 'default'): Promise<AwsCredentials> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = errnoOf(err) ?? 'error';
    throw new LifeboatError('Invalid', `cannot read credentials file ${path} (${code})`, {
      field: 'credentialsFile',
    });
  }
  return parseAwsCredentialsFile(text, profile);
}

function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*(?:profile\s+)?([^\]]*?)\s*\]$/.exec(line);
    if (header) {
      const name = header[1];
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || current === undefined) continue;
    current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return sections;
}
