// A registry ECR throttles harder than the SDK's and the state's retries can wait out: the repositories it still
// throttles are no failures; the sweep runs them again in extra rounds of their page, each at a lower concurrency,
// and ends SUCCEEDED with every repository done.
import type { Registry } from '../../local/ecr/registry-file';
import { DOCKER_HUB, TOOL_POLICY, digest, digestsOf, image, policyOf, repo, sweep, type SweepResult } from './harness';

const COUNT = 24;
const names = Array.from({ length: COUNT }, (_, i) => `docker-hub/library/app-${i}`);

/** The concurrency each Map Run of the first pass ran at, from the Map state's input, in order. */
function mapRuns(result: SweepResult) {
  return result.events
    .filter((e) => e.type === 'StateEntered' && e.index === undefined && e.state?.name === 'ManageRepositories')
    .map((e) => {
      const input = e.state!.input as { mapRun: { maxConcurrency: number; repositoriesAtOnce: number; round: boolean }; page: { batches: string[][] }; finalAttempt: boolean };
      return { ...input.mapRun, repositories: input.page.batches.flat().length, finalAttempt: input.finalAttempt };
    });
}

/**
 * A sweep at maxConcurrency 4 of the repositories, each storing an image of 100 bytes pulled 60 days ago and one of 10
 * bytes pulled yesterday, with ECR throttling as given.
 */
function sweepThrottled(throttle: Registry['throttle']): Promise<SweepResult> {
  const sized = (n: number, pushed: number, pulled: number, tag: string, imageSizeInBytes: number) => ({ ...image(n, pushed, pulled, tag), imageSizeInBytes });
  const repositories = names.map((name, i) => repo(name, { images: [sized(2 * i, 100, 60, 'old', 100), sized(2 * i + 1, 10, 1, 'new', 10)] }));
  return sweep({ pullThroughCacheRules: [DOCKER_HUB], repositories, throttle }, { params: { maxConcurrency: 4 } });
}

/** Every repository with the tool's policy and only the image pulled yesterday. */
function expectEveryRepositorySwept(result: SweepResult) {
  expect(result.execution.status).toBe('SUCCEEDED');
  for (const [i, name] of names.entries()) {
    expect(policyOf(result, name)).toBe(TOOL_POLICY);
    expect(digestsOf(result, name)).toEqual([digest(2 * i + 1)]);
  }
}

describe('a registry whose DescribeImages ECR throttles beyond every retry', () => {
  let result: SweepResult;
  beforeAll(async () => {
    // Far below what 4 children of 10 repositories at once ask for; the other operations are not throttled.
    result = await sweepThrottled({ perOperation: { DescribeImages: 2 } });
  }, 120_000);

  it('ends SUCCEEDED with every repository as a sweep leaves it', () => {
    expectEveryRepositorySwept(result);
    expect(result.execution.report).toMatchObject({ cached: COUNT, imagesExpired: COUNT, failed: 0, failedRepositories: [] });
    expect(result.throttled.DescribeImages).toBeGreaterThan(0);
  });

  it('runs the throttled repositories again, at half the children, instead of failing them', () => {
    const runs = mapRuns(result);
    expect(runs[0]).toEqual({ maxConcurrency: 4, repositoriesAtOnce: 10, toleratedFailurePercentage: 100, round: false, repositories: COUNT, finalAttempt: false });
    expect(runs.length).toBeGreaterThan(1);
    expect(runs[1]).toMatchObject({ maxConcurrency: 2, round: true, finalAttempt: false });
    expect(runs[1].repositories).toBeLessThan(COUNT);
    expect(runs.some((run) => run.finalAttempt)).toBe(false);
  });

  it('reports what the throttling did: repositories throttled, rounds and the concurrency it settled at', () => {
    const runs = mapRuns(result);
    const throttling = result.execution.report!.throttling!;
    expect(throttling.rounds).toBe(runs.length - 1);
    expect(throttling.throttledRepositories).toBe(runs.slice(1).reduce((sum, run) => sum + run.repositories, 0));
    expect(throttling.maxConcurrency).toBeLessThan(4);
    expect(throttling.lowestMaxConcurrency).toBe(Math.min(...runs.map((run) => run.maxConcurrency)));
  });
});

describe('a registry whose PutLifecyclePolicy ECR throttles beyond every retry, after the images were deleted', () => {
  let result: SweepResult;
  beforeAll(async () => {
    result = await sweepThrottled({ perOperation: { PutLifecyclePolicy: 1 } });
  }, 120_000);

  it('ends SUCCEEDED with every repository as a sweep leaves it, after extra rounds', () => {
    expectEveryRepositorySwept(result);
    expect(result.throttled.PutLifecyclePolicy).toBeGreaterThan(0);
    expect(result.execution.report!.throttling!.rounds).toBeGreaterThan(0);
  });

  it('counts every image deleted, whichever try of its repository deleted it, and what each repository stored before', () => {
    expect(result.execution.report).toMatchObject({ cached: COUNT, imagesExpired: COUNT, bytesExpired: 100 * COUNT, applied: COUNT, failed: 0 });
    expect(result.execution.report!.cache.total).toMatchObject({
      repositories: COUNT, managed: COUNT, imagesBefore: 2 * COUNT, bytesBefore: 110 * COUNT, imagesDeleted: COUNT, imagesAfter: COUNT, bytesAfter: 10 * COUNT,
    });
  });
});
