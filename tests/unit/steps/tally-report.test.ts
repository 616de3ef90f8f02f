import { createMetrics } from '../../../functions/lib/logger';
import { CACHE_METRICS, emptyReport, type Report } from '../../../functions/lib/report';
import { tallyReport } from '../../../functions/steps/tally-report';
import { context } from './helpers';
import { noPolicyExpirations, returned, type TestResult } from '../results';

/** The report's counts; what each cache holds is tested in cache-contents.test.ts. */
const counts = ({ cache: _cache, ...rest }: Report) => rest;

/**
 * The tally's input after a page's first Map Run at the stage's default concurrency, the last page of a sweep of the
 * registry: one child per batch, each returning its results as the definition does (null: a child that failed whole).
 */
function tallyInput(batches: string[][], results: (TestResult[] | null)[], over: Partial<Parameters<typeof tallyReport.run>[0]> = {}) {
  const repositories = batches.flat().length;
  return {
    run: { maxConcurrency: 4, repositoriesAtOnce: 10 },
    mapRun: { maxConcurrency: 4, repositoriesAtOnce: 10, toleratedFailurePercentage: 100, round: false },
    nextToken: null,
    report: null,
    dryRun: false,
    referenceTime: '2026-11-28T00:00:00Z',
    ecrRepositoryPrefixes: ['quay'],
    repositoryName: null,
    scanned: repositories,
    cached: repositories,
    finalAttempt: false,
    batches,
    results: results.map((child) => child && child.map(returned)),
    ...over,
  };
}

/** A logger that keeps what it is told at info, each line with its message. */
function keptLines() {
  const lines: Record<string, unknown>[] = [];
  const logger = { ...context.logger, info: (message: string, fields: Record<string, unknown>) => lines.push({ message, ...fields }) };
  return { lines, logger: logger as unknown as typeof context.logger };
}

/** One repository quay/a given the policy, with one image of 10 bytes expired. */
const appliedOne: TestResult = { repositoryName: 'quay/a', lifecyclePolicy: 'NONE', imagesExpired: 1, bytesExpired: 10, imagesBefore: 1, bytesBefore: 10, ...noPolicyExpirations };

describe('tallying a page of results', () => {
  it("adds every child execution's results to the report", async () => {
    const { report } = await tallyReport.run(
      tallyInput(
        [['quay/a', 'quay/b'], ['quay/c'], ['quay/d']],
        [
          [
            { repositoryName: 'quay/a', lifecyclePolicy: 'NONE', imagesExpired: 2, bytesExpired: 2000, imagesBefore: 2, bytesBefore: 2000, ...noPolicyExpirations },
            { repositoryName: 'quay/b', error: 'AccessDeniedException' },
          ],
          [{ repositoryName: 'quay/c', lifecyclePolicy: 'USER_DEFINED', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, ...noPolicyExpirations }],
          [{ repositoryName: 'quay/d', skipped: 'RepositoryNotFoundException' }],
        ],
        { report: { ...emptyReport(), scanned: 250, cached: 3, owned: 3 }, scanned: 100 },
      ),
      context,
    );
    expect(counts(report)).toEqual({
      ...counts(emptyReport()),
      scanned: 350, cached: 7, applied: 1, owned: 3, userOwned: 1, skipped: 1, imagesExpired: 2, bytesExpired: 2000, failed: 1,
      failedRepositories: [{ repositoryName: 'quay/b', error: 'AccessDeniedException' }],
      throttling: expect.objectContaining({ throttledRepositories: 0, rounds: 0 }),
    });
  });

  it('starts the report from nothing on the first page', async () => {
    const { report } = await tallyReport.run(tallyInput([['quay/a']], [[appliedOne]], { scanned: 3 }), context);
    expect(counts(report)).toEqual({ ...counts(emptyReport()), scanned: 3, cached: 1, applied: 1, imagesExpired: 1, bytesExpired: 10, throttling: expect.any(Object) });
  });

  it('clears the failed names once the final attempt came through', async () => {
    const { report } = await tallyReport.run(
      tallyInput(
        [['quay/a'], ['quay/b']],
        [
          [{ repositoryName: 'quay/a', lifecyclePolicy: 'MANAGED', imagesExpired: 1, bytesExpired: 1000, imagesBefore: 1, bytesBefore: 1000, ...noPolicyExpirations }],
          [{ repositoryName: 'quay/b', lifecyclePolicy: 'NONE', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, ...noPolicyExpirations }],
        ],
        {
          report: {
            ...emptyReport(), cached: 2, failed: 2,
            failedRepositories: [{ repositoryName: 'quay/a', error: 'E' }, { repositoryName: 'quay/b', error: 'E' }],
          },
          scanned: 0,
          cached: 0,
          finalAttempt: true,
        },
      ),
      context,
    );
    expect(counts(report)).toEqual({ ...counts(emptyReport()), cached: 2, owned: 1, applied: 1, imagesExpired: 1, bytesExpired: 1000, failed: 0 });
  });
});

