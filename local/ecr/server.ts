// The embedded ECR endpoint: an HTTP server on 127.0.0.1 speaking AWS JSON 1.1 as @aws-sdk/client-ecr sends it
// (POST /, X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Operation>), over an in-memory registry seeded
// from a registry file. Point any ECR client at `url` (or set AWS_ENDPOINT_URL_ECR); requests are not signature-checked.
// The HTTP and protocol side is local/ecr/aws-json.ts.
//
// The caller: the access key id a request is signed with names its IAM principal (local/ecr/principals.ts). A client
// that signs with `accessKeyIdFor(principalArn)` acts as that role or user; any other access key id (such as
// `clientOptions`') is an unknown principal.
//
// Behaviour the registry file injects:
// - `latencyMs`: every response, errors included, is delayed by this much; a repository's own `latencyMs` delays
//   every call naming it (repositoryName) by that much more, before the call is answered, as a slow ECR would.
// - `throttle`: token buckets of a second's burst each, as ECR keeps one per API: `ratePerSecond` over all calls,
//   and `perOperation.<Operation>` over that operation's calls. A call needs a token from each bucket it falls in;
//   without, it gets ThrottlingException (HTTP 400, as ECR sends it; the SDK's retry strategy treats it as
//   throttling) and takes none.
// - per-repository `faults` {Operation: ErrorName}: that operation always fails with that error code for that
//   repository (HTTP 400, 500 for ServerException), after request validation and the existence check.
//   A repository deleted mid-run is `{"GetLifecyclePolicy": "RepositoryNotFoundException", ...}` for each
//   per-repository operation: it is still listed by DescribeRepositories, but every call on it says it is gone.
//   `deleteRepository(name)` removes one for real at any moment. `ChildExecution` names no ECR operation: the
//   local runner asks `childExecutionFault(name)` and fails the child execution holding that repository whole.
//
// Lifecycle policies: stored, and evaluated only when asked: StartLifecyclePolicyPreview evaluates a policy at once
// (local/ecr/lifecycle.ts, by the `now` clock) and stays IN_PROGRESS, refusing another start, until
// GetLifecyclePolicyPreview first reads it COMPLETE. ECR's own evaluation within 24 hours of a put is
// `ecr-lifecycle evaluate-policies`, run on a registry file.
//
// Manifests and pulls: BatchGetImage answers with manifest JSON built from the registry file's fields
// (local/ecr/manifests.ts: an index's `manifestDigests`, an image's `layers`, a referrer's `subjectManifestDigest`)
// and, as ECR does, records a pull: each image it returns gets `lastRecordedPullTime` = the `now` clock, unless the
// caller is one of the registry's `pullTimeUpdateExclusions` (exact ARN; an unknown principal never is).
// Register/Deregister/ListPullTimeUpdateExclusions keep that list; `registry()` writes it back.
//
// Counters: `calls[operation]` counts every request received, whatever its outcome (throttled, faulted, invalid),
// so "no mutating call was made" is `calls.PutLifecyclePolicy + calls.DeleteLifecyclePolicy + calls.BatchDeleteImage === 0`;
// `throttled[operation]` counts those of them refused by the throttle. Both start at 0 for every served operation;
// requests for other operations are counted under their own names.
import { parseJsonObject, startAwsJsonServer, type AwsJsonRequest } from './aws-json';
import { EcrError } from './errors';
import type { EcrClientOptions } from '../../functions/lib/ecr-client';
import { ACCOUNT_ID, EcrOperations, REGION } from './operations';
import { ECR_OPERATIONS, type ChildExecutionFault, type EcrOperation, type Registry } from './registry-file';
import { principalOf } from './principals';
import { PullThroughCacheRuleOperations } from './pull-through-cache-rule-operations';
import { RegistryStore } from './store';
import { TokenBucket } from './token-bucket';

const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921';

export interface EcrEndpointOptions {
  /** 0 or unset: a free port. */
  port?: number;
  /** The clock lifecycle policy previews are evaluated by and pulls are recorded at (epoch ms); the current time when unset. */
  now?: () => number;
}

