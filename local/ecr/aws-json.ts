// The HTTP side of an embedded AWS endpoint that speaks the AWS JSON protocol (1.0 or 1.1) as the SDK v3 clients
// send it: POST /, `X-Amz-Target: <targetPrefix>.<Operation>`, a JSON object as the body, and errors as a JSON body
// `{"__type": Code, "message": ...}` with a 4xx/5xx status. The SDK takes the error code from `__type` (falling back
// to the x-amzn-errortype header, which is sent too) and raises its own exception class of that name.
// Requests are not signature-checked; the access key id they are signed with is read, to tell who calls. The embedded ECR endpoint (local/ecr/server.ts) is built on this.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isObject } from '../../functions/lib/json';

/** An error the service answers with: its code goes out as `__type`. */
export class AwsJsonError extends Error {
  constructor(
    /** The service's error code, e.g. RepositoryNotFoundException or ExecutionAlreadyExists. */
    readonly code: string,
    message: string,
    /** 400 for client errors; a 5xx tells the SDK the call may be retried. */
    readonly httpStatus: number = 400,
  ) {
    super(message);
    this.name = code;
  }

  body(): { __type: string; message: string } {
    return { __type: this.code, message: this.message };
  }
}

export interface AwsJsonRequest {
  method: string;
  /** The X-Amz-Target header as sent, if any. */
  target?: string;
  /** The operation named by X-Amz-Target when it carries the service's prefix. */
  operation?: string;
  /** The raw body; parse it with parseJsonObject once the operation is known to be served. */
  body: string;
  /** The access key id the request is signed with (Signature Version 4: `Credential=<id>/...`), if any. */
  accessKeyId?: string;
}

export interface AwsJsonResponse {
  status: number;
  body: object;
}

export interface AwsJsonServerOptions {
  /** The service's target prefix without the dot, e.g. AmazonEC2ContainerRegistry_V20150921. */
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
  /** 0 or unset: a free port. */
  port?: number;
  /** Answers one request. An AwsJsonError thrown here is the error response; any other error is a 500. */
  answer: (request: AwsJsonRequest) => AwsJsonResponse | Promise<AwsJsonResponse>;
  /** The code of the 500 answered for an unexpected error (the service's own server fault). */
  internalErrorCode: string;
  /** Milliseconds every response, errors included, is held back. */
  latencyMs?: () => number;
}

export interface AwsJsonServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startAwsJsonServer(options: AwsJsonServerOptions): Promise<AwsJsonServer> {
  const prefix = `${options.targetPrefix}.`;
  const contentType = `application/x-amz-json-${options.jsonVersion}`;

  const respond = async (req: IncomingMessage): Promise<AwsJsonResponse> => {
    const body = await readBody(req);
    const target = header(req, 'x-amz-target');
    const operation = target?.startsWith(prefix) ? target.slice(prefix.length) : undefined;
    try {
      const accessKeyId = /Credential=([^/,\s]+)\//.exec(header(req, 'authorization') ?? '')?.[1];
      return await options.answer({ method: req.method ?? 'GET', target, operation, body, accessKeyId });
    } catch (error) {
      if (error instanceof AwsJsonError) return { status: error.httpStatus, body: error.body() };
      return { status: 500, body: { __type: options.internalErrorCode, message: (error as Error).message } };
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    respond(req)
      .then(async ({ status, body }) => {
        const latency = options.latencyMs?.() ?? 0;
        if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
        const text = JSON.stringify(body);
        const errorType = status >= 400 ? (body as { __type?: unknown }).__type : undefined;
        res.writeHead(status, {
          'content-type': contentType,
          'content-length': Buffer.byteLength(text),
          'x-amzn-requestid': randomUUID(),
          ...(typeof errorType === 'string' ? { 'x-amzn-errortype': errorType } : {}),
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients keep connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

/** The request body as the JSON object every AWS JSON operation takes; `{}` when empty. */
export function parseJsonObject(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    throw new AwsJsonError('SerializationException', 'Request body is not valid JSON');
  }
  if (!isObject(input)) throw new AwsJsonError('SerializationException', 'Request body must be a JSON object');
  return input;
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
