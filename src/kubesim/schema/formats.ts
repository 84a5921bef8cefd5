import { isIP } from 'node:net';

/**
 * The OpenAPI `format`s a CustomResourceDefinition may use, checked as kube-openapi's strfmt registry checks
 * them (string formats) plus the integer ranges of `int32`/`int64`. Unknown formats accept everything, as on
 * the real server.
 */

const DATE_TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID_VERSION_RE = (v: number) =>
  new RegExp(`^[0-9a-f]{8}-?[0-9a-f]{4}-?${v}[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$`, 'i');
const MAC_RE =
  /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$|^([0-9a-f]{2}[:-]){7}[0-9a-f]{2}$|^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/i;
const HOSTNAME_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/i;
const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DURATION_RE =
  /^(\s*\d+(\.\d+)?\s*(ns|us|µs|ms|s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|wk|wks|week|weeks)\s*)+$/;
const BSON_OBJECT_ID_RE = /^[0-9a-f]{24}$/i;
const HEX_COLOR_RE = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;
const RGB_COLOR_RE = /^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/;
const SSN_RE = /^\d{3}[- ]?\d{2}[- ]?\d{4}$/;

function validDate(y: string, m: string, d: string): boolean {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

function isDateTime(s: string): boolean {
  const m = DATE_TIME_RE.exec(s);
  if (!m || !validDate(m[1], m[2], m[3])) return false;
  return Number(m[4]) < 24 && Number(m[5]) < 60 && (m[6] === undefined || Number(m[6]) < 61);
}

function isHostname(s: string): boolean {
  if (s.length === 0 || s.length > 255) return false;
  const trimmed = s.endsWith('.') ? s.slice(0, -1) : s;
  return trimmed.split('.').every((label) => label.length <= 63 && HOSTNAME_LABEL_RE.test(label));
}

function isCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  const family = isIP(ip);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

function isUri(s: string): boolean {
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function isIsbn10(s: string): boolean {
  const c = s.replace(/[- ]/g, '');
  if (!/^\d{9}[\dX]$/.test(c)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += (c[i] === 'X' ? 10 : Number(c[i])) * (10 - i);
  return sum % 11 === 0;
}

function isIsbn13(s: string): boolean {
  const c = s.replace(/[- ]/g, '');
  if (!/^\d{13}$/.test(c)) return false;
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(c[i]) * (i % 2 === 0 ? 1 : 3);
  return sum % 10 === 0;
}

const STRING_FORMATS: Record<string, (s: string) => boolean> = {
  'date-time': isDateTime,
  datetime: isDateTime,
  date: (s) => {
    const m = DATE_RE.exec(s);
    return m !== null && validDate(m[1], m[2], m[3]);
  },
  duration: (s) => DURATION_RE.test(s),
  uuid: (s) => UUID_RE.test(s),
  uuid3: (s) => UUID_VERSION_RE(3).test(s),
  uuid4: (s) => UUID_VERSION_RE(4).test(s),
  uuid5: (s) => UUID_VERSION_RE(5).test(s),
  ipv4: (s) => isIP(s) === 4,
  ipv6: (s) => isIP(s) === 6,
  cidr: isCidr,
  mac: (s) => MAC_RE.test(s),
  hostname: isHostname,
  email: (s) => EMAIL_RE.test(s),
  uri: isUri,
  byte: (s) => BASE64_RE.test(s),
  bsonobjectid: (s) => BSON_OBJECT_ID_RE.test(s),
  hexcolor: (s) => HEX_COLOR_RE.test(s),
  rgbcolor: (s) => RGB_COLOR_RE.test(s),
  ssn: (s) => SSN_RE.test(s),
  creditcard: (s) => {
    const digits = s.replace(/[- ]/g, '');
    return /^\d{12,19}$/.test(digits) && luhn(digits);
  },
  isbn: (s) => isIsbn10(s) || isIsbn13(s),
  isbn10: isIsbn10,
  isbn13: isIsbn13,
};

/** Whether `value` (a string) satisfies the string `format`; formats not known here always pass. */
export function checkStringFormat(format: string, value: string): boolean {
  const check = Object.hasOwn(STRING_FORMATS, format) ? STRING_FORMATS[format] : undefined;
  return check ? check(value) : true;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Whether an integer fits its `int32`/`int64` format (int64 within what JSON numbers carry exactly). */
export function checkIntegerFormat(format: string, value: number): boolean {
  if (format === 'int32') return value >= INT32_MIN && value <= INT32_MAX;
  if (format === 'int64') return Number.isSafeInteger(value) || Math.abs(value) <= 2 ** 63;
  return true;
}
