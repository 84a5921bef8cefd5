import { readFileSync } from 'node:fs';

/**
 * uid/gid → name from /etc/passwd and /etc/group, read once per backup (restic stores `user` and `group`
 * beside the numeric ids). Missing files or unknown ids give empty names.
 */
export class OwnerNames {
  readonly #users = new Map<number, string>();
  readonly #groups = new Map<number, string>();

  constructor(passwd = '/etc/passwd', group = '/etc/group') {
    load(passwd, this.#users);
    load(group, this.#groups);
  }

  user(uid: number): string {
    return this.#users.get(uid) ?? '';
  }

  group(gid: number): string {
    return this.#groups.get(gid) ?? '';
  }
}

function load(path: string, into: Map<number, string>): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && !into.has(Number(f[2]))) into.set(Number(f[2]), f[0]);
  }
}
