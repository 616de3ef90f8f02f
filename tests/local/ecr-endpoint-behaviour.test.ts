// Behaviour the registry file injects into the embedded ECR endpoint: throttling, per-repository faults,
// latency; plus deleting a repository mid-run and the call counters tests rely on.
import {
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  LifecyclePolicyNotFoundException,
  PutLifecyclePolicyCommand,
  RepositoryNotFoundException,
  ServerException,
} from '@aws-sdk/client-ecr';
import type { Registry } from '../../local/ecr/registry-file';
import { startEcrEndpoint, type EcrEndpoint } from '../../local/ecr/server';
import { ecrClient, publishThrottledCalls, THROTTLED_CALLS_METRIC } from '../../functions/lib/ecr-client';
import { RETRY_BUDGET_MS } from '../../functions/lib/retry-budget';
import { client, KEEP_LATEST_POLICY } from './ecr-fixtures';

const open: EcrEndpoint[] = [];
async function start(registry: Registry): Promise<EcrEndpoint> {
  const endpoint = await startEcrEndpoint(registry);
  open.push(endpoint);
  return endpoint;
}
afterEach(async () => {
  jest.restoreAllMocks();
  await Promise.all(open.splice(0).map((e) => e.close()));
});

const twoRepositories = (extra: Partial<Registry> = {}, faults?: Registry['repositories'][number]['faults']): Registry => ({
  pullThroughCacheRules: [{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' }],
  repositories: [
    { repositoryName: 'docker-hub/library/nginx', ...(faults ? { faults } : {}) },
    { repositoryName: 'docker-hub/library/redis' },
  ],
  ...extra,
});

async function failure(promise: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number; attempts?: number } };
  }
  throw new Error('expected the call to fail, it succeeded');
}

describe('throttling', () => {
  it('gives a client without retries ThrottlingException once calls outrun the rate', async () => {
    const endpoint = await start(twoRepositories({ throttle: { ratePerSecond: 2 } }));
    const ecr = client(endpoint.url, 1);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => ecr.send(new DescribeRepositoriesCommand({}))));
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    // A burst of one second's worth (2) passes; the rest of a 10-call burst cannot.
    expect(results.length - rejected.length).toBeLessThanOrEqual(3);
    expect(rejected.length).toBeGreaterThanOrEqual(7);
    for (const error of rejected) {
      expect(error.name).toBe('ThrottlingException');
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
    expect(endpoint.calls.DescribeRepositories).toBe(10);
    expect(endpoint.throttled.DescribeRepositories).toBe(rejected.length);
    ecr.destroy();
  });

  it("lets a client with the SDK's default retries get through after being throttled", async () => {
    const endpoint = await start(twoRepositories({ throttle: { ratePerSecond: 1 } }));
    const noRetries = client(endpoint.url, 1);
    await noRetries.send(new DescribeRepositoriesCommand({})); // takes the only token
    // The SDK's backoff is random; pinned to its middle, the retries come 0.5 s and 1 s apart.
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const ecr = client(endpoint.url);
    const out = await ecr.send(new DescribeRepositoriesCommand({}));
    expect(out.repositories).toHaveLength(2);
    expect(endpoint.throttled.DescribeRepositories).toBeGreaterThanOrEqual(1);
    expect(out.$metadata.attempts).toBe(endpoint.throttled.DescribeRepositories + 1);
    noRetries.destroy();
    ecr.destroy();
  });

  it('throttles an operation with a rate of its own apart from the others, as ECR keeps a rate per API', async () => {
    const endpoint = await start(twoRepositories({ throttle: { perOperation: { GetLifecyclePolicy: 1 } } }));
    const ecr = client(endpoint.url, 1);
    const get = () => ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'docker-hub/library/nginx' }));
    expect((await failure(get())).name).toBe('LifecyclePolicyNotFoundException');
    expect((await failure(get())).name).toBe('ThrottlingException');
    // Other operations keep their pace.
    await Promise.all(Array.from({ length: 20 }, () => ecr.send(new DescribeRepositoriesCommand({}))));
    expect(endpoint.throttled).toMatchObject({ GetLifecyclePolicy: 1, DescribeRepositories: 0 });
    ecr.destroy();
  });

  it('checks an operation against its own rate and the rate over all calls, and a refused call takes from neither', async () => {
    const endpoint = await start(twoRepositories({ throttle: { ratePerSecond: 3, perOperation: { DescribeRepositories: 2 } } }));
    const ecr = client(endpoint.url, 1);
    const describe = () => ecr.send(new DescribeRepositoriesCommand({}));
    const get = () => ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'docker-hub/library/nginx' }));
    await describe();
    await describe();
    // DescribeRepositories has spent its own two; the overall bucket still has one, which it did not take.
    expect((await failure(describe())).name).toBe('ThrottlingException');
    expect((await failure(get())).name).toBe('LifecyclePolicyNotFoundException');
    expect((await failure(get())).name).toBe('ThrottlingException');
    expect(endpoint.throttled).toMatchObject({ DescribeRepositories: 1, GetLifecyclePolicy: 1 });
    ecr.destroy();
  });

  it("ends a throttled call of the sweep's own client in ThrottlingException within its retry budget", async () => {
    const endpoint = await start(twoRepositories({ throttle: { ratePerSecond: 0.01 } }));
    const ecr = ecrClient({ endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await ecr.send(new DescribeRepositoriesCommand({})); // takes the only token for 100 s
    const started = Date.now();
    const error = await failure(ecr.send(new DescribeRepositoriesCommand({})));
    const took = Date.now() - started;
    expect(error.name).toBe('ThrottlingException');
    expect(error.$metadata.attempts).toBeGreaterThan(1);
    expect(took).toBeGreaterThanOrEqual(RETRY_BUDGET_MS - 100);
    expect(took).toBeLessThan(RETRY_BUDGET_MS + 1500);
    // Every ThrottlingException of those attempts is counted once; the count starts again after it is published, and 0 is published too.
    const published: [string, number][] = [];
    const metrics = { addMetric: (name: string, _unit: unknown, value: number) => published.push([name, value]), addDimension: () => undefined, publishStoredMetrics: () => undefined };
    publishThrottledCalls(ecr, metrics);
    publishThrottledCalls(ecr, metrics);
    expect(published).toEqual([[THROTTLED_CALLS_METRIC, endpoint.throttled.DescribeRepositories], [THROTTLED_CALLS_METRIC, 0]]);
    ecr.destroy();
  });

  it('does not throttle when the registry file sets no rate', async () => {
    const endpoint = await start(twoRepositories());
    const ecr = client(endpoint.url, 1);
    await Promise.all(Array.from({ length: 50 }, () => ecr.send(new DescribeRepositoriesCommand({}))));
    expect(endpoint.throttled.DescribeRepositories).toBe(0);
    ecr.destroy();
  });
});