export interface EcrEndpoint {
  url: string;
  port: number;
  /** How an ECR client reaches it, as an unknown principal (the SDK signs requests, so it needs credentials). */
  clientOptions: EcrClientOptions;
  calls: Record<string, number>;
  throttled: Record<string, number>;
  /** The current state, in the registry file format. */
  registry(): Registry;
  /** How the child execution holding this repository fails whole (its `faults.ChildExecution`), if it does. */
  childExecutionFault(repositoryName: string): ChildExecutionFault | undefined;
  /** Changes how long every answer about a repository is held back (its `latencyMs`), as if ECR got slower or faster for it. */
  setRepositoryLatency(repositoryName: string, latencyMs: number): void;
  /** Removes a repository now, as if someone deleted it; false when there was none by that name. */
  deleteRepository(name: string): boolean;
  /**
   * Excludes principals from pull time updates as the deployed stack does, with no call made: listed and honoured,
   * never written back to the registry file.
   */
  excludeAsStack(principalArns: readonly string[]): void;
  close(): Promise<void>;
}

export async function startEcrEndpoint(registry: Registry, options: EcrEndpointOptions = {}): Promise<EcrEndpoint> {
  const store = new RegistryStore(registry);
  const operations = new EcrOperations(store, options.now);
  const handlers = { ...operations.handlers, ...new PullThroughCacheRuleOperations(store, ACCOUNT_ID, options.now).handlers };
  const overall = store.throttle?.ratePerSecond === undefined ? [] : [new TokenBucket(store.throttle.ratePerSecond)];
  const perOperation = new Map(Object.entries(store.throttle?.perOperation ?? {}).map(([operation, rate]) => [operation, new TokenBucket(rate!)]));
  const calls: Record<string, number> = Object.fromEntries(ECR_OPERATIONS.map((op) => [op, 0]));
  const throttled: Record<string, number> = Object.fromEntries(ECR_OPERATIONS.map((op) => [op, 0]));

  const answer = async ({ method, target, operation, body, accessKeyId }: AwsJsonRequest) => {
    const counted = operation ?? '(no operation)';
    calls[counted] = (calls[counted] ?? 0) + 1;
    const buckets = [...overall, ...(perOperation.has(counted) ? [perOperation.get(counted)!] : [])];
    if (buckets.length > 0 && !TokenBucket.tryTakeEach(buckets)) {
      throttled[counted] = (throttled[counted] ?? 0) + 1;
      throw new EcrError('ThrottlingException', 'Rate exceeded');
    }
    if (method !== 'POST' || !operation || !(ECR_OPERATIONS as readonly string[]).includes(operation)) {
      throw new EcrError('UnknownOperationException', `Unknown operation ${target ?? '(no X-Amz-Target header)'}`);
    }
    const input = parseJsonObject(body);
    const slow = typeof input.repositoryName === 'string' ? store.repositories.get(input.repositoryName)?.latencyMs : undefined;
    if (slow) await new Promise((resolve) => setTimeout(resolve, slow));
    const principalArn = accessKeyId === undefined ? undefined : principalOf(accessKeyId);
    return { status: 200, body: handlers[operation as EcrOperation](input, principalArn) };
  };

  const server = await startAwsJsonServer({
    targetPrefix: TARGET_PREFIX,
    jsonVersion: '1.1',
    port: options.port,
    answer,
    internalErrorCode: 'ServerException',
    latencyMs: () => store.latencyMs ?? 0,
  });

  return {
    url: server.url,
    clientOptions: { endpoint: server.url, region: REGION, credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' } },
    port: server.port,
    calls,
    throttled,
    registry: () => store.toRegistry(),
    childExecutionFault: (repositoryName) => store.childExecutionFault(repositoryName),
    setRepositoryLatency: (name, latencyMs) => {
      const repo = store.repositories.get(name);
      if (!repo) throw new Error(`no repository ${name} in the embedded registry`);
      repo.latencyMs = latencyMs;
    },
    deleteRepository: (name) => store.repositories.delete(name),
    excludeAsStack: (principalArns) => principalArns.forEach((arn) => store.stackExclusions.add(arn)),
    close: server.close,
  };
}

