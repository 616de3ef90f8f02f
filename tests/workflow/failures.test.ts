// What production will do to a sweep: throttling, repositories deleted while it runs, and a repository that keeps
// failing. Throttling is retried, deleted repositories are skipped, and a failing repository ends the execution
// FAILED, named in the report, while every other repository is still done.
import type { Registry, RegistryRepository } from '../../local/ecr/registry-file';
import { planRecorder } from '../../local/plan';
import { DOCKER_HUB, TOOL_POLICY, digest, digestsOf, image, onFirstCall, policyOf, repo, sweep } from './harness';

describe('a registry that throttles hard', () => {
  it('still ends with every repository done and no image lost or left behind', async () => {
    const count = 20;
    const repositories: RegistryRepository[] = Array.from({ length: count }, (_, i) =>
      repo(`docker-hub/library/app-${i}`, {
        // Image 2i was pulled 60 days ago and goes; image 2i+1 was pulled yesterday and stays.
        images: [image(2 * i, 100, 60, 'old'), image(2 * i + 1, 10, 1, 'new')],
      }),
    );
    const registry: Registry = { pullThroughCacheRules: [DOCKER_HUB], repositories, throttle: { ratePerSecond: 5 } };

    const result = await sweep(registry);

    expect(result.execution.status).toBe('SUCCEEDED');
    const throttled = Object.values(result.throttled).reduce((a, b) => a + b, 0);
    expect(throttled).toBeGreaterThan(0);
    for (let i = 0; i < count; i++) {
      expect(policyOf(result, `docker-hub/library/app-${i}`)).toBe(TOOL_POLICY);
      expect(digestsOf(result, `docker-hub/library/app-${i}`)).toEqual([digest(2 * i + 1)]);
    }
    // A put can land in ECR while a later call of the same repository is throttled beyond its retries: the
    // repository then goes again in an extra round, which finds it with the tool's policy. Either way it is the
    // tool's, and done once.
    const report = result.execution.report!;
    expect(report.applied + report.owned).toBe(count);
    expect(report).toMatchObject({ scanned: count, cached: count, userOwned: 0, skipped: 0, imagesExpired: count, failed: 0, failedRepositories: [] });
    expect(result.calls.BatchDeleteImage - result.throttled.BatchDeleteImage).toBe(count);
  }, 60_000);
});

describe('a repository that disappears while the sweep runs', () => {
  it('is skipped, not failed, at whichever step finds it gone', async () => {
    const gone = 'RepositoryNotFoundException';
    const registry: Registry = {
      pullThroughCacheRules: [DOCKER_HUB],
      repositories: [
        // Gone before its policy was checked.
        repo('docker-hub/library/nginx', {
          images: [image(1, 100, 60, 'x')],
          faults: { GetLifecyclePolicy: gone, PutLifecyclePolicy: gone, DescribeImages: gone, BatchDeleteImage: gone },
        }),
        // Gone before its policy was put.
        repo('docker-hub/library/postgres', {
          images: [image(2, 100, 60, 'x')],
          faults: { PutLifecyclePolicy: gone, DescribeImages: gone, BatchDeleteImage: gone },
        }),
        // The tool's already; gone before its images were listed.
        repo('docker-hub/library/redis', {
          lifecyclePolicyText: TOOL_POLICY,
          images: [image(3, 100, 60, 'x')],
          faults: { DescribeImages: gone, BatchDeleteImage: gone },
        }),
        repo('docker-hub/library/alpine', { images: [image(4, 100, 60, '3.18'), image(5, 10, 1, '3.20')] }),
      ],
    };
    const result = await sweep(registry);

    expect(result.execution.status).toBe('SUCCEEDED');
    expect(result.execution.report).toMatchObject({ cached: 4, skipped: 3, applied: 1, owned: 0, imagesExpired: 1, failed: 0 });
    expect(result.execution.report?.failedRepositories).toEqual([]);
    expect(policyOf(result, 'docker-hub/library/alpine')).toBe(TOOL_POLICY);
    expect(digestsOf(result, 'docker-hub/library/alpine')).toEqual([digest(5)]);
    expect(digestsOf(result, 'docker-hub/library/redis')).toEqual([digest(3)]);
  });

  it('is skipped when it is really deleted after it was listed', async () => {
    const registry: Registry = {
      pullThroughCacheRules: [DOCKER_HUB],
      repositories: [
        repo('docker-hub/library/nginx', { images: [image(1, 100, 60, 'a')] }),
        repo('docker-hub/library/redis', { images: [image(2, 100, 60, 'b')] }),
        repo('docker-hub/library/alpine', { images: [image(3, 100, 60, 'c')] }),
      ],
    };
    let deleted = false;
    const result = await sweep(registry, {
      // The listing is done by the time the first policy is checked: redis is deleted then, before any answer.
      arrange: (endpoint) => onFirstCall(endpoint, 'GetLifecyclePolicy', () => (deleted = endpoint.deleteRepository('docker-hub/library/redis'))),
    });

    expect(deleted).toBe(true);
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(result.after.has('docker-hub/library/redis')).toBe(false);
    expect(policyOf(result, 'docker-hub/library/nginx')).toBe(TOOL_POLICY);
    expect(policyOf(result, 'docker-hub/library/alpine')).toBe(TOOL_POLICY);
    expect(result.execution.report).toMatchObject({ scanned: 3, cached: 3, skipped: 1, applied: 2, imagesExpired: 2, failed: 0 });
  });
});

