import { handler } from '../../../functions/tally-report';
import { emptyReport } from '../../../functions/lib/report';
import { context, isolateEnvironment } from './helpers';

isolateEnvironment();

describe('tallying a page of results', () => {
  it("adds every child execution's results to the report", async () => {
    const report = await handler(
      {
        report: { ...emptyReport(), scanned: 250, cached: 3, owned: 3 },
        scanned: 100,
        cached: 4,
        finalAttempt: false,
        results: [
          [
            { lifecyclePolicy: 'NONE', imagesExpired: 2 },
            { failed: 'quay/b', error: 'AccessDeniedException' },
          ],
          [{ lifecyclePolicy: 'USER_DEFINED', imagesExpired: 0 }],
          [],
          [{ skipped: 'RepositoryNotFoundException' }],
        ],
      },
      context,
    );
    expect(report).toEqual({
      scanned: 350, cached: 7, applied: 1, owned: 3, userOwned: 1, skipped: 1, imagesExpired: 2, failed: 1, failedRepositoryNames: ['quay/b'],
    });
  });

  it('clears the failed names once the final attempt came through', async () => {
    const report = await handler(
      {
        report: { ...emptyReport(), cached: 2, failed: 2, failedRepositoryNames: ['quay/a', 'quay/b'] },
        scanned: 0,
        cached: 0,
        finalAttempt: true,
        results: [[{ lifecyclePolicy: 'MANAGED', imagesExpired: 1 }], [{ lifecyclePolicy: 'NONE', imagesExpired: 0 }]],
      },
      context,
    );
    expect(report).toEqual({ ...emptyReport(), cached: 2, owned: 1, applied: 1, imagesExpired: 1, failed: 0, failedRepositoryNames: [] });
  });
});
