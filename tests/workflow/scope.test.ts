// Which repositories a sweep manages: those under a pull-through cache prefix on the `/` boundary, a ROOT rule
// only when the stage opts in, and exactly the one named when the input names one.
import type { Registry } from '../../local/ecr/registry-file';
import { DOCKER_HUB, NOW, QUAY, TOOL_POLICY, digest, digestsOf, image, policyOf, repo, sweep } from './harness';

const ZERO_REPORT = {
  scanned: 0,
  cached: 0,
  applied: 0,
  owned: 0,
  userOwned: 0,
  excluded: 0,
  skipped: 0,
  imagesExpired: 0,
  bytesExpired: 0,
  policyImagesExpired: 0,
  policyBytesExpired: 0,
  policyImagesInUse: 0,
  repositoriesWithPolicyNotes: 0,
  failed: 0,
  failedRepositories: [],
  // Nothing throttles these registries: no extra round, the stage's concurrency throughout.
  throttling: expect.objectContaining({ throttledRepositories: 0, rounds: 0, lowestMaxConcurrency: 4, lowestRepositoriesAtOnce: 10 }),
};

describe('prefix boundaries', () => {
  const registry: Registry = {
    pullThroughCacheRules: [QUAY],
    repositories: [
      repo('quay/coreos/etcd', { images: [image(1, 10, 2, '3.5.17'), image(2, 200, 100, '3.5.9')] }),
      repo('quayside/app', { images: [image(3, 200, 100, 'v1')] }),
      repo('quay', { images: [image(4, 300, 200, 'v1')] }),
    ],
  };

  it('manages quay/coreos/etcd and leaves quayside/app and a repository named just "quay" untouched', async () => {
    const result = await sweep(registry);

    expect(result.execution.status).toBe('SUCCEEDED');
    expect(policyOf(result, 'quay/coreos/etcd')).toBe(TOOL_POLICY);
    expect(digestsOf(result, 'quay/coreos/etcd')).toEqual([digest(1)]);
    expect(policyOf(result, 'quayside/app')).toBeUndefined();
    expect(digestsOf(result, 'quayside/app')).toEqual([digest(3)]);
    expect(policyOf(result, 'quay')).toBeUndefined();
    expect(digestsOf(result, 'quay')).toEqual([digest(4)]);
    expect(result.execution.report).toMatchObject({ ...ZERO_REPORT, scanned: 3, cached: 1, applied: 1, imagesExpired: 1 });
    expect(result.calls.GetLifecyclePolicy).toBe(1);
    expect(result.calls.DescribeImages).toBe(1);
  });
});

describe('a ROOT pull-through cache rule', () => {
  const registry: Registry = {
    pullThroughCacheRules: [
      { ecrRepositoryPrefix: 'ROOT', upstreamRegistryUrl: '111122223333.dkr.ecr.us-west-2.amazonaws.com' },
      DOCKER_HUB,
    ],
    repositories: [
      repo('team/app', { images: [image(1, 200, 90, 'v1')] }),
      repo('docker-hub/library/nginx', { images: [image(2, 200, 90, '1.27')] }),
    ],
  };

  it('is ignored by default: unprefixed repositories stay untouched, prefixed ones are still managed', async () => {
    const result = await sweep(registry);

    expect(result.execution.status).toBe('SUCCEEDED');
    expect(policyOf(result, 'team/app')).toBeUndefined();
    expect(digestsOf(result, 'team/app')).toEqual([digest(1)]);
    expect(policyOf(result, 'docker-hub/library/nginx')).toBe(TOOL_POLICY);
    expect(digestsOf(result, 'docker-hub/library/nginx')).toEqual([]);
    expect(result.execution.report).toMatchObject({ ...ZERO_REPORT, scanned: 2, cached: 1, applied: 1, imagesExpired: 1 });
    expect(result.calls.GetLifecyclePolicy).toBe(1);
  });

  it('makes every repository managed when the stage setting manageRootPrefix is true', async () => {
    const result = await sweep(registry, { params: { manageRootPrefix: 'true' } });

    expect(result.execution.status).toBe('SUCCEEDED');
    expect(policyOf(result, 'team/app')).toBe(TOOL_POLICY);
    expect(digestsOf(result, 'team/app')).toEqual([]);
    expect(policyOf(result, 'docker-hub/library/nginx')).toBe(TOOL_POLICY);
    expect(result.execution.report).toMatchObject({ ...ZERO_REPORT, scanned: 2, cached: 2, applied: 2, imagesExpired: 2 });
  });
});

describe('an execution for one repository', () => {
  const registry: Registry = {
    pullThroughCacheRules: [DOCKER_HUB],
    repositories: [
      repo('docker-hub/library/nginx', { images: [image(1, 100, 60, '1.25'), image(2, 10, 1, '1.27')] }),
      repo('docker-hub/library/redis', { images: [image(3, 100, 60, '7.2')] }),
      repo('payments/api', { images: [image(4, 100, 60, 'v12')] }),
    ],
  };

  it('manages just the named repository', async () => {
    const result = await sweep(registry, { input: { repositoryName: 'docker-hub/library/nginx', referenceTime: NOW } });

    expect(result.execution.status).toBe('SUCCEEDED');
    expect(policyOf(result, 'docker-hub/library/nginx')).toBe(TOOL_POLICY);
    expect(digestsOf(result, 'docker-hub/library/nginx')).toEqual([digest(2)]);
    expect(policyOf(result, 'docker-hub/library/redis')).toBeUndefined();
    expect(digestsOf(result, 'docker-hub/library/redis')).toEqual([digest(3)]);
    expect(result.execution.report).toMatchObject({ ...ZERO_REPORT, scanned: 1, cached: 1, applied: 1, imagesExpired: 1 });
    expect(result.calls.GetLifecyclePolicy).toBe(1);
    expect(result.calls.PutLifecyclePolicy).toBe(1);
  });

  it('changes nothing when the named repository is outside every prefix', async () => {
    const result = await sweep(registry, { input: { repositoryName: 'payments/api', referenceTime: NOW } });

    expect(result.execution.status).toBe('SUCCEEDED');
    expect(result.final).toEqual(registry);
    expect(result.execution.report).toMatchObject({ ...ZERO_REPORT, scanned: 1 });
    expect(result.calls.GetLifecyclePolicy).toBe(0);
    expect(result.calls.PutLifecyclePolicy).toBe(0);
    expect(result.calls.BatchDeleteImage).toBe(0);
  });

  it('changes nothing and does not fail when the named repository no longer exists', async () => {
    const result = await sweep(registry, { input: { repositoryName: 'docker-hub/library/gone', referenceTime: NOW } });

    expect(result.execution.status).toBe('SUCCEEDED');
    expect(result.final).toEqual(registry);
    expect(result.execution.report).toMatchObject(ZERO_REPORT);
    expect(result.calls.PutLifecyclePolicy).toBe(0);
  });
});

describe('a registry without pull-through cache rules', () => {
  it('reports zero counts and never lists repositories', async () => {
    const registry: Registry = {
      pullThroughCacheRules: [],
      repositories: [repo('docker-hub/library/nginx', { images: [image(1, 200, 100, '1.25')] })],
    };
    const result = await sweep(registry);

    expect(result.execution.status).toBe('SUCCEEDED');
    expect(result.execution.report).toMatchObject(ZERO_REPORT);
    expect(result.calls.DescribePullThroughCacheRules).toBe(1);
    expect(result.calls.DescribeRepositories).toBe(0);
    expect(result.final).toEqual(registry);
  });
});
