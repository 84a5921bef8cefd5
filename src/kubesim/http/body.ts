import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { errorMessage } from '../../core/errors.ts';
import { badRequest, unsupportedMediaType } from '../apiserver/errors.ts';
import { decodeProtobuf } from '../apiserver/libs.ts';
import { ApiError, type PatchType } from '../apiserver/types.ts';

/**
 * Request bodies: read with a size limit (413 beyond it, as the real server's 3 MiB), then decoded by
 * Content-Type: JSON, YAML, Kubernetes protobuf, and the four patch types.
 */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    });
  });
}

function tooLarge(limit: number): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Request entity too large: limit is ${limit}`,
    reason: 'RequestEntityTooLarge',
    code: 413,
  });
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

const OBJECT_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

/** Decodes an object body (POST, PUT, DeleteOptions). */
export function decodeObject(body: Buffer, contentType: string | undefined): unknown {
  if (contentType === 'application/json') return parseJson(body); // what kubectl and client-node send
  const type = mediaType(contentType);
  switch (type) {
    case '':
    case 'application/json':
    case '*/*':
      return parseJson(body);
    case 'application/yaml':
    case 'application/x-yaml':
    case 'text/yaml':
      return parseYamlBody(body);
    case 'application/vnd.kubernetes.protobuf':
      return decodeProtobuf(body);
    default:
      throw unsupportedMediaType(type, OBJECT_TYPES);
  }
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

/** The patch type of a PATCH request; 415 for anything else. */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = mediaType(contentType);
  const patchType = PATCH_TYPES[type];
  if (!patchType || type === 'application/apply-patch+cbor') {
    throw unsupportedMediaType(type, [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/apply-patch+yaml',
      'application/strategic-merge-patch+json',
    ]);
  }
  return patchType;
}

export function decodePatch(body: Buffer, patchType: PatchType): unknown {
  return patchType === 'apply' ? parseYamlBody(body) : parseJson(body);
}

/**
 * The parser's complaint without the excerpt of the input V8 quotes in some messages: a body may carry Secret
 * data, and error messages end up in logs.
 */
export function describeJsonError(err: unknown): string {
  return errorMessage(err).replace(/, ".*" is not valid JSON$/s, '');
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw badRequest('the request body is empty; expected a JSON object');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${describeJsonError(err)}`);
  }
}

function parseYamlBody(body: Buffer): unknown {
  if (body.length === 0) throw badRequest('the request body is empty; expected a YAML or JSON object');
  const text = body.toString('utf8');
  // JSON is YAML, but JSON.parse is much faster and kubectl and client-node send JSON.
  if (text.trimStart().startsWith('{')) {
    try {
      return JSON.parse(text);
    } catch {
      // fall through to YAML, which accepts more
    }
  }
  try {
    return parseYaml(text, { prettyErrors: false });
  } catch (err) {
    throw badRequest(`the request body is not valid YAML: ${errorMessage(err)}`);
  }
}
