import { mockClient } from 'aws-sdk-client-mock';
import { DescribePullThroughCacheRulesCommand, ECRClient, type DescribePullThroughCacheRulesCommandInput } from '@aws-sdk/client-ecr';
import { listPullThroughCachePrefixes } from '../../../functions/steps/list-pull-through-cache-prefixes';
import { context, serviceError, configure } from './helpers';
import { rejectionOf } from '../../rejection';
import { REPOSITORIES_AT_ONCE } from '../../../functions/lib/limits';

const ecr = mockClient(ECRClient);
beforeEach(() => ecr.reset());
afterAll(() => ecr.restore());

const START = '2026-11-30T02:00:00.000Z';
const rule = (ecrRepositoryPrefix: string) => ({ ecrRepositoryPrefix, upstreamRegistryUrl: 'example.io' });

/** Serves the pages in order and records each request as it was at the time (the paginator reuses its input). */
function servePages(pages: { prefixes: string[]; nextToken?: string }[]): DescribePullThroughCacheRulesCommandInput[] {
  const requests: DescribePullThroughCacheRulesCommandInput[] = [];
  ecr.on(DescribePullThroughCacheRulesCommand).callsFake((input: DescribePullThroughCacheRulesCommandInput) => {
    requests.push({ ...input });
    const page = pages[requests.length - 1];
    if (!page) throw new Error('asked for a page after the last');
    return { pullThroughCacheRules: page.prefixes.map(rule), nextToken: page.nextToken };
  });
  return requests;
}