describe('a repository that keeps failing', () => {
  it('ends the execution FAILED and is named, while every other repository is still done', async () => {
    const registry: Registry = {
      pullThroughCacheRules: [DOCKER_HUB],
      repositories: [
        repo('docker-hub/library/nginx', { images: [image(1, 100, 60, 'a')] }),
        repo('docker-hub/library/redis', {
          images: [image(2, 100, 60, 'b')],
          faults: { PutLifecyclePolicy: 'AccessDeniedException' },
        }),
        repo('docker-hub/library/alpine', { images: [image(3, 100, 60, 'c'), image(4, 10, 1, 'd')] }),
      ],
    };
    const result = await sweep(registry);

    expect(result.execution.status).toBe('FAILED');
    // Three images deleted: redis's went before its put was refused, and counts.
    expect(result.execution.report).toMatchObject({ cached: 3, applied: 2, imagesExpired: 3, failed: 1 });
    expect(result.execution.report?.failedRepositories.map((f) => f.repositoryName)).toEqual(['docker-hub/library/redis']);
    // The failing repository has no policy; its unpulled image went before the refused put, as pull-age expiry
    // needs no policy. The others are done.
    expect(policyOf(result, 'docker-hub/library/redis')).toBeUndefined();
    expect(digestsOf(result, 'docker-hub/library/redis')).toEqual([]);
    expect(policyOf(result, 'docker-hub/library/nginx')).toBe(TOOL_POLICY);
    expect(digestsOf(result, 'docker-hub/library/nginx')).toEqual([]);
    expect(policyOf(result, 'docker-hub/library/alpine')).toBe(TOOL_POLICY);
    expect(digestsOf(result, 'docker-hub/library/alpine')).toEqual([digest(4)]);
    // It was tried once in the sweep and once more in the final attempt.
    expect(result.calls.PutLifecyclePolicy).toBe(4);
  });
});

describe('a repository whose deletions fail part-way', () => {
  it('fails with the real error, and its outcome, plan and report count the images the calls before deleted', async () => {
    const plan = planRecorder();
    const images = Array.from({ length: 250 }, (_, i) => image(1000 + i, 100, 60));
    const registry: Registry = {
      pullThroughCacheRules: [DOCKER_HUB],
      repositories: [
        // The first BatchDeleteImage call deletes 100 images; every later one is refused.
        repo('docker-hub/library/busy', { images, faults: { BatchDeleteImage: { error: 'AccessDeniedException', afterCalls: 1 } } }),
        repo('docker-hub/library/alpine', { images: [image(1, 100, 60, '3.18'), image(2, 10, 1, '3.20')] }),
      ],
    };

    const result = await sweep(registry, { onEvent: plan.onEvent, onLog: plan.onLog });

    expect(result.execution.status).toBe('FAILED');
    const left = digestsOf(result, 'docker-hub/library/busy');
    expect(left).toHaveLength(150);
    const lost = images.map((i) => i.imageDigest).filter((d) => !left.includes(d));
    const report = result.execution.report!;
    expect(report.failedRepositories).toEqual([{ repositoryName: 'docker-hub/library/busy', error: 'AccessDeniedException' }]);
    // alpine's one image and busy's 100.
    expect(report.imagesExpired).toBe(101);
    const entry = plan.plan({ dryRun: false, referenceTime: '', manifestsRead: true }).repositories.find((r) => r.repositoryName === 'docker-hub/library/busy')!;
    expect(entry).toMatchObject({ action: 'failed', error: 'AccessDeniedException', imagesExpiredCount: 100 });
    expect(entry.imagesExpired.map((i) => i.imageDigest).sort()).toEqual(lost.sort());
    expect(digestsOf(result, 'docker-hub/library/alpine')).toEqual([digest(2)]);
  }, 60_000);
});
