/**
 * Structural scans of a list answer's JSON bytes, for callers that keep the items as the API server sent them
 * (the backup tarball) and so need to know where each item lies, and at most its metadata, without decoding
 * every item into objects. Only the structure is followed: strings are skipped whole (`indexOf` to the next
 * unescaped quote), brackets counted outside them. Inputs that do not look like a list make the scans answer
 * undefined, and callers then parse the text the ordinary way.
 */

/** What a metadata digest keeps of an item's metadata: what deciding whether to back it up needs. */
export type ItemMetadataDigest = {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  deletionTimestamp?: string;
};

export interface ListDigest {
  /** The list's own `metadata` (resourceVersion, continue). */
  metadata: { resourceVersion?: string; continue?: string };
  /** Item `i` is `text[bounds[2i], bounds[2i+1])`. */
  bounds: number[];
  /** Item `i`'s metadata digest (empty when the item has no metadata object). */
  items: ItemMetadataDigest[];
  /** Whether the items carry `kind` and `apiVersion` themselves (all do, or none does). */
  typed: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
/** JSON whitespace (comparisons: a Set lookup per byte cost more than the rest of the scan's step). */
const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
/** Comma or JSON whitespace. */
const isSeparator = (c: number): boolean => c === 0x2c || isWhitespace(c);

const key = (name: string): Buffer => Buffer.from(`"${name}"`);
const KEYS = {
  items: key('items'),
  metadata: key('metadata'),
  kind: key('kind'),
  apiVersion: key('apiVersion'),
  name: key('name'),
  namespace: key('namespace'),
  labels: key('labels'),
  deletionTimestamp: key('deletionTimestamp'),
};

/**
 * Start and end offsets (flat pairs) of the elements of the top-level `items` array in a list's JSON text,
 * or undefined when an element is not an object.
 */
export function itemBounds(text: Buffer): number[] | undefined {
  const state: ScanState = { bounds: [], depth: 0, lastKeyAt: -1, inItems: false };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === QUOTE) {
      if (state.depth === 1) state.lastKeyAt = i;
      i = stringEnd(text, i);
      if (i < 0) return undefined;
    } else if (!structure(text, c, i, state)) {
      return undefined;
    }
  }
  return state.depth === 0 ? state.bounds : undefined;
}

interface ScanState {
  bounds: number[];
  depth: number;
  /** Where the last string at depth 1 started (the key of a depth-1 value that follows). */
  lastKeyAt: number;
  /** Inside the top-level `items` array. */
  inItems: boolean;
}

/** Follows one byte outside strings; false when an `items` element turns out not to be an object. */
function structure(text: Buffer, c: number, i: number, state: ScanState): boolean {
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    if (state.depth === 1 && c === OPEN_ARRAY) state.inItems = keyAt(text, state.lastKeyAt, KEYS.items);
    else if (state.depth === 2 && state.inItems) {
      if (c !== OPEN_OBJECT) return false;
      state.bounds.push(i);
    }
    state.depth++;
    return true;
  }
  if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
    state.depth--;
    if (state.depth === 2 && state.inItems) state.bounds.push(i + 1);
    else if (state.depth === 1) state.inItems = false;
    return true;
  }
  // Between elements only commas and whitespace; anything else is a scalar element (null, a number).
  return !(state.depth === 2 && state.inItems && !isSeparator(c));
}

/**
 * One pass over a list answer that finds each item's bytes and reads, of each item, only the metadata fields
 * of {@link ItemMetadataDigest} (labels through `JSON.parse` of their own bytes, strings decoded only when
 * they hold escapes). About a third of the cost of parsing the whole list, and it allocates nothing for the
 * items' bodies. Undefined when the text is not a list of objects, or some items carry `kind`/`apiVersion`
 * and others do not.
 */
export function digestList(text: Buffer): ListDigest | undefined {
  const scan = new DigestScan(text);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === QUOTE) {
      i = scan.string(i);
      if (i < 0) return undefined;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (!scan.open(c, i)) return undefined;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      scan.close(i);
    } else if (scan.depth === 2 && scan.inItems && !isSeparator(c)) {
      return undefined; // a scalar element of items
    }
  }
  return scan.result();
}

/**
 * The state of {@link digestList}. Depths: 1 is inside the list object, 2 inside `items`, 3 inside an item,
 * 4 inside the item's `metadata`. A key is a string followed by a colon; the last key seen at depths 1, 3
 * and 4 names the object or array value that opens next.
 */
class DigestScan {
  readonly #text: Buffer;
  readonly #bounds: number[] = [];
  readonly #items: ItemMetadataDigest[] = [];
  #listMetadata: ListDigest['metadata'] = {};
  depth = 0;
  inItems = false;
  #key1 = -1;
  #key3 = -1;
  #key4 = -1;
  #listMetadataAt = -1;
  #labelsAt = -1;
  #meta: ItemMetadataDigest | undefined;
  #inMeta = false;
  /** `kind` and `apiVersion` keys of the current item, and items that had both. */
  #typeKeys = 0;
  #typed = 0;

  constructor(text: Buffer) {
    this.#text = text;
  }

