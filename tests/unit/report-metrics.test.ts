// The CloudWatch metrics one tally publishes are what that tally added to the report, so that their sum over a
// run is the run's total, including a final attempt that brings earlier failures through.
import { emptyReport, pageMetrics, tallyPage, type Report } from '../../functions/lib/report';

const page = (results: Parameters<typeof tallyPage>[1]['results'], finalAttempt = false) => ({ scanned: 10, cached: results.length, results, finalAttempt });

describe('the metrics of one tally', () => {
  it("are the page's policies applied, images expired and repositories failed", () => {
    const before: Report = { ...emptyReport(), applied: 5, owned: 2, imagesExpired: 7, failed: 1, failedRepositoryNames: ['quay/a'] };
    const after = tallyPage(
      before,
      page([
        { lifecyclePolicy: 'NONE', imagesExpired: 3 },
        { lifecyclePolicy: 'OUTDATED', imagesExpired: 0 },
        { lifecyclePolicy: 'MANAGED', imagesExpired: 2 },
        { lifecyclePolicy: 'USER_DEFINED', imagesExpired: 0 },
        { skipped: 'RepositoryNotFoundException' },
        { failed: 'quay/b', error: 'ThrottlingException' },
      ]),
    );
    expect(pageMetrics(before, after)).toEqual({ PoliciesApplied: 2, ImagesExpired: 5, RepositoriesFailed: 1 });
  });

  it('are zero for a page with nothing to do', () => {
    const before = { ...emptyReport(), applied: 4 };
    expect(pageMetrics(before, tallyPage(before, page([])))).toEqual({ PoliciesApplied: 0, ImagesExpired: 0, RepositoriesFailed: 0 });
  });

  it('sum over a run to its report, a final attempt that came through taking its failures back', () => {
    const tallies = [
      page([{ lifecyclePolicy: 'NONE', imagesExpired: 1 }, { failed: 'quay/a', error: 'ServerException' }]),
      page([{ failed: 'quay/b', error: 'ServerException' }, { lifecyclePolicy: 'MANAGED', imagesExpired: 4 }]),
      page([{ lifecyclePolicy: 'NONE', imagesExpired: 0 }, { lifecyclePolicy: 'NONE', imagesExpired: 2 }], true),
    ];
    let report = emptyReport();
    const sums = { PoliciesApplied: 0, ImagesExpired: 0, RepositoriesFailed: 0 };
    const failedAfterEach: number[] = [];
    for (const tally of tallies) {
      const next = tallyPage(report, tally);
      const metrics = pageMetrics(report, next);
      for (const key of Object.keys(sums) as (keyof typeof sums)[]) sums[key] += metrics[key];
      failedAfterEach.push(sums.RepositoriesFailed);
      report = next;
    }
    expect(failedAfterEach).toEqual([1, 2, 0]);
    expect(sums).toEqual({ PoliciesApplied: report.applied, ImagesExpired: report.imagesExpired, RepositoriesFailed: report.failed });
    expect(sums).toEqual({ PoliciesApplied: 3, ImagesExpired: 7, RepositoriesFailed: 0 });
  });
});
