import { badRequest } from '../apiserver/errors.ts';
import { ApiError } from '../apiserver/types.ts';
import type { KubeObject } from '../registry/types.ts';
import {
  type FieldSpec,
  type FieldType,
  KINDS,
  type MessageSpec,
  messageSpec,
  type ScalarType,
} from './messages.ts';
import { type Field, ProtobufError, readFields, readPackedVarints, toSignedNumber, toUtf8 } from './wire.ts';

/**
 * Decodes a Kubernetes protobuf request body (`application/vnd.kubernetes.protobuf`): the `k8s\0` magic, a
 * `runtime.Unknown` envelope naming apiVersion and kind, and the object's own message, into the object's JSON
 * form. The messages are proto2 with non-nullable fields, so empty strings, zero numbers and empty messages
 * arrive explicitly; they are read as absent (JSON `omitempty`) unless the Go field is a pointer, whose zero
 * value was set on purpose (`replicas: 0`, `emptyDir: {}`). Fields the tables do not know are skipped.
 */

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/**
 * Throws `ApiError` 400 for a body that is not a valid envelope, and 415 naming the kind when kubesim has no
 * table for it (so the client can fall back to JSON: `kubectl create -f` sends JSON).
 */
export function decodeKubernetesProtobuf(body: Uint8Array): KubeObject {
  if (body.length < MAGIC.length || MAGIC.some((b, i) => body[i] !== b)) {
    throw badRequest('the protobuf body does not start with the Kubernetes magic "k8s\\x00"');
  }
  try {
    const envelope = decodeEnvelope(body.subarray(MAGIC.length));
    const message = KINDS.get(`${envelope.apiVersion}/${envelope.kind}`);
    if (!message) throw unsupportedKind(envelope.apiVersion, envelope.kind);
    const object = decodeMessage(envelope.raw, messageSpec(message));
    return {
      apiVersion: envelope.apiVersion,
      kind: envelope.kind,
      ...object,
      metadata: (object.metadata ?? {}) as KubeObject['metadata'],
    };
  } catch (err) {
    if (err instanceof ProtobufError) throw badRequest(`unable to decode the protobuf body: ${err.message}`);
    throw err;
  }
}

/** The kinds (`apiVersion/kind`) kubesim decodes from protobuf. */
export function decodableKinds(): string[] {
  return [...KINDS.keys()];
}

function decodeEnvelope(bytes: Uint8Array): { apiVersion: string; kind: string; raw: Uint8Array } {
  const envelope = { apiVersion: '', kind: '', raw: new Uint8Array() as Uint8Array, encoding: '' };
  for (const field of readFields(bytes)) {
    if (field.wireType !== 2) continue;
    if (field.number === 1) readTypeMeta(field.value, envelope);
    else if (field.number === 2) envelope.raw = field.value;
    else if (field.number === 3) envelope.encoding = toUtf8(field.value);
  }
  if (envelope.kind === '') throw new ProtobufError('the envelope does not name a kind');
  if (envelope.encoding !== '') {
    throw new ProtobufError(`content encoding ${JSON.stringify(envelope.encoding)} is not supported`);
  }
  return envelope;
}

function readTypeMeta(bytes: Uint8Array, into: { apiVersion: string; kind: string }): void {
  for (const field of readFields(bytes)) {
    if (field.wireType !== 2) continue;
    if (field.number === 1) into.apiVersion = toUtf8(field.value);
    else if (field.number === 2) into.kind = toUtf8(field.value);
  }
}

function unsupportedKind(apiVersion: string, kind: string): ApiError {
  const what = `${apiVersion}, Kind=${kind}`;
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `the body of the request was in an unknown format - kubesim cannot decode ${what} from protobuf; accepted media types include: application/json, application/yaml`,
    reason: 'UnsupportedMediaType',
    details: {
      causes: [{ reason: 'UnexpectedServerResponse', message: `${PROTOBUF_CONTENT_TYPE} for ${what}` }],
    },
    code: 415,
  });
}

type Json = Record<string, unknown>;

function decodeMessage(bytes: Uint8Array, spec: MessageSpec): Json {
  const out: Json = {};
  const present = new Set<string>();
  for (const field of readFields(bytes)) {
    const fieldSpec = spec.get(field.number);
    if (!fieldSpec) continue;
    readField(out, present, field, fieldSpec);
  }
  const optional = nonPointerNames(spec);
  for (const [name, value] of Object.entries(out)) {
    if (optional.has(name) && isZero(value)) delete out[name];
  }
  return out;
}

const nonPointerCache = new WeakMap<MessageSpec, Set<string>>();

/** Fields whose zero value means "not set" (everything but Go pointers). */
function nonPointerNames(spec: MessageSpec): Set<string> {
  let names = nonPointerCache.get(spec);
  if (!names) {
    names = new Set([...spec.values()].filter((f) => !f.pointer).map((f) => f.name));
    nonPointerCache.set(spec, names);
  }
  return names;
}

