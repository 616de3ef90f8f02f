// statemachines/sweep.asl.yml run by aws-local-stepfunctions through local/distributed-map.ts, its Lambda tasks
// replaced by small stand-ins (the tally is the real one): the Map Runs of each pass, as AWS would run them.
import '../../local/promise-with-resolvers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { parse } from 'yaml';
import { REPOSITORIES_AT_ONCE } from '../../functions/lib/limits';
import type { Report } from '../../functions/lib/report';
import { childBatches } from '../../functions/lib/repository-page';
import { tallyMapRun } from '../../functions/lib/rounds';
import { distributedMapRunOptions, EXCEED_TOLERATED_FAILURE_THRESHOLD } from '../../local/distributed-map';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const DEFINITION = readFileSync(join(__dirname, '../../statemachines/sweep.asl.yml'), 'utf8');

interface Registry {
  /** The cached repositories of each DescribeRepositories page. */
  pages: string[][];
  maxConcurrency: number;
  /** Repositories whose lifecycle policy check fails, and how many times before it succeeds. */
  checkFails?: Record<string, number>;
  /** Repositories whose child execution fails whole, every time. */
  childFails?: string[];
  checkMs?: number;
}

async function sweep(registry: Registry) {
  const definition = parse(DEFINITION);
  const names: string[] = [];
  const visit = (states: Json) => {
    for (const [name, state] of Object.entries<Json>(states)) {
      if (state.Type === 'Task') {
        state.Resource = `arn:aws:lambda:us-east-1:123456789012:function:${state.Resource['Fn::GetAtt'][0]}`;
        names.push(name);
      }
      if (state.ItemProcessor) visit(state.ItemProcessor.States);
    }
  };
  visit(definition.States);

  const expired: string[] = [];
  const checks = new Map<string, number>();
  let inFlight = 0;
  let mostChecksAtOnce = 0;
  const handlers = {
    ListPullThroughCachePrefixes: () => ({
      dryRun: false,
      referenceTime: '2026-11-28T00:00:00.000Z',
      repositoryName: null,
      ecrRepositoryPrefixes: ['quay'],
      maxConcurrency: registry.maxConcurrency,
      repositoriesAtOnce: REPOSITORIES_AT_ONCE,
      prefixesWithoutRule: [],
    }),
    ListCachedRepositories: (input: Json) => {
      const index = input.nextToken === null ? 0 : Number(input.nextToken);
      const cached = registry.pages[index];
      const more = index + 1 < registry.pages.length;
      return { batches: childBatches(cached, input.maxConcurrency, input.repositoriesAtOnce), nextToken: more ? String(index + 1) : null, scanned: cached.length + 1, cached: cached.length };
    },
    CheckLifecyclePolicy: async ({ repositoryName }: Json) => {
      const seen = (checks.get(repositoryName) ?? 0) + 1;
      checks.set(repositoryName, seen);
      mostChecksAtOnce = Math.max(mostChecksAtOnce, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, registry.checkMs ?? 1));
      inFlight -= 1;
      if (seen <= (registry.checkFails?.[repositoryName] ?? 0)) {
        throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      }
      return { lifecyclePolicy: 'MANAGED', keptImages: 1 };
    },
    PutLifecyclePolicy: () => null,
    ExpireUnpulledImages: ({ repositoryName }: Json) => {
      expired.push(repositoryName);
      return {
        lifecyclePolicy: 'MANAGED', keepImages: 1, imagesExpired: 1, bytesExpired: 0,
        policyImagesExpired: 0, policyBytesExpired: 0, policyImagesInUse: 0, policyNotes: 0, imagesBefore: 1, bytesBefore: 0,
      };
    },
    TallyReport: (input: Json) => tallyMapRun(input) as Json,
  };

  const machine = new StateMachine(definition as StateMachineDefinition, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(
    {},
    {
      ...distributedMapRunOptions({
        failChildExecution: (input: Json) =>
          input.repositoryNames.some((n: string) => registry.childFails?.includes(n)) ? { error: 'States.Timeout', cause: 'ran past 5 minutes' } : undefined,
      }),
      overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: Object.fromEntries(names.map((n) => [n, 0])) },
    },
  );
  const events: Json[] = [];
  const watching = (async () => {
    for await (const event of execution.eventLogs) events.push(event);
  })();
  const mapRuns = () => events.filter((e) => e.type === 'StateEntered' && e.state.name === 'ManageRepositories').map((e) => e.state.input);
  const tallies = () => events.filter((e) => e.type === 'StateExited' && e.state.name === 'TallyReport').map((e) => e.state.output.report as Report);
  try {
    const output = (await execution.result) as Json;
    await watching;
    return { status: 'SUCCEEDED', report: output.report as Report, expired, mostChecksAtOnce, mapRuns: mapRuns(), tallies: tallies(), events };
  } catch (error) {
    if (!(error instanceof ExecutionError)) throw error;
    await watching;
    const failedAt = events.find((e) => e.type === 'StateFailed' && e.index === undefined)?.state.name;
    return { status: 'FAILED', error: (error.cause as Error).name, failedAt, expired, mostChecksAtOnce, mapRuns: mapRuns(), tallies: tallies(), events };
  }
}

