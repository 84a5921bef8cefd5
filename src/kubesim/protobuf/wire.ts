/**
 * The protocol buffers wire format, read-only: varints, 64/32-bit fixed values and length-delimited fields,
 * which is all the Kubernetes protobuf encoding uses. Malformed input throws `ProtobufError`.
 */

export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

export const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;

export type Field =
  | { number: number; wireType: 0; value: bigint }
  | { number: number; wireType: 2; value: Uint8Array }
  | { number: number; wireType: 1 | 5; value: Uint8Array };

/** Reads the fields of one message in order. */
export function* readFields(bytes: Uint8Array): Generator<Field> {
  let pos = 0;
  while (pos < bytes.length) {
    const [key, afterKey] = readVarint(bytes, pos);
    pos = afterKey;
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (number === 0) throw new ProtobufError('field number 0 is not valid');
    switch (wireType) {
      case WireType.Varint: {
        const [value, next] = readVarint(bytes, pos);
        pos = next;
        yield { number, wireType: 0, value };
        break;
      }
      case WireType.LengthDelimited: {
        const [length, next] = readVarint(bytes, pos);
        const end = next + Number(length);
        if (length > BigInt(bytes.length) || end > bytes.length) {
          throw new ProtobufError(`field ${number} is longer than the message`);
        }
        pos = end;
        yield { number, wireType: 2, value: bytes.subarray(next, end) };
        break;
      }
      case WireType.Fixed64:
      case WireType.Fixed32: {
        const size = wireType === WireType.Fixed64 ? 8 : 4;
        if (pos + size > bytes.length) throw new ProtobufError(`field ${number} is truncated`);
        yield { number, wireType, value: bytes.subarray(pos, pos + size) };
        pos += size;
        break;
      }
      default:
        throw new ProtobufError(`unsupported wire type ${wireType} for field ${number}`);
    }
  }
}

/** A base-128 varint as an unsigned 64-bit value, and the position after it. */
export function readVarint(bytes: Uint8Array, start: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  let pos = start;
  for (;;) {
    if (pos >= bytes.length) throw new ProtobufError('truncated varint');
    const byte = bytes[pos++];
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [BigInt.asUintN(64, result), pos];
    shift += 7n;
    if (shift > 63n) throw new ProtobufError('varint is longer than 10 bytes');
  }
}

/** Every varint packed into a length-delimited field (`repeated int64 … [packed=true]`). */
export function readPackedVarints(bytes: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const [value, next] = readVarint(bytes, pos);
    out.push(value);
    pos = next;
  }
  return out;
}

/** A signed 64-bit integer (`int64`, `int32` sign-extended) as a JSON number. */
export function toSignedNumber(value: bigint): number {
  return Number(BigInt.asIntN(64, value));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function toUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ProtobufError('string field is not valid UTF-8');
  }
}