describe('listing the pull-through cache prefixes', () => {
  it('follows every page of rules and starts the run with the defaults', async () => {
    const requests = servePages([
      { prefixes: ['docker-hub', 'quay'], nextToken: 'page-2' },
      { prefixes: ['k8s'], nextToken: 'page-3' },
      { prefixes: ['team/cache'] },
    ]);
    const run = await listPullThroughCachePrefixes.run({ input: {}, executionStartTime: START }, context);
    expect(run).toEqual({
      dryRun: false,
      referenceTime: START,
      repositoryName: null,
      ecrRepositoryPrefixes: ['docker-hub', 'quay', 'k8s', 'team/cache'],
      maxConcurrency: 4,
      repositoriesAtOnce: REPOSITORIES_AT_ONCE,
      prefixesWithoutRule: [],
    });
    expect(requests.map((r) => r.nextToken)).toEqual([undefined, 'page-2', 'page-3']);
    expect(ecr.commandCalls(DescribePullThroughCacheRulesCommand)).toHaveLength(3);
  });

  it("names the settings file's prefixes that no rule of the registry has", async () => {
    configure({ repositorySettings: { prefixes: { quay: { keepImages: 2 }, ghcr: { keepImages: 3 } }, exclude: [] } });
    servePages([{ prefixes: ['docker-hub', 'quay'] }]);
    const run = await listPullThroughCachePrefixes.run({ input: {}, executionStartTime: START }, context);
    expect(run.prefixesWithoutRule).toEqual(['ghcr']);
  });

  it('returns no prefixes for a registry without rules', async () => {
    servePages([{ prefixes: [] }]);
    expect((await listPullThroughCachePrefixes.run({ input: {}, executionStartTime: START }, context)).ecrRepositoryPrefixes).toEqual([]);
  });

  it('leaves out a ROOT rule unless the stage manages ROOT', async () => {
    servePages([{ prefixes: ['ROOT', 'quay'] }]);
    expect((await listPullThroughCachePrefixes.run({ input: {}, executionStartTime: START }, context)).ecrRepositoryPrefixes).toEqual(['quay']);
  });

  it('keeps a ROOT rule when the stage sets manageRootPrefix', async () => {
    configure({ manageRootPrefix: true });
    servePages([{ prefixes: ['ROOT', 'quay'] }]);
    expect((await listPullThroughCachePrefixes.run({ input: {}, executionStartTime: START }, context)).ecrRepositoryPrefixes).toEqual(['ROOT', 'quay']);
  });

  it('keeps only the configured prefixes when the stack manages only its own rules (managedPrefixes)', async () => {
    configure({ managedPrefixes: ['docker-hub', 'k8s', 'not-in-registry'] });
    servePages([{ prefixes: ['docker-hub', 'quay', 'k8s', 'team/cache'] }]);
    expect((await listPullThroughCachePrefixes.run({ input: {}, executionStartTime: START }, context)).ecrRepositoryPrefixes).toEqual(['docker-hub', 'k8s']);
  });

  it('never takes ROOT through managedPrefixes without manageRootPrefix', async () => {
    configure({ managedPrefixes: ['quay'] });
    servePages([{ prefixes: ['ROOT', 'quay'] }]);
    expect((await listPullThroughCachePrefixes.run({ input: {}, executionStartTime: START }, context)).ecrRepositoryPrefixes).toEqual(['quay']);
  });

  it('takes every prefix when managedPrefixes is empty', async () => {
    configure({ managedPrefixes: [] });
    servePages([{ prefixes: ['docker-hub', 'quay'] }]);
    expect((await listPullThroughCachePrefixes.run({ input: {}, executionStartTime: START }, context)).ecrRepositoryPrefixes).toEqual(['docker-hub', 'quay']);
  });

  it('takes the deploy-time dry run and concurrency when the input says nothing', async () => {
    configure({ dryRun: true, maxConcurrency: 12 });
    servePages([{ prefixes: ['quay'] }]);
    const run = await listPullThroughCachePrefixes.run({ input: {}, executionStartTime: START }, context);
    expect(run.dryRun).toBe(true);
    expect(run.maxConcurrency).toBe(12);
  });

  it.each([
    [true, false, false],
    [false, true, true],
  ])('lets the input dryRun override the stage dryRun=%s', async (stage, dryRun, expected) => {
    configure({ dryRun: stage });
    servePages([{ prefixes: ['quay'] }]);
    expect((await listPullThroughCachePrefixes.run({ input: { dryRun }, executionStartTime: START }, context)).dryRun).toBe(expected);
  });

  it('judges pull age as of the execution start unless the input names another time', async () => {
    servePages([{ prefixes: ['quay'] }]);
    const run = await listPullThroughCachePrefixes.run({ input: { referenceTime: '2026-01-01T00:00:00Z' }, executionStartTime: START }, context);
    expect(run.referenceTime).toBe('2026-01-01T00:00:00Z');
  });

  it('passes on the one repository an event names', async () => {
    servePages([{ prefixes: ['quay'] }]);
    const run = await listPullThroughCachePrefixes.run({ input: { repositoryName: 'quay/coreos/etcd' }, executionStartTime: START }, context);
    expect(run.repositoryName).toBe('quay/coreos/etcd');
  });

  it('rejects an invalid input before calling ECR', async () => {
    servePages([{ prefixes: ['quay'] }]);
    const error = await rejectionOf(listPullThroughCachePrefixes.run({ input: { dryRun: 'yes' }, executionStartTime: START }, context));
    expect(error.name).toBe('InvalidExecutionInput');
    expect(error.message).toContain('dryRun');
    expect(ecr.calls()).toHaveLength(0);
  });

  it('rejects an unknown input field before calling ECR', async () => {
    const error = await rejectionOf(listPullThroughCachePrefixes.run({ input: { source: 'manual' }, executionStartTime: START }, context));
    expect(error.name).toBe('InvalidExecutionInput');
    expect(error.message).toContain('source');
    expect(ecr.calls()).toHaveLength(0);
  });

  it('lets throttling propagate under its own name for the state machine to retry', async () => {
    ecr.on(DescribePullThroughCacheRulesCommand).rejects(serviceError('ThrottlingException'));
    expect((await rejectionOf(listPullThroughCachePrefixes.run({ input: {}, executionStartTime: START }, context))).name).toBe('ThrottlingException');
  });
});
