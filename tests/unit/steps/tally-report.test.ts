import { createMetrics } from '../../../functions/lib/logger';
import { emptyReport } from '../../../functions/lib/report';
import { tallyReport } from '../../../functions/steps/tally-report';
import { context } from './helpers';
import { noPolicyExpirations } from '../results';

describe('tallying a page of results', () => {
  it("adds every child execution's results to the report", async () => {
    const report = await tallyReport.run(
      {
        report: { ...emptyReport(), scanned: 250, cached: 3, owned: 3 },
        dryRun: false,
        referenceTime: '2026-11-28T00:00:00Z',
        scanned: 100,
        cached: 4,
        finalAttempt: false,
        batches: [['quay/a', 'quay/b'], ['quay/c'], ['quay/d']],
        results: [
          [
            { repositoryName: 'quay/a', lifecyclePolicy: 'NONE', imagesExpired: 2, bytesExpired: 2000, ...noPolicyExpirations },
            { repositoryName: 'quay/b', error: 'AccessDeniedException' },
          ],
          [{ repositoryName: 'quay/c', lifecyclePolicy: 'USER_DEFINED', imagesExpired: 0, bytesExpired: 0, ...noPolicyExpirations }],
          [{ repositoryName: 'quay/d', skipped: 'RepositoryNotFoundException' }],
        ],
      },
      context,
    );
    expect(report).toEqual({
      ...emptyReport(),
      scanned: 350, cached: 7, applied: 1, owned: 3, userOwned: 1, skipped: 1, imagesExpired: 2, bytesExpired: 2000, failed: 1,
      failedRepositories: [{ repositoryName: 'quay/b', error: 'AccessDeniedException' }],
    });
  });

  it('starts the report from nothing on the first page', async () => {
    const page = { scanned: 3, cached: 1, finalAttempt: false, batches: [['quay/a']], results: [[{ repositoryName: 'quay/a', lifecyclePolicy: 'NONE', imagesExpired: 1, bytesExpired: 10, ...noPolicyExpirations }]] };
    const report = await tallyReport.run({ report: null, dryRun: false, referenceTime: '2026-11-28T00:00:00Z', ...page }, context);
    expect(report).toEqual({ ...emptyReport(), scanned: 3, cached: 1, applied: 1, imagesExpired: 1, bytesExpired: 10 });
  });

  it('clears the failed names once the final attempt came through', async () => {
    const report = await tallyReport.run(
      {
        report: {
          ...emptyReport(), cached: 2, failed: 2,
          failedRepositories: [{ repositoryName: 'quay/a', error: 'E' }, { repositoryName: 'quay/b', error: 'E' }],
        },
        dryRun: false,
        referenceTime: '2026-11-28T00:00:00Z',
        scanned: 0,
        cached: 0,
        finalAttempt: true,
        batches: [['quay/a'], ['quay/b']],
        results: [
          [{ repositoryName: 'quay/a', lifecyclePolicy: 'MANAGED', imagesExpired: 1, bytesExpired: 1000, ...noPolicyExpirations }],
          [{ repositoryName: 'quay/b', lifecyclePolicy: 'NONE', imagesExpired: 0, bytesExpired: 0, ...noPolicyExpirations }],
        ],
      },
      context,
    );
    expect(report).toEqual({ ...emptyReport(), cached: 2, owned: 1, applied: 1, imagesExpired: 1, bytesExpired: 1000, failed: 0 });
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
      {
        report: { ...emptyReport(), applied: 4, imagesExpired: 9 },
        dryRun: false,
        referenceTime: '2026-11-28T00:00:00Z',
        scanned: 100,
        cached: 3,
        finalAttempt: false,
        batches: [['quay/a'], ['quay/b', 'quay/c']],
        results: [
          [{ repositoryName: 'quay/a', lifecyclePolicy: 'NONE', imagesExpired: 2, bytesExpired: 2000, ...noPolicyExpirations }],
          [
            { repositoryName: 'quay/b', error: 'AccessDeniedException' },
            { repositoryName: 'quay/c', lifecyclePolicy: 'MANAGED', imagesExpired: 1, bytesExpired: 1000, ...noPolicyExpirations },
          ],
        ],
      },
      { ...context, metrics: createMetrics() },
    );
    expect(emf).toHaveLength(1);
    const [record] = emf;
    expect(record).toEqual(
      expect.objectContaining({ PoliciesApplied: 1, ImagesExpired: 3, BytesExpired: 3000, RepositoriesFailed: 1, service: 'ecr-lifecycle-manager' }),
    );
    const [directive] = record._aws.CloudWatchMetrics;
    expect(directive.Namespace).toBe('EcrLifecycleManager');
    expect(directive.Metrics).toEqual(
      expect.arrayContaining([
        ...['PoliciesApplied', 'ImagesExpired', 'RepositoriesFailed'].map((Name) => ({ Name, Unit: 'Count' })),
        { Name: 'BytesExpired', Unit: 'Bytes' },
      ]),
    );
  });

  it('are not published for a dry run, which changed nothing', async () => {
    const page = { scanned: 3, cached: 1, finalAttempt: false, batches: [['quay/a']], results: [[{ repositoryName: 'quay/a', lifecyclePolicy: 'NONE', imagesExpired: 1, bytesExpired: 10, ...noPolicyExpirations }]] };
    const report = await tallyReport.run({ report: null, dryRun: true, referenceTime: '2026-11-28T00:00:00Z', ...page }, { ...context, metrics: createMetrics() });
    expect(report).toMatchObject({ applied: 1, imagesExpired: 1 });
    expect(emf).toEqual([]);
  });

  it('log an outcome line for each repository that failed, with its error', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = { ...context.logger, info: (message: string, fields: Record<string, unknown>) => lines.push({ message, ...fields }) };
    await tallyReport.run(
      {
        report: null,
        dryRun: true,
        referenceTime: '2026-11-28T00:00:00Z',
        scanned: 2,
        cached: 2,
        finalAttempt: false,
        batches: [['quay/a'], ['quay/b']],
        results: [[{ repositoryName: 'quay/a', error: 'AccessDeniedException' }], null],
      },
      { ...context, logger: logger as unknown as typeof context.logger },
    );
    expect(lines.filter((l) => l.message === 'repository outcome')).toEqual([
      expect.objectContaining({ repositoryName: 'quay/a', action: 'failed', error: 'AccessDeniedException', dryRun: true, referenceTime: '2026-11-28T00:00:00Z' }),
      expect.objectContaining({ repositoryName: 'quay/b', action: 'failed', error: 'ChildExecutionFailed' }),
    ]);
  });
});