function readField(out: Json, present: Set<string>, field: Field, spec: FieldSpec): void {
  const { type } = spec;
  if (type.kind === 'map') {
    if (field.wireType !== 2) throw new ProtobufError(`map field ${spec.name} is not length-delimited`);
    const map = (out[spec.name] ?? {}) as Json;
    const [k, v] = decodeMapEntry(field.value, type);
    map[k] = v;
    out[spec.name] = map;
    return;
  }
  if (spec.repeated) {
    const list = (out[spec.name] ?? []) as unknown[];
    if (type.kind === 'scalar' && field.wireType === 2 && isVarintScalar(type.scalar)) {
      for (const v of readPackedVarints(field.value)) list.push(convertVarint(v, type.scalar, spec.name));
    } else {
      list.push(decodeSingle(field, type, spec.name));
    }
    out[spec.name] = list;
    return;
  }
  const value = decodeSingle(field, type, spec.name);
  if (spec.inline && isObject(value)) {
    Object.assign(out, value);
    return;
  }
  if (value === undefined) return;
  // A repeated occurrence of a singular message merges into the first, as protobuf specifies.
  if (present.has(spec.name) && isObject(out[spec.name]) && isObject(value))
    Object.assign(out[spec.name] as Json, value);
  else out[spec.name] = value;
  present.add(spec.name);
}

function decodeSingle(field: Field, type: FieldType, name: string): unknown {
  if (type.kind === 'message') {
    if (field.wireType !== 2) throw new ProtobufError(`field ${name} should be a message`);
    return decodeMessage(field.value, messageSpec(type.message));
  }
  if (type.kind === 'map') throw new ProtobufError(`field ${name} is a map`);
  return decodeScalar(field, type.scalar, name);
}

function isVarintScalar(scalar: ScalarType): boolean {
  return scalar === 'int32' || scalar === 'int64' || scalar === 'bool';
}

function convertVarint(value: bigint, scalar: ScalarType, name: string): unknown {
  if (scalar === 'bool') return value !== 0n;
  if (scalar === 'int32' || scalar === 'int64') return toSignedNumber(value);
  throw new ProtobufError(`field ${name} should be length-delimited`);
}

function decodeScalar(field: Field, scalar: ScalarType, name: string): unknown {
  if (field.wireType === 0) return convertVarint(field.value, scalar, name);
  if (field.wireType !== 2) throw new ProtobufError(`field ${name} has an unexpected fixed-width encoding`);
  const bytes = field.value;
  switch (scalar) {
    case 'string':
      return toUtf8(bytes);
    case 'bytes':
      return Buffer.from(bytes).toString('base64');
    case 'time':
      return decodeTime(bytes);
    case 'quantity':
      return decodeFirstString(bytes);
    case 'intstr':
      return decodeIntOrString(bytes);
    case 'fieldsV1': {
      const raw = readFieldBytes(bytes, 1);
      return raw ? JSON.parse(toUtf8(raw)) : {};
    }
    default:
      throw new ProtobufError(`field ${name} should be a varint`);
  }
}

function readFieldBytes(bytes: Uint8Array, number: number): Uint8Array | undefined {
  let found: Uint8Array | undefined;
  for (const field of readFields(bytes))
    if (field.number === number && field.wireType === 2) found = field.value;
  return found;
}

function decodeFirstString(bytes: Uint8Array): string {
  const raw = readFieldBytes(bytes, 1);
  return raw ? toUtf8(raw) : '';
}

/** `metav1.Time` {seconds, nanos} as RFC 3339 with second precision; the zero time is absent. */
function decodeTime(bytes: Uint8Array): string | undefined {
  let seconds = 0;
  for (const field of readFields(bytes)) {
    if (field.number === 1 && field.wireType === 0) seconds = toSignedNumber(field.value);
  }
  if (seconds === 0) return undefined;
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
}

/** `intstr.IntOrString` {type, intVal, strVal}: type 1 is a string, anything else an integer. */
function decodeIntOrString(bytes: Uint8Array): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  for (const field of readFields(bytes)) {
    if (field.number === 1 && field.wireType === 0) type = toSignedNumber(field.value);
    else if (field.number === 2 && field.wireType === 0) intVal = toSignedNumber(field.value);
    else if (field.number === 3 && field.wireType === 2) strVal = toUtf8(field.value);
  }
  return type === 1 ? strVal : intVal;
}

function decodeMapEntry(bytes: Uint8Array, type: Extract<FieldType, { kind: 'map' }>): [string, unknown] {
  let key = '';
  let value: unknown;
  for (const field of readFields(bytes)) {
    if (field.number === 1 && field.wireType === 2) key = toUtf8(field.value);
    else if (field.number === 2) value = decodeSingle(field, type.value, key);
  }
  if (value === undefined) value = type.value.kind === 'message' ? {} : zeroOf(type.value.scalar);
  return [key, value];
}

function zeroOf(scalar: ScalarType): unknown {
  switch (scalar) {
    case 'int32':
    case 'int64':
      return 0;
    case 'bool':
      return false;
    default:
      return '';
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isZero(value: unknown): boolean {
  if (value === undefined || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isObject(value)) return Object.keys(value).length === 0;
  return false;
}