const repos = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `quay/${prefix}-${i}`);

describe('the sweep definition, its Map Runs run as on AWS', () => {
  it('sweeps every page, starting no Map Run for a page without cached repositories', async () => {
    const pages = [repos('a', 7), [], repos('c', 3)];
    const result = await sweep({ pages, maxConcurrency: 3 });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.expired.sort()).toEqual(pages.flat().sort());
    expect(result.report).toMatchObject({ scanned: 13, cached: 10, owned: 10, imagesExpired: 10, failed: 0 });
    // Two Map Runs, for the pages with cached repositories, each with a batch per child it may run at once.
    expect(result.mapRuns.map((input: Json) => input.page.batches.length)).toEqual([3, 3]);
    expect(result.tallies).toHaveLength(3);
  });

  it('goes on past a child that fails whole, and retries its repositories in the final attempt', async () => {
    const pages = [repos('a', 6), repos('b', 6)];
    const result = await sweep({ pages, maxConcurrency: 2, childFails: ['quay/a-1'] });
    // Its child held a-0..a-2; the others of that child come through in the final attempt, a-1 fails again.
    expect(result).toMatchObject({ status: 'FAILED', error: EXCEED_TOLERATED_FAILURE_THRESHOLD, failedAt: 'ManageRepositories' });
    expect(result.expired.sort()).toEqual(pages.flat().filter((n) => n !== 'quay/a-1').sort());
    // Counted failed with the child's own error, which the local layer puts in the Map's output in its place.
    expect(result.tallies.at(-1)?.failedRepositories).toEqual(['quay/a-0', 'quay/a-1', 'quay/a-2'].map((repositoryName) => ({ repositoryName, error: 'States.Timeout' })));
    expect(result.tallies.at(-1)?.failed).toBe(3);
    const finalAttempt = result.mapRuns.at(-1);
    expect(finalAttempt).toMatchObject({ finalAttempt: true, mapRun: { maxConcurrency: 3, toleratedFailurePercentage: 0 } });
    // The Map Run failed after starting every child of the final attempt, so Redrive re-runs only a-1's.
    const finalChildren = result.events.filter((e: Json) => e.type === 'MapIterationStarted' && e.parentState.name === 'ManageRepositories' && e.parentState.input.finalAttempt);
    expect(finalChildren).toHaveLength(3);
  });

  it('retries a repository that failed alone, and fails at the Map when it fails again', async () => {
    const result = await sweep({ pages: [repos('a', 4)], maxConcurrency: 2, checkFails: { 'quay/a-2': 2 } });
    expect(result).toMatchObject({ status: 'FAILED', error: EXCEED_TOLERATED_FAILURE_THRESHOLD, failedAt: 'ManageRepositories' });
    expect(result.tallies).toEqual([expect.objectContaining({ failed: 1, failedRepositories: [expect.objectContaining({ repositoryName: 'quay/a-2' })] })]);
    const failedChild = result.events.find((e: Json) => e.type === 'MapIterationFailed' && e.parentState.name === 'ManageRepositories');
    // The child fails with the repository's own error, as the console then shows it.
    expect(failedChild).toMatchObject({ Error: 'AccessDeniedException', Cause: 'quay/a-2 failed again with AccessDeniedException' });
  });

  it('starts every child of the final attempt at once, whatever the first pass ran at', async () => {
    const failing = repos('a', 5);
    const result = await sweep({
      pages: [failing],
      maxConcurrency: 1,
      checkMs: 40,
      checkFails: Object.fromEntries(failing.map((n) => [n, 1])),
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.report).toMatchObject({ cached: 5, owned: 5, failed: 0, failedRepositories: [] });
    // The first pass ran one child (of up to 20 repositories, 10 at once); the final attempt five children at once.
    expect(result.mapRuns.map((input: Json) => input.mapRun.maxConcurrency)).toEqual([1, 5]);
    expect(result.mostChecksAtOnce).toBe(5);
  });
});
