// A dry run makes no mutating ECR call and reports what a real run would change.
import type { Registry } from '../../local/ecr/registry-file';
import { DOCKER_HUB, NOW, PERSONS_POLICY, TOOL_POLICY, image, repo, sweep } from './harness';

const registry: Registry = {
  pullThroughCacheRules: [DOCKER_HUB],
  repositories: [
    // No policy: would get it; image 1 (pulled 60 days ago) would go, images 2 and 8 stay the sweep, and then the
    // policy (keep the latest 1) expires image 8, the older push, in use.
    repo('docker-hub/library/nginx', { images: [image(1, 100, 60, '1.25'), image(2, 10, 1, '1.27'), image(8, 20, 5, '1.26')] }),
    // The tool's: images 3 (pulled 45 days ago) and 4 (never pulled, pushed 90 days ago) would go.
    repo('docker-hub/library/redis', { lifecyclePolicyText: TOOL_POLICY, images: [image(3, 100, 45, '7.0'), image(4, 90), image(5, 3, 1, '7.4')] }),
    // A person's: nothing.
    repo('docker-hub/library/postgres', { lifecyclePolicyText: PERSONS_POLICY, images: [image(6, 500, 400, 'v9')] }),
    // Not cached: nothing.
    repo('team/app', { images: [image(7, 500, 400, 'v1')] }),
  ],
};

const expectedReport = {
  scanned: 4,
  cached: 3,
  applied: 1,
  owned: 1,
  userOwned: 1,
  excluded: 0,
  skipped: 0,
  imagesExpired: 3,
  bytesExpired: 0,
  // keepInUse (the default) keeps the one tagged image in use that a count of one would expire.
  policyImagesExpired: 0,
  policyBytesExpired: 0,
  policyImagesInUse: 0,
  repositoriesWithPolicyNotes: 0,
  failed: 0,
  failedRepositories: [],
  // Nothing throttles these registries: no extra round, the stage's concurrency throughout.
  throttling: expect.objectContaining({ throttledRepositories: 0, rounds: 0, lowestMaxConcurrency: 4, lowestRepositoriesAtOnce: 10 }),
};

describe('a dry run', () => {
  it('asked for in the execution input changes nothing, makes no mutating call and counts what would change', async () => {
    const result = await sweep(registry, { input: { dryRun: true, referenceTime: NOW } });

    expect(result.execution.status).toBe('SUCCEEDED');
    expect(result.execution.output?.dryRun).toBe(true);
    expect(result.final).toEqual(registry);
    expect(result.calls.PutLifecyclePolicy).toBe(0);
    expect(result.calls.BatchDeleteImage).toBe(0);
    expect(result.execution.report).toMatchObject(expectedReport);
  });

  it('set as the deploy-time default (stage setting dryRun) behaves the same', async () => {
    const result = await sweep(registry, { input: { referenceTime: NOW }, params: { dryRun: 'true' } });

    expect(result.execution.output?.dryRun).toBe(true);
    expect(result.final).toEqual(registry);
    expect(result.calls.PutLifecyclePolicy).toBe(0);
    expect(result.calls.BatchDeleteImage).toBe(0);
    expect(result.execution.report).toMatchObject(expectedReport);
  });

  it('is what a real run then does: the same counts, and the changes made', async () => {
    const result = await sweep(registry, { input: { referenceTime: NOW } });

    expect(result.execution.output?.dryRun).toBe(false);
    expect(result.execution.report).toMatchObject(expectedReport);
    expect(result.calls.PutLifecyclePolicy).toBe(1);
    expect(result.final).not.toEqual(registry);
  });
});
