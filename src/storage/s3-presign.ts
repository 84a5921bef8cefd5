import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';

/** The parts of the SDK's HTTP request that a URL is made of. */
interface RequestShape {
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
}

/**
 * A presigned GET URL for `bucket/key`, valid `expiresInSeconds`, signed with Signature V4 by the SDK's own
 * signer (`@smithy/signature-v4`, what `@aws-sdk/s3-request-presigner` uses; that package is not installed).
 *
 * The request is built by the client's own middleware stack, so endpoint resolution (custom endpoint,
 * path-style or virtual-hosted addressing, region) is exactly the client's; it is intercepted just before
 * signing and never sent. Only the `host` header is signed and the payload is `UNSIGNED-PAYLOAD`, so a plain
 * `fetch` or `curl` of the URL works.
 */
export async function presignGetObject(
  client: S3Client,
  bucket: string,
  key: string,
  expiresInSeconds: number,
): Promise<string> {
  const command = new GetObjectCommand({ Bucket: bucket, Key: key });
  const stack = client.middlewareStack.clone();
  let captured: RequestShape | undefined;
  stack.addRelativeTo(
    () => async (args: { request: unknown }) => {
      captured = args.request as RequestShape;
      return { response: {}, output: { $metadata: {} } };
    },
    {
      name: 'lifeboatCaptureForPresign',
      relation: 'before',
      toMiddleware: 'httpSigningMiddleware',
      override: true,
    },
  );
  const handler = command.resolveMiddleware(stack as typeof client.middlewareStack, client.config, {});
  await handler({ input: command.input });
  if (captured === undefined) throw new Error('the S3 client did not build a request to sign');

  const host = captured.port === undefined ? captured.hostname : `${captured.hostname}:${captured.port}`;
  const signer = new SignatureV4({
    credentials: client.config.credentials,
    region: client.config.region,
    service: 's3',
    sha256: client.config.sha256,
    // S3 signs the path as sent: its keys are escaped once, not twice as other services expect.
    uriEscapePath: false,
  });
  const presigned = (await signer.presign(
    {
      method: 'GET',
      protocol: captured.protocol,
      hostname: captured.hostname,
      port: captured.port,
      path: captured.path,
      query: { ...(captured.query ?? {}) },
      headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    },
    { expiresIn: expiresInSeconds },
  )) as RequestShape;
  return formatUrl(presigned);
}

function formatUrl(request: RequestShape): string {
  const query = Object.entries(request.query ?? {})
    .flatMap(([name, value]) =>
      value === null
        ? [escapeRfc3986(name)]
        : (Array.isArray(value) ? value : [value]).map((v) => `${escapeRfc3986(name)}=${escapeRfc3986(v)}`),
    )
    .join('&');
  const port = request.port === undefined ? '' : `:${request.port}`;
  return `${request.protocol}//${request.hostname}${port}${request.path}${query ? `?${query}` : ''}`;
}

/** RFC 3986 escaping, as Signature V4 canonicalizes query strings. */
function escapeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
