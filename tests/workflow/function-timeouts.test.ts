// A repository ECR answers slowly makes its step run past the function's timeout. On AWS the Task then fails with
// Sandbox.Timedout or Lambda.Unknown (never States.Timeout); the sweep takes either as congestion: the repository
// goes again in an extra round at a lower concurrency, and is no failure once ECR answers in time.
import { LAMBDA_TIMEOUT_ERRORS } from '../../functions/lib/congestion';
import type { EcrEndpoint } from '../../local/ecr/server';
import { DOCKER_HUB, TOOL_POLICY, image, policyOf, repo, sweep, type SweepResult } from './harness';

const SLOW = 'docker-hub/library/slow';
const names = ['docker-hub/library/a', 'docker-hub/library/b', SLOW, 'docker-hub/library/c'];
/** The check's function times out after this long here (5 s in serverless.yml); the slow repository answers later. */
const CHECK_TIMEOUT_MS = 300;
const SLOW_MS = 1_000;

const registry = () => ({
  pullThroughCacheRules: [DOCKER_HUB],
  repositories: names.map((name, i) => repo(name, { images: [image(i, 10, 1, 'latest')], ...(name === SLOW ? { latencyMs: SLOW_MS } : {}) })),
});

/** The first pass's Map Runs: the concurrency each ran at, and whether it was an extra round. */
function mapRuns(result: SweepResult) {
  return result.events
    .filter((e) => e.type === 'StateEntered' && e.index === undefined && e.state?.name === 'ManageRepositories')
    .map((e) => {
      const input = e.state!.input as { mapRun: { maxConcurrency: number; round: boolean }; page: { batches: string[][] }; finalAttempt: boolean };
      return { maxConcurrency: input.mapRun.maxConcurrency, round: input.mapRun.round, repositories: input.page.batches.flat(), finalAttempt: input.finalAttempt };
    });
}

/** What each tally was handed for the slow repository. */
function slowResults(result: SweepResult): unknown[] {
  return result.events
    .filter((e) => e.type === 'StateEntered' && e.state?.name === 'TallyReport')
    .flatMap((e) => ((e.state!.input as { results: unknown[] }).results ?? []).flat())
    .filter((r) => (r as { repositoryName?: string }).repositoryName === SLOW);
}

describe.each(LAMBDA_TIMEOUT_ERRORS)('a function that times out, reported as %s', (functionTimeoutError) => {
  describe('while ECR is slow for one repository, then answers in time again', () => {
    let result: SweepResult;
    beforeAll(async () => {
      let endpoint: EcrEndpoint;
      result = await sweep(registry(), {
        params: { maxConcurrency: 2 },
        timeouts: { functionTimeoutError, functionTimeoutsMs: { checkLifecyclePolicy: CHECK_TIMEOUT_MS } },
        arrange: (started) => {
          endpoint = started;
        },
        // The first tally is done before the extra round starts: ECR is fast again by then.
        onLog: (line) => {
          if (line.message === 'page done') endpoint.setRepositoryLatency(SLOW, 0);
        },
      });
    }, 60_000);

    it('records the step as failed with that error on the first pass', () => {
      expect(slowResults(result)[0]).toEqual(expect.objectContaining({ repositoryName: SLOW, error: functionTimeoutError }));
    });

    it('takes an extra round at half the children, and ends SUCCEEDED with nothing failed', () => {
      const runs = mapRuns(result);
      expect(runs).toHaveLength(2);
      expect(runs[1]).toEqual({ maxConcurrency: 1, round: true, repositories: [SLOW], finalAttempt: false });
      expect(result.execution.status).toBe('SUCCEEDED');
      expect(result.execution.report).toMatchObject({ cached: names.length, failed: 0, failedRepositories: [] });
      expect(result.execution.report!.throttling).toMatchObject({ throttledRepositories: 1, rounds: 1 });
      for (const name of names) expect(policyOf(result, name)).toBe(TOOL_POLICY);
    });
  });

  describe('while ECR stays slow for one repository', () => {
    let result: SweepResult;
    beforeAll(async () => {
      result = await sweep(registry(), {
        params: { maxConcurrency: 2 },
        timeouts: { functionTimeoutError, functionTimeoutsMs: { checkLifecyclePolicy: CHECK_TIMEOUT_MS } },
      });
    }, 60_000);

    it('runs it in extra rounds down to the lowest concurrency, then fails it in the final attempt with that error', () => {
      const runs = mapRuns(result);
      expect(runs.filter((run) => run.round).length).toBeGreaterThan(1);
      expect(runs.at(-1)).toMatchObject({ repositories: [SLOW], finalAttempt: true });
      expect(result.execution.status).toBe('FAILED');
      expect(result.execution.report?.failedRepositories).toEqual([{ repositoryName: SLOW, error: functionTimeoutError }]);
      // The others were done on the first pass.
      for (const name of names.filter((n) => n !== SLOW)) expect(policyOf(result, name)).toBe(TOOL_POLICY);
    });
  });
});

describe('a function stopped at its timeout, as Lambda stops it', () => {
  // ECR answers the slow repository's check late, and with ThrottlingException, which the SDK would retry.
  const LATE_MS = 400;
  let result: SweepResult;
  let callsAtReturn: number;

  beforeAll(async () => {
    const latest = registry();
    latest.repositories = latest.repositories.map((r) =>
      r.repositoryName === SLOW ? { ...r, latencyMs: LATE_MS, faults: { GetLifecyclePolicy: 'ThrottlingException' as const } } : r,
    );
    result = await sweep(latest, {
      params: { maxConcurrency: 2 },
      timeouts: { functionTimeoutsMs: { checkLifecyclePolicy: 100 } },
      // The endpoint stays open 2 s after the run, so that a call made after it would be counted.
      afterRun: async (endpoint) => {
        callsAtReturn = endpoint.calls.GetLifecyclePolicy;
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      },
    });
  }, 60_000);

  it('sends no further call, not even the SDK retry of the call it was waiting for, and the run ends after it', () => {
    const checks = result.events.filter(
      (e) => (e.type === 'StateEntered' || e.type === 'StateRetried') && e.state?.name === 'CheckLifecyclePolicy',
    );
    expect(result.execution.report?.failedRepositories).toEqual([{ repositoryName: SLOW, error: 'Sandbox.Timedout' }]);
    // One call per invocation: each stopped check's call was answered with ThrottlingException, and never retried.
    expect(result.calls.GetLifecyclePolicy).toBe(checks.length);
    expect(result.calls.GetLifecyclePolicy).toBe(callsAtReturn);
  });
});
