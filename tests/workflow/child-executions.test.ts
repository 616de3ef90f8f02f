// The Distributed Map's child executions as AWS runs them (local/distributed-map.ts): a child that fails whole does
// not stop the sweep, a page without cached repositories starts no Map Run, and the final attempt starts every
// child at once, so that the Map Run it fails with holds only the repositories that failed again.
import { MAX_REPOSITORY_NAME_LENGTH } from '../../functions/lib/limits';
import { EMPTY_PAGE, nextMaxResults } from '../../functions/lib/repository-page';
import { EXCEED_TOLERATED_FAILURE_THRESHOLD } from '../../local/distributed-map';
import type { Registry, RegistryRepository } from '../../local/ecr/registry-file';
import type { ExecutionEvent } from '../../local/runner';
import { DOCKER_HUB, TOOL_POLICY, digest, image, policyOf, repo, sweep, type SweepResult } from './harness';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** ECR's longest names, so that a page is as short as the list step makes one. */
const longName = (i: number) => `docker-hub/library/app-${String(i).padStart(4, '0')}-`.padEnd(MAX_REPOSITORY_NAME_LENGTH, 'x');

const isManageRepositories = (e: ExecutionEvent) => e.parentState?.name === 'ManageRepositories';
const finalAttemptOf = (e: ExecutionEvent) => Boolean((e.parentState?.input as Json)?.finalAttempt);
const mapRunsOf = (result: SweepResult) =>
  result.events.filter((e) => e.type === 'StateEntered' && e.index === undefined && e.state?.name === 'ManageRepositories');

