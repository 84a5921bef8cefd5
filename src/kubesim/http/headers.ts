import type { IncomingMessage } from 'node:http';

/**
 * One request header, read from `rawHeaders`. Node builds `req.headers` (every header, lower-cased, in a fresh
 * object) on first access; the API routes need two or three values per request, so they look those up here.
 * Duplicates follow Node's rules for the headers the routes read: `accept` values are joined with ", ", and
 * for the others the first one wins.
 */
export function requestHeader(req: IncomingMessage, lowerName: string): string | undefined {
  const raw = req.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length !== lowerName.length || name.toLowerCase() !== lowerName) continue;
    if (value === undefined) value = raw[i + 1];
    else if (lowerName === 'accept') value = `${value}, ${raw[i + 1]}`;
    else break;
  }
  return value;
}
