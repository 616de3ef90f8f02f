// The embedded ECR endpoint: an HTTP server on 127.0.0.1 speaking AWS JSON 1.1 as @aws-sdk/client-ecr sends it
// (POST /, X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Operation>), over an in-memory registry seeded
// from a registry file. Point any ECR client at `url` (or set AWS_ENDPOINT_URL_ECR); requests are not signed-checked.
//
// Behaviour the registry file injects:
// - `latencyMs`: every response, errors included, is delayed by this much.
// - `throttle.ratePerSecond`: one token bucket over all calls (burst of one second's worth); a call without a
//   token gets ThrottlingException (HTTP 400, as ECR sends it; the SDK's retry strategy treats it as throttling).
// - per-repository `faults` {Operation: ErrorName}: that operation always fails with that error code for that
//   repository (HTTP 400, 500 for ServerException), after request validation and the existence check.
//   A repository deleted mid-run is `{"GetLifecyclePolicy": "RepositoryNotFoundException", ...}` for each
//   per-repository operation: it is still listed by DescribeRepositories, but every call on it says it is gone.
//   `deleteRepository(name)` removes one for real at any moment.
//
// Counters: `calls[operation]` counts every request received, whatever its outcome (throttled, faulted, invalid),
// so "no mutating call was made" is `calls.PutLifecyclePolicy === 0 && calls.BatchDeleteImage === 0`;
// `throttled[operation]` counts those of them refused by the throttle. Both start at 0 for every served operation;
// requests for other operations are counted under their own names.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EcrError } from './errors';
import { EcrOperations } from './operations';
import { ECR_OPERATIONS, type EcrOperation, type Registry } from './registry-file';
import { isObject } from './request';
import { RegistryStore } from './store';
import { TokenBucket } from './token-bucket';

const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

export interface EcrEndpointOptions {
  /** 0 or unset: a free port. */
  port?: number;
}

export interface EcrEndpoint {
  url: string;
  port: number;
  calls: Record<string, number>;
  throttled: Record<string, number>;
  /** The current state, in the registry file format. */
  registry(): Registry;
  /** Removes a repository now, as if someone deleted it; false when there was none by that name. */
  deleteRepository(name: string): boolean;
  close(): Promise<void>;
}

export async function startEcrEndpoint(registry: Registry, options: EcrEndpointOptions = {}): Promise<EcrEndpoint> {
  const store = new RegistryStore(registry);
  const operations = new EcrOperations(store);
  const bucket = store.throttle ? new TokenBucket(store.throttle.ratePerSecond) : undefined;
  const calls: Record<string, number> = Object.fromEntries(ECR_OPERATIONS.map((op) => [op, 0]));
  const throttled: Record<string, number> = Object.fromEntries(ECR_OPERATIONS.map((op) => [op, 0]));

  const answer = async (req: IncomingMessage): Promise<{ status: number; body: object }> => {
    const body = await readBody(req);
    const target = header(req, 'x-amz-target');
    const operation = target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const counted = operation ?? '(no operation)';
    calls[counted] = (calls[counted] ?? 0) + 1;
    try {
      if (bucket && !bucket.tryTake()) {
        throttled[counted] = (throttled[counted] ?? 0) + 1;
        throw new EcrError('ThrottlingException', 'Rate exceeded');
      }
      if (req.method !== 'POST' || !operation || !(ECR_OPERATIONS as readonly string[]).includes(operation)) {
        throw new EcrError('UnknownOperationException', `Unknown operation ${target ?? '(no X-Amz-Target header)'}`);
      }
      const input = parseInput(body);
      return { status: 200, body: operations.handlers[operation as EcrOperation](input) };
    } catch (error) {
      if (error instanceof EcrError) return { status: error.httpStatus, body: error.body() };
      return { status: 500, body: { __type: 'ServerException', message: (error as Error).message } };
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    answer(req)
      .then(async ({ status, body }) => {
        if (store.latencyMs) await new Promise((resolve) => setTimeout(resolve, store.latencyMs));
        const text = JSON.stringify(body);
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'content-length': Buffer.byteLength(text),
          'x-amzn-requestid': randomUUID(),
        });
        res.end(text);
      })
      .catch(() => res.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    throttled,
    registry: () => store.toRegistry(),
    deleteRepository: (name) => store.repositories.delete(name),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients keep connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseInput(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    throw new EcrError('SerializationException', 'Request body is not valid JSON');
  }
  if (!isObject(input)) throw new EcrError('SerializationException', 'Request body must be a JSON object');
  return input;
}