describe('faults', () => {
  it('fails the named operation on the named repository with the named error, and nothing else', async () => {
    const endpoint = await start(twoRepositories({}, { PutLifecyclePolicy: 'AccessDeniedException' }));
    const ecr = client(endpoint.url, 1);
    const error = await failure(
      ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'docker-hub/library/nginx', lifecyclePolicyText: KEEP_LATEST_POLICY })),
    );
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    // The same operation on another repository, and another operation on this one, work.
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'docker-hub/library/redis', lifecyclePolicyText: KEEP_LATEST_POLICY }));
    expect(
      await failure(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'docker-hub/library/nginx' }))),
    ).toBeInstanceOf(LifecyclePolicyNotFoundException);
    expect(endpoint.calls.PutLifecyclePolicy).toBe(2);
    ecr.destroy();
  });

  it('raises the SDK class of a modelled error, e.g. a repository that vanished after it was listed', async () => {
    const endpoint = await start(twoRepositories({}, { GetLifecyclePolicy: 'RepositoryNotFoundException' }));
    const ecr = client(endpoint.url, 1);
    const listed = await ecr.send(new DescribeRepositoriesCommand({}));
    expect(listed.repositories?.map((r) => r.repositoryName)).toContain('docker-hub/library/nginx');
    expect(
      await failure(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'docker-hub/library/nginx' }))),
    ).toBeInstanceOf(RepositoryNotFoundException);
    ecr.destroy();
  });

  it('sends ServerException as HTTP 500, which the SDK retries', async () => {
    const endpoint = await start(twoRepositories({}, { GetLifecyclePolicy: 'ServerException' }));
    const ecr = client(endpoint.url, 2);
    const error = await failure(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'docker-hub/library/nginx' })));
    expect(error).toBeInstanceOf(ServerException);
    expect(error.$metadata.httpStatusCode).toBe(500);
    expect(endpoint.calls.GetLifecyclePolicy).toBe(2);
    ecr.destroy();
  });
});