  /** Reads the string opening at `open`; returns where it closes (-1: unterminated). */
  string(open: number): number {
    const text = this.#text;
    const close = stringEnd(text, open);
    if (close < 0) return -1;
    const depth = this.depth;
    if (depth === 1) {
      if (isKey(text, close)) this.#key1 = open;
    } else if (depth === 3) {
      if (this.inItems && isKey(text, close)) {
        this.#key3 = open;
        if (keyAt(text, open, KEYS.kind) || keyAt(text, open, KEYS.apiVersion)) this.#typeKeys++;
      }
    } else if (depth === 4 && this.#inMeta) {
      if (isKey(text, close)) this.#key4 = open;
      else this.#metadataString(open, close);
    }
    return close;
  }

  /** An object or array opens at `at`; false when an element of `items` is not an object. */
  open(c: number, at: number): boolean {
    const text = this.#text;
    const depth = this.depth++;
    if (depth === 1) {
      if (c === OPEN_ARRAY) this.inItems = keyAt(text, this.#key1, KEYS.items);
      else if (keyAt(text, this.#key1, KEYS.metadata)) this.#listMetadataAt = at;
    } else if (depth === 2 && this.inItems) {
      if (c !== OPEN_OBJECT) return false;
      this.#bounds.push(at);
      this.#meta = {};
      this.#typeKeys = 0;
    } else if (depth === 3 && this.inItems && c === OPEN_OBJECT) {
      this.#inMeta = keyAt(text, this.#key3, KEYS.metadata);
    } else if (depth === 4 && this.#inMeta && c === OPEN_OBJECT && keyAt(text, this.#key4, KEYS.labels)) {
      this.#labelsAt = at;
    }
    return true;
  }

  /** An object or array closes at `at`. */
  close(at: number): void {
    const depth = --this.depth;
    if (depth === 2 && this.inItems) {
      this.#bounds.push(at + 1);
      this.#items.push(this.#meta ?? {});
      this.#meta = undefined;
      if (this.#typeKeys >= 2) this.#typed++;
    } else if (depth === 3) {
      this.#inMeta = false;
    } else if (depth === 4 && this.#labelsAt >= 0) {
      if (this.#meta) this.#meta.labels = parseSlice(this.#text, this.#labelsAt, at + 1);
      this.#labelsAt = -1;
    } else if (depth === 1) {
      if (this.#listMetadataAt >= 0)
        this.#listMetadata = parseSlice(this.#text, this.#listMetadataAt, at + 1);
      this.#listMetadataAt = -1;
      this.inItems = false;
    }
  }

  result(): ListDigest | undefined {
    const items = this.#items;
    if (this.depth !== 0 || (this.#typed !== 0 && this.#typed !== items.length)) return undefined;
    return {
      metadata: this.#listMetadata,
      bounds: this.#bounds,
      items,
      typed: items.length > 0 && this.#typed === items.length,
    };
  }

  /** A string value directly in an item's metadata: kept when its key is one the digest holds. */
  #metadataString(open: number, close: number): void {
    const meta = this.#meta;
    const text = this.#text;
    const key = this.#key4;
    if (!meta) return;
    if (keyAt(text, key, KEYS.name)) meta.name = stringValue(text, open, close);
    else if (keyAt(text, key, KEYS.namespace)) meta.namespace = stringValue(text, open, close);
    else if (keyAt(text, key, KEYS.deletionTimestamp))
      meta.deletionTimestamp = stringValue(text, open, close);
  }
}

function parseSlice<T>(text: Buffer, start: number, end: number): T {
  return JSON.parse(text.toString('utf8', start, end)) as T;
}

/** Whether the string closing at `close` is a key (a colon follows it). */
function isKey(text: Buffer, close: number): boolean {
  return nextByte(text, close + 1) === COLON;
}

/** The offset of the quote that closes the string opening at `open` (one not escaped), or -1. */
export function stringEnd(text: Buffer, open: number): number {
  let close = text.indexOf(QUOTE, open + 1);
  while (close > 0) {
    let slashes = 0;
    while (text[close - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return close;
    close = text.indexOf(QUOTE, close + 1);
  }
  return -1;
}

/** `{}` with any whitespace inside. */
export function isEmptyObject(text: Buffer, start: number, end: number): boolean {
  for (let i = start + 1; i < end - 1; i++) if (!isWhitespace(text[i])) return false;
  return true;
}

/** Whether the string starting at `at` is exactly `quoted` (a key with its quotes). */
function keyAt(text: Buffer, at: number, quoted: Buffer): boolean {
  // A byte loop: Buffer#compare with offsets validates its arguments in JavaScript on every call, which
  // cost more than the scan itself.
  if (at < 0 || at + quoted.length > text.length) return false;
  for (let j = 0; j < quoted.length; j++) if (text[at + j] !== quoted[j]) return false;
  return true;
}

/** The first byte from `from` that is not whitespace (-1 at the end). */
function nextByte(text: Buffer, from: number): number {
  for (let i = from; i < text.length; i++) if (!isWhitespace(text[i])) return text[i];
  return -1;
}

/** The string between the quotes at `open` and `close`, decoded as JSON when it holds an escape. */
function stringValue(text: Buffer, open: number, close: number): string {
  for (let j = open + 1; j < close; j++)
    if (text[j] === BACKSLASH) return JSON.parse(text.toString('utf8', open, close + 1)) as string;
  return text.toString('utf8', open + 1, close);
}
