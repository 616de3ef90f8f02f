// An embedded S3 endpoint for tests of `publish`: an HTTP server on 127.0.0.1 that answers the REST calls
// @aws-sdk/client-s3 sends with path-style addressing (`/<bucket>` and `/<bucket>/<key>`, the subresource in the query),
// over buckets kept in memory. Point the SDK at it with AWS_ENDPOINT_URL_S3. It serves only what `publish` calls:
// CreateBucket, HeadBucket, Get/PutBucketVersioning, Get/PutPublicAccessBlock, Get/PutBucketEncryption,
// Get/PutBucketPolicy, HeadObject, PutObject and GetObject.
//
// Where S3's behaviour matters to `publish`, it behaves as S3 does:
// - a request is served in the region its signature names (the credential scope of the Authorization header): a
//   CreateBucket whose LocationConstraint is another region is IllegalLocationConstraintException; a call on a bucket
//   of another region is answered 301 with x-amz-bucket-region, as S3 answers a call sent to the wrong region;
// - a new bucket has S3's defaults since 2023: every public access block setting on, default encryption SSE-S3,
//   versioning never enabled, no bucket policy;
// - PutObject checks x-amz-checksum-sha256 against the body (BadDigest), keeps it, and HeadObject returns it when
//   asked with x-amz-checksum-mode: ENABLED;
// - with BlockPublicPolicy on, PutBucketPolicy refuses a policy that grants to every principal without a condition
//   (AccessDenied), the plainest case of what S3 calls public.
// `calls[operation]` counts every request received, whatever its outcome. An operation named in `denied` is
// answered 403 AccessDenied, as S3 answers a call the credentials may not make.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredObject {
  body: Buffer;
  checksumSha256?: string;
  versionId?: string;
}

export interface Bucket {
  region: string;
  versioning?: 'Enabled' | 'Suspended';
  publicAccessBlock: Record<PublicAccessBlockSetting, boolean>;
  sseAlgorithm: string;
  policy?: string;
  objects: Map<string, StoredObject>;
}

const PUBLIC_ACCESS_BLOCK = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
type PublicAccessBlockSetting = (typeof PUBLIC_ACCESS_BLOCK)[number];

export interface S3Endpoint {
  url: string;
  buckets: Map<string, Bucket>;
  calls: Record<string, number>;
  denied: Set<string>;
  close(): Promise<void>;
}

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface Request {
  method: string;
  bucket: string;
  key: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  region: string;
}

interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export async function startS3Endpoint(): Promise<S3Endpoint> {
  const buckets = new Map<string, Bucket>();
  const calls: Record<string, number> = {};
  const denied = new Set<string>();

  const bucketOf = (request: Request): Bucket => {
    const bucket = buckets.get(request.bucket);
    if (!bucket) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (bucket.region !== request.region) {
      throw new S3Error(301, 'PermanentRedirect', 'The bucket is in another region', { 'x-amz-bucket-region': bucket.region });
    }
    return bucket;
  };

  const operations: Record<string, (request: Request) => Answer> = {
    CreateBucket: (request) => {
      const location = xmlValue(request.body, 'LocationConstraint') ?? 'us-east-1';
      if (location !== request.region) {
        throw new S3Error(400, 'IllegalLocationConstraintException', `The ${location} location constraint is incompatible for the region specific endpoint this request was sent to.`);
      }
      if (buckets.has(request.bucket)) throw new S3Error(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.');
      buckets.set(request.bucket, {
        region: location,
        publicAccessBlock: Object.fromEntries(PUBLIC_ACCESS_BLOCK.map((name) => [name, true])) as Bucket['publicAccessBlock'],
        sseAlgorithm: 'AES256',
        objects: new Map(),
      });
      return { headers: { location: `/${request.bucket}` } };
    },
    HeadBucket: (request) => ({ headers: { 'x-amz-bucket-region': bucketOf(request).region } }),
    GetBucketVersioning: (request) => {
      const { versioning } = bucketOf(request);
      return xml('VersioningConfiguration', versioning ? `<Status>${versioning}</Status>` : '');
    },
    PutBucketVersioning: (request) => {
      const status = xmlValue(request.body, 'Status');
      if (status !== 'Enabled' && status !== 'Suspended') throw new S3Error(400, 'MalformedXML', 'Status must be Enabled or Suspended');
      bucketOf(request).versioning = status;
      return {};
    },
    GetPublicAccessBlock: (request) => {
      const settings = bucketOf(request).publicAccessBlock;
      return xml('PublicAccessBlockConfiguration', PUBLIC_ACCESS_BLOCK.map((name) => `<${name}>${settings[name]}</${name}>`).join(''));
    },
    PutPublicAccessBlock: (request) => {
      const bucket = bucketOf(request);
      for (const name of PUBLIC_ACCESS_BLOCK) bucket.publicAccessBlock[name] = xmlValue(request.body, name) === 'true';
      return {};
    },
    GetBucketEncryption: (request) =>
      xml(
        'ServerSideEncryptionConfiguration',
        `<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${bucketOf(request).sseAlgorithm}</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>`,
      ),
    PutBucketEncryption: (request) => {
      const algorithm = xmlValue(request.body, 'SSEAlgorithm');
      if (!algorithm) throw new S3Error(400, 'MalformedXML', 'SSEAlgorithm is missing');
      bucketOf(request).sseAlgorithm = algorithm;
      return {};
    },
    GetBucketPolicy: (request) => {
      const { policy } = bucketOf(request);
      if (policy === undefined) throw new S3Error(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist');
      return { headers: { 'content-type': 'application/json' }, body: policy };
    },
    PutBucketPolicy: (request) => {
      const bucket = bucketOf(request);
      const text = request.body.toString('utf8');
      let document: { Statement?: { Effect?: string; Principal?: unknown; Condition?: unknown }[] };
      try {
        document = JSON.parse(text);
      } catch {
        throw new S3Error(400, 'MalformedPolicy', 'Policies must be valid JSON');
      }
      const grantsEveryone = (document.Statement ?? []).some(
        (s) => s.Effect === 'Allow' && (s.Principal === '*' || (s.Principal as { AWS?: unknown })?.AWS === '*') && s.Condition === undefined,
      );
      if (grantsEveryone && bucket.publicAccessBlock.BlockPublicPolicy) throw new S3Error(403, 'AccessDenied', 'Access Denied');
      bucket.policy = text;
      return { status: 204 };
    },
    HeadObject: (request) => objectAnswer(request, bucketOf(request), false),
    GetObject: (request) => objectAnswer(request, bucketOf(request), true),
    PutObject: (request) => {
      const bucket = bucketOf(request);
      const sent = header(request, 'x-amz-checksum-sha256');
      if (sent !== undefined && sent !== createHash('sha256').update(request.body).digest('base64')) {
        throw new S3Error(400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
      }
      const versionId = bucket.versioning === 'Enabled' ? randomUUID() : undefined;
      bucket.objects.set(request.key, { body: request.body, checksumSha256: sent, versionId });
      return { headers: { etag: etag(request.body), ...(versionId ? { 'x-amz-version-id': versionId } : {}), ...(sent ? { 'x-amz-checksum-sha256': sent } : {}) } };
    },
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const [bucket = '', ...key] = url.pathname.slice(1).split('/');
      const request: Request = {
        method: req.method ?? 'GET',
        bucket: decodeURIComponent(bucket),
        key: key.map(decodeURIComponent).join('/'),
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks),
        region: /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\//.exec(req.headers.authorization ?? '')?.[1] ?? 'us-east-1',
      };
      const operation = operationOf(request);
      calls[operation] = (calls[operation] ?? 0) + 1;
      let answer: Answer;
      try {
        const serve = operations[operation];
        if (denied.has(operation)) throw new S3Error(403, 'AccessDenied', 'Access Denied');
        if (!serve) throw new S3Error(501, 'NotImplemented', `${operation} is not served here`);
        answer = serve(request);
      } catch (error) {
        if (!(error instanceof S3Error)) throw error;
        const body = request.method === 'HEAD' ? '' : xml('Error', `<Code>${error.code}</Code><Message>${error.message}</Message>`).body;
        answer = { status: error.status, headers: { 'content-type': 'application/xml', ...error.headers }, body };
      }
      const body = answer.body ?? '';
      res.writeHead(answer.status ?? 200, { 'x-amz-request-id': randomUUID(), 'content-length': String(Buffer.byteLength(body)), ...answer.headers });
      res.end(request.method === 'HEAD' ? undefined : body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    buckets,
    calls,
    denied,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The S3 operation a path-style request asks for, named as the API reference names it. */
function operationOf({ method, key, query }: Request): string {
  if (key !== '') return { HEAD: 'HeadObject', GET: 'GetObject', PUT: 'PutObject' }[method] ?? `${method} object`;
  const subresource = ['versioning', 'publicAccessBlock', 'encryption', 'policy'].find((name) => query.has(name));
  const names: Record<string, string> = {
    'PUT ': 'CreateBucket', 'HEAD ': 'HeadBucket',
    'GET versioning': 'GetBucketVersioning', 'PUT versioning': 'PutBucketVersioning',
    'GET publicAccessBlock': 'GetPublicAccessBlock', 'PUT publicAccessBlock': 'PutPublicAccessBlock',
    'GET encryption': 'GetBucketEncryption', 'PUT encryption': 'PutBucketEncryption',
    'GET policy': 'GetBucketPolicy', 'PUT policy': 'PutBucketPolicy',
  };
  return names[`${method} ${subresource ?? ''}`] ?? `${method} bucket ${subresource ?? ''}`.trim();
}

function objectAnswer(request: Request, bucket: Bucket, withBody: boolean): Answer {
  const object = bucket.objects.get(request.key);
  if (!object) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
  const checksum: Record<string, string> =
    header(request, 'x-amz-checksum-mode') === 'ENABLED' && object.checksumSha256 ? { 'x-amz-checksum-sha256': object.checksumSha256 } : {};
  return {
    headers: {
      etag: etag(object.body),
      'content-type': 'application/octet-stream',
      ...(object.versionId ? { 'x-amz-version-id': object.versionId } : {}),
      ...checksum,
      // HEAD says how long the body is without sending it.
      'content-length': String(object.body.length),
    },
    body: withBody ? object.body : '',
  };
}

function xml(root: string, inner: string): Answer {
  return { headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?><${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</${root}>` };
}

/** The text of the first element of that name in a small XML body (the configuration documents the SDK sends). */
function xmlValue(body: Buffer, element: string): string | undefined {
  return new RegExp(`<${element}>([^<]*)</${element}>`).exec(body.toString('utf8'))?.[1];
}

function header({ headers }: Request, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function etag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/** The environment a command needs to reach the embedded S3 endpoint, with no AWS configuration found by accident. */
export function s3Environment(url: string, dir: string): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL_S3: url,
    AWS_ACCESS_KEY_ID: 'embedded',
    AWS_SECRET_ACCESS_KEY: 'embedded',
    AWS_CONFIG_FILE: `${dir}/no-config`,
    AWS_SHARED_CREDENTIALS_FILE: `${dir}/no-credentials`,
  };
}