describe('deleting a repository while running', () => {
  it('stops listing it and answers RepositoryNotFoundException for it', async () => {
    const endpoint = await start(twoRepositories());
    const ecr = client(endpoint.url, 1);
    expect(endpoint.deleteRepository('docker-hub/library/nginx')).toBe(true);
    expect(endpoint.deleteRepository('docker-hub/library/nginx')).toBe(false);
    const listed = await ecr.send(new DescribeRepositoriesCommand({}));
    expect(listed.repositories?.map((r) => r.repositoryName)).toEqual(['docker-hub/library/redis']);
    expect(
      await failure(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'docker-hub/library/nginx' }))),
    ).toBeInstanceOf(RepositoryNotFoundException);
    expect(endpoint.registry().repositories.map((r) => r.repositoryName)).toEqual(['docker-hub/library/redis']);
    ecr.destroy();
  });
});

describe('latency', () => {
  it('delays every response, errors included, by latencyMs', async () => {
    const endpoint = await start(twoRepositories({ latencyMs: 300 }));
    const ecr = client(endpoint.url, 1);
    let started = performance.now();
    await ecr.send(new DescribeRepositoriesCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    started = performance.now();
    await failure(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'docker-hub/library/nginx' })));
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    ecr.destroy();
  });
});

describe('counters and state', () => {
  it('counts every request by operation, starting from zero for each served operation', async () => {
    const endpoint = await start(twoRepositories());
    const ecr = client(endpoint.url, 1);
    expect(endpoint.calls).toEqual({
      DescribePullThroughCacheRules: 0,
      CreatePullThroughCacheRule: 0,
      UpdatePullThroughCacheRule: 0,
      ValidatePullThroughCacheRule: 0,
      DeletePullThroughCacheRule: 0,
      DescribeRepositories: 0,
      GetLifecyclePolicy: 0,
      PutLifecyclePolicy: 0,
      DescribeImages: 0,
      BatchDeleteImage: 0,
      BatchGetImage: 0,
      DeleteLifecyclePolicy: 0,
      StartLifecyclePolicyPreview: 0,
      GetLifecyclePolicyPreview: 0,
      DescribeRegistry: 0,
      RegisterPullTimeUpdateExclusion: 0,
      DeregisterPullTimeUpdateExclusion: 0,
      ListPullTimeUpdateExclusions: 0,
    });
    await ecr.send(new DescribeRepositoriesCommand({}));
    await failure(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'docker-hub/library/gone' })));
    await failure(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'docker-hub/library/nginx' })));
    expect(endpoint.calls.DescribeRepositories).toBe(1);
    expect(endpoint.calls.GetLifecyclePolicy).toBe(2);
    expect(endpoint.calls.PutLifecyclePolicy).toBe(0);
    ecr.destroy();
  });

  it('gives back an untouched registry exactly as it was given', async () => {
    const registry: Registry = {
      pullThroughCacheRules: [{ ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' }],
      repositories: [
        {
          repositoryName: 'quay/coreos/etcd',
          lifecyclePolicyText: KEEP_LATEST_POLICY,
          images: [
            { imageDigest: `sha256:${'b'.repeat(64)}`, imageTags: ['v3'], imagePushedAt: '2026-10-01T00:00:00Z', lastRecordedPullTime: '2026-11-20T00:00:00+01:00' },
          ],
          faults: { BatchDeleteImage: 'AccessDeniedException' },
        },
        { repositoryName: 'quay/coreos/flannel' },
        { repositoryName: 'quay/coreos/dex', images: [] },
      ],
      throttle: { ratePerSecond: 20 },
      latencyMs: 0,
    };
    const endpoint = await start(registry);
    expect(endpoint.registry()).toEqual(registry);
  });

  it('listens on the port it is given', async () => {
    const first = await start(twoRepositories());
    const port = first.port;
    await first.close();
    open.splice(open.indexOf(first), 1);
    const endpoint = await startEcrEndpoint(twoRepositories(), { port });
    open.push(endpoint);
    expect(endpoint.port).toBe(port);
    expect(endpoint.url).toBe(`http://127.0.0.1:${port}`);
  });
});
