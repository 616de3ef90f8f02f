import { createMetrics } from '../../../functions/lib/logger';
import { emptyReport } from '../../../functions/lib/report';
import { tallyReport } from '../../../functions/steps/tally-report';
import { context } from './helpers';

describe('tallying a page of results', () => {
  it("adds every child execution's results to the report", async () => {
    const report = await tallyReport.run(
      {
        report: { ...emptyReport(), scanned: 250, cached: 3, owned: 3 },
        scanned: 100,
        cached: 4,
        finalAttempt: false,
        batches: [['quay/a', 'quay/b'], ['quay/c'], ['quay/d']],
        results: [
          [
            { repositoryName: 'quay/a', lifecyclePolicy: 'NONE', imagesExpired: 2 },
            { repositoryName: 'quay/b', error: 'AccessDeniedException' },
          ],
          [{ repositoryName: 'quay/c', lifecyclePolicy: 'USER_DEFINED', imagesExpired: 0 }],
          [{ repositoryName: 'quay/d', skipped: 'RepositoryNotFoundException' }],
        ],
      },
      context,
    );
    expect(report).toEqual({
      scanned: 350, cached: 7, applied: 1, owned: 3, userOwned: 1, skipped: 1, imagesExpired: 2, failed: 1, failedRepositoryNames: ['quay/b'],
    });
  });

  it('clears the failed names once the final attempt came through', async () => {
    const report = await tallyReport.run(
      {
        report: { ...emptyReport(), cached: 2, failed: 2, failedRepositoryNames: ['quay/a', 'quay/b'] },
        scanned: 0,
        cached: 0,
        finalAttempt: true,
        batches: [['quay/a'], ['quay/b']],
        results: [
          [{ repositoryName: 'quay/a', lifecyclePolicy: 'MANAGED', imagesExpired: 1 }],
          [{ repositoryName: 'quay/b', lifecyclePolicy: 'NONE', imagesExpired: 0 }],
        ],
      },
      context,
    );
    expect(report).toEqual({ ...emptyReport(), cached: 2, owned: 1, applied: 1, imagesExpired: 1, failed: 0, failedRepositoryNames: [] });
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
        scanned: 100,
        cached: 3,
        finalAttempt: false,
        batches: [['quay/a'], ['quay/b', 'quay/c']],
        results: [
          [{ repositoryName: 'quay/a', lifecyclePolicy: 'NONE', imagesExpired: 2 }],
          [
            { repositoryName: 'quay/b', error: 'AccessDeniedException' },
            { repositoryName: 'quay/c', lifecyclePolicy: 'MANAGED', imagesExpired: 1 },
          ],
        ],
      },
      { ...context, metrics: createMetrics() },
    );
    expect(emf).toHaveLength(1);
    const [record] = emf;
    expect(record).toEqual(expect.objectContaining({ PoliciesApplied: 1, ImagesExpired: 3, RepositoriesFailed: 1, service: 'ecr-lifecycle-manager' }));
    const [directive] = record._aws.CloudWatchMetrics;
    expect(directive.Namespace).toBe('EcrLifecycleManager');
    expect(directive.Metrics).toEqual(
      expect.arrayContaining(['PoliciesApplied', 'ImagesExpired', 'RepositoriesFailed'].map((Name) => ({ Name, Unit: 'Count' }))),
    );
  });
});