describe('the metrics of a tally', () => {
  // Powertools writes EMF straight to process.stdout: catch it, both to keep the test output clean and to read it.
  let emf: Record<string, any>[] = [];
  let stdout: jest.SpyInstance;
  beforeEach(() => {
    emf = [];
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) emf.push(JSON.parse(line));
      return true;
    });
  });
  afterEach(() => stdout.mockRestore());

  it('are published as one EMF record of what the page added, in the service namespace', async () => {
    await tallyReport.run(
      tallyInput(
        [['quay/a'], ['quay/b', 'quay/c']],
        [
          [{ repositoryName: 'quay/a', lifecyclePolicy: 'NONE', imagesExpired: 2, bytesExpired: 2000, imagesBefore: 2, bytesBefore: 2000, ...noPolicyExpirations }],
          [
            { repositoryName: 'quay/b', error: 'AccessDeniedException' },
            { repositoryName: 'quay/c', lifecyclePolicy: 'MANAGED', imagesExpired: 1, bytesExpired: 1000, imagesBefore: 1, bytesBefore: 1000, ...noPolicyExpirations },
          ],
        ],
        { report: { ...emptyReport(), applied: 4, imagesExpired: 9 }, scanned: 100 },
      ),
      { ...context, metrics: createMetrics('dev') },
    );
    expect(emf).toHaveLength(1);
    const [record] = emf;
    expect(record).toEqual(
      expect.objectContaining({ PoliciesApplied: 1, ImagesExpired: 3, BytesExpired: 3000, RepositoriesFailedFirstPass: 1, service: 'ecr-lifecycle-manager', stage: 'dev' }),
    );
    const [directive] = record._aws.CloudWatchMetrics;
    expect(directive.Namespace).toBe('EcrLifecycleManager');
    expect(directive.Metrics).toEqual(
      expect.arrayContaining([
        ...['PoliciesApplied', 'ImagesExpired', 'RepositoriesFailedFirstPass'].map((Name) => ({ Name, Unit: 'Count' })),
        { Name: 'BytesExpired', Unit: 'Bytes' },
      ]),
    );
  });

  const lastPage = (repositoryName: string | null) =>
    tallyInput(
      [['team/cache/a', 'quay/b']],
      [[
        { repositoryName: 'team/cache/a', lifecyclePolicy: 'MANAGED', imagesExpired: 1, bytesExpired: 10, imagesBefore: 3, bytesBefore: 30, ...noPolicyExpirations },
        { repositoryName: 'quay/b', lifecyclePolicy: 'USER_DEFINED', imagesExpired: 0, bytesExpired: 0, imagesBefore: 2, bytesBefore: 5, ...noPolicyExpirations },
      ]],
      { ecrRepositoryPrefixes: ['quay', 'team', 'team/cache'], repositoryName },
    );

  it("publish what each cache holds once the report is complete, every prefix's every figure with the prefix dimension", async () => {
    await tallyReport.run(lastPage(null), { ...context, metrics: createMetrics('prod') });
    const [, ...caches] = emf;
    expect(caches.map((record) => record.prefix)).toEqual(['quay', 'team', 'team/cache']);
    for (const record of caches) {
      const [directive] = record._aws.CloudWatchMetrics;
      expect(directive.Dimensions).toEqual([['service', 'stage', 'prefix']]);
      expect(record).toMatchObject({ service: 'ecr-lifecycle-manager', stage: 'prod' });
      expect(directive.Metrics.map((m: { Name: string }) => m.Name).sort()).toEqual(Object.values(CACHE_METRICS).map(({ name }) => name).sort());
    }
    // Zeros included: team holds no repository of this run.
    expect(caches[1]).toMatchObject({ CachedRepositories: 0, BytesBefore: 0 });
    expect(caches[2]).toMatchObject({ CachedRepositories: 1, ManagedRepositories: 1, BytesBefore: 30, BytesDeleted: 10, BytesAfter: 20, ImagesAfter: 2 });
    expect(caches[0]).toMatchObject({ CachedRepositories: 1, LeftAloneRepositories: 1, ImagesBefore: 2, BytesAfter: 5 });
  });

  it("publish no cache figures for an event's sweep of one repository, which are not a cache's", async () => {
    await tallyReport.run(lastPage('team/cache/a'), { ...context, metrics: createMetrics('prod') });
    expect(emf).toHaveLength(1);
  });

  it('are not published for a dry run, which changed nothing', async () => {
    const { report } = await tallyReport.run(tallyInput([['quay/a']], [[appliedOne]], { dryRun: true }), { ...context, metrics: createMetrics('dev') });
    expect(report).toMatchObject({ applied: 1, imagesExpired: 1 });
    expect(emf).toEqual([]);
  });

  it('count throttled repositories and rounds, publish the concurrency, and log no failure for a repository going again', async () => {
    const { lines, logger } = keptLines();
    const state = await tallyReport.run(
      tallyInput(
        [['quay/a'], ['quay/b']],
        [[{ repositoryName: 'quay/a', error: 'ThrottlingException' }], [{ repositoryName: 'quay/b', lifecyclePolicy: 'MANAGED', imagesExpired: 0, bytesExpired: 0, imagesBefore: 1, bytesBefore: 0, ...noPolicyExpirations }]],
      ),
      { ...context, logger, metrics: createMetrics('dev') },
    );
    expect(state.page.batches).toEqual([['quay/a']]);
    expect(lines.filter((l) => l.message === 'repository outcome')).toEqual([]);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toEqual(expect.objectContaining({ ThrottledRepositories: 1, ThrottlingRounds: 1, RepositoriesFailedFirstPass: 0, MaxConcurrency: 2, RepositoriesAtOnce: 10 }));
  });

  it('log an outcome line for each repository that failed, with its error', async () => {
    const { lines, logger } = keptLines();
    await tallyReport.run(tallyInput([['quay/a'], ['quay/b']], [[{ repositoryName: 'quay/a', error: 'AccessDeniedException' }], null], { dryRun: true }), { ...context, logger });
    expect(lines.filter((l) => l.message === 'repository outcome')).toEqual([
      expect.objectContaining({ repositoryName: 'quay/a', action: 'failed', error: 'AccessDeniedException', dryRun: true, referenceTime: '2026-11-28T00:00:00Z' }),
      expect.objectContaining({ repositoryName: 'quay/b', action: 'failed', error: 'ChildExecutionFailed' }),
    ]);
  });
});