describe('a registry over several pages where one child execution fails whole', () => {
  // Two full pages of cached repositories, then a page of team repositories only, where the registry ends.
  const firstPage = nextMaxResults(EMPTY_PAGE);
  const cachedCount = 2 * firstPage;
  const timesOut = longName(7);
  const repositories: RegistryRepository[] = [
    ...Array.from({ length: cachedCount }, (_, i) =>
      repo(longName(i), {
        images: [image(2 * i, 100, 60, 'old'), image(2 * i + 1, 10, 1, 'new')],
        ...(longName(i) === timesOut ? { faults: { ChildExecution: 'States.Timeout' as const } } : {}),
      }),
    ),
    ...Array.from({ length: 30 }, (_, i) => repo(`team/service-${i}`, { images: [image(10_000 + i, 400, 300, 'v1')] })),
  ];
  const registry: Registry = { pullThroughCacheRules: [DOCKER_HUB], repositories };
  let result: SweepResult;

  beforeAll(async () => {
    result = await sweep(registry);
  }, 60_000);

  it('does every other repository on every page, names that one failed, and ends FAILED', () => {
    expect(result.execution).toMatchObject({ status: 'FAILED', error: EXCEED_TOLERATED_FAILURE_THRESHOLD });
    expect(result.execution.report).toMatchObject({ scanned: cachedCount + 30, cached: cachedCount, applied: cachedCount - 1, failed: 1 });
    expect(result.execution.report?.failedRepositories.map((f) => f.repositoryName)).toEqual([timesOut]);
    for (let i = 0; i < cachedCount; i++) {
      const name = longName(i);
      if (name === timesOut) continue;
      expect(policyOf(result, name)).toBe(TOOL_POLICY);
      expect(result.after.get(name)?.images?.map((m) => m.imageDigest)).toEqual([digest(2 * i + 1)]);
    }
    // Its child never ran: the repository is as it was.
    expect(policyOf(result, timesOut)).toBeUndefined();
    expect(result.after.get(timesOut)?.images).toHaveLength(2);
  });

  it('tolerates the failed child on the first pass and goes on to the later pages', () => {
    const failedChildren = result.events.filter((e) => e.type === 'MapIterationFailed' && isManageRepositories(e));
    const firstPass = failedChildren.filter((e) => !finalAttemptOf(e));
    expect(firstPass).toHaveLength(1);
    expect(firstPass[0]).toMatchObject({ Error: 'States.Timeout' });
    const batches: string[][] = (firstPass[0].parentState?.input as Json).page.batches;
    expect(batches[firstPass[0].index!]).toContain(timesOut);
    // The pages after the one that held it were listed and their repositories managed.
    const pages = result.events.filter((e) => e.type === 'StateEntered' && e.state?.name === 'ListCachedRepositories');
    expect(pages).toHaveLength(3);
    expect(policyOf(result, longName(cachedCount - 1))).toBe(TOOL_POLICY);
  });

  it('starts no Map Run for the page without cached repositories', () => {
    const mapRuns = mapRunsOf(result);
    // The two pages of cached repositories, and the final attempt.
    expect(mapRuns.map((e) => (e.state?.input as Json).finalAttempt)).toEqual([false, false, true]);
    const firstPassChildren = result.events.filter((e) => e.type === 'MapIterationStarted' && isManageRepositories(e) && !finalAttemptOf(e));
    const firstPassBatches = mapRuns.slice(0, 2).flatMap((e) => (e.state?.input as Json).page.batches);
    expect(firstPassChildren).toHaveLength(firstPassBatches.length);
    expect(firstPassBatches.flat()).toHaveLength(cachedCount);
    expect(result.events.filter((e) => e.type === 'StateEntered' && e.state?.name === 'NoCachedRepositories')).toHaveLength(1);
  });

  it('fails the final attempt with exactly one failed child, holding only that repository, for Redrive to re-run', () => {
    const finalChildren = result.events.filter((e) => isManageRepositories(e) && finalAttemptOf(e));
    const failed = finalChildren.filter((e) => e.type === 'MapIterationFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ Error: 'States.Timeout' });
    const batches: string[][] = (failed[0].parentState?.input as Json).page.batches;
    expect(batches[failed[0].index!]).toEqual([timesOut]);
    // The rest of its first-pass child came through in the final attempt, each in a child of its own.
    const succeeded = finalChildren.filter((e) => e.type === 'MapIterationSucceeded');
    expect(succeeded).toHaveLength(batches.length - 1);
  });
});

describe('the final attempt', () => {
  it('starts a child for every failed repository at once, whatever the first pass ran at', async () => {
    const failing = Array.from({ length: 5 }, (_, i) => `docker-hub/library/denied-${i}`);
    const registry: Registry = {
      pullThroughCacheRules: [DOCKER_HUB],
      repositories: [
        ...failing.map((name, i) => repo(name, { images: [image(i, 10, 1, 'a')], faults: { PutLifecyclePolicy: 'AccessDeniedException' } })),
        ...Array.from({ length: 5 }, (_, i) => repo(`docker-hub/library/fine-${i}`, { images: [image(100 + i, 10, 1, 'a')] })),
      ],
      // Each call takes a while, so that children started one after another would not overlap.
      latencyMs: 40,
    };
    let running = 0;
    let mostAtOnce = 0;
    const result = await sweep(registry, {
      params: { maxConcurrency: 1 },
      onEvent: (e) => {
        if (!isManageRepositories(e) || !finalAttemptOf(e)) return;
        if (e.type === 'MapIterationStarted') mostAtOnce = Math.max(mostAtOnce, ++running);
        if (e.type === 'MapIterationSucceeded' || e.type === 'MapIterationFailed') running -= 1;
      },
    });

    expect(result.execution).toMatchObject({ status: 'FAILED', error: EXCEED_TOLERATED_FAILURE_THRESHOLD });
    expect(mapRunsOf(result).map((e) => (e.state?.input as Json).mapRun.maxConcurrency)).toEqual([1, failing.length]);
    expect(mostAtOnce).toBe(failing.length);
    expect(result.execution.report).toMatchObject({ applied: 5, failed: failing.length });
    expect(result.execution.report?.failedRepositories.map((f) => f.repositoryName)).toEqual(failing);
    // Each was tried once on the first pass and once in the final attempt (AccessDeniedException is not retried).
    expect(result.calls.PutLifecyclePolicy).toBe(5 + failing.length * 2);
  });
});
