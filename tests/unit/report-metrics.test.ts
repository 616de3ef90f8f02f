// The CloudWatch metrics one tally publishes are what that tally added to the report, so that their sum over a
// run is the run's total; repositories that failed count on the first pass only, plainly named so.
import { emptyReport, pageMetrics, tallyPage, type PageResults, type Report } from '../../functions/lib/report';
import { noPolicyExpirations, returned, type TestResult } from './results';

/** A page whose every repository came back with the result given, each from a child of its own. */
const page = (results: TestResult[], finalAttempt = false): PageResults => ({
  ecrRepositoryPrefixes: ['quay'],
  scanned: 10,
  cached: results.length,
  batches: results.map((r) => [r.repositoryName]),
  results: results.map((r) => [returned(r)]),
  finalAttempt,
});

describe('the metrics of one tally', () => {
  it("are the page's policies applied, images and bytes expired and repositories failed", () => {
    const before: Report = {
      ...emptyReport(), applied: 5, owned: 2, imagesExpired: 7, bytesExpired: 7000, failed: 1,
      failedRepositories: [{ repositoryName: 'quay/a', error: 'E' }],
    };
    const after = tallyPage(
      before,
      page([
        { repositoryName: 'quay/1', lifecyclePolicy: 'NONE', imagesExpired: 3, bytesExpired: 3000, imagesBefore: 3, bytesBefore: 3000, ...noPolicyExpirations },
        { repositoryName: 'quay/2', lifecyclePolicy: 'OUTDATED', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, ...noPolicyExpirations },
        { repositoryName: 'quay/3', lifecyclePolicy: 'MANAGED', imagesExpired: 2, bytesExpired: 2000, imagesBefore: 2, bytesBefore: 2000, ...noPolicyExpirations },
        { repositoryName: 'quay/4', lifecyclePolicy: 'USER_DEFINED', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, ...noPolicyExpirations },
        { repositoryName: 'quay/5', skipped: 'RepositoryNotFoundException' },
        { repositoryName: 'quay/b', error: 'ThrottlingException' },
      ]),
    );
    expect(pageMetrics(before, after, false)).toEqual({
      PoliciesApplied: 2, ImagesExpired: 5, BytesExpired: 5000, PolicyImagesExpired: 0, PolicyBytesExpired: 0, PolicyImagesInUse: 0, RepositoriesFailedFirstPass: 1, ThrottledRepositories: 0, ThrottlingRounds: 0,
    });
  });

  it('are zero for a page with nothing to do', () => {
    const before = { ...emptyReport(), applied: 4 };
    expect(pageMetrics(before, tallyPage(before, page([])), false)).toEqual({
      PoliciesApplied: 0, ImagesExpired: 0, BytesExpired: 0, PolicyImagesExpired: 0, PolicyBytesExpired: 0, PolicyImagesInUse: 0, RepositoriesFailedFirstPass: 0, ThrottledRepositories: 0, ThrottlingRounds: 0,
    });
  });

  it('sum over a run to its report, failures counted on the first pass and never taken back by the final attempt', () => {
    const tallies = [
      page([{ repositoryName: 'quay/1', lifecyclePolicy: 'NONE', imagesExpired: 1, bytesExpired: 1000, imagesBefore: 1, bytesBefore: 1000, ...noPolicyExpirations }, { repositoryName: 'quay/a', error: 'ServerException' }]),
      page([{ repositoryName: 'quay/b', error: 'ServerException' }, { repositoryName: 'quay/2', lifecyclePolicy: 'MANAGED', imagesExpired: 4, bytesExpired: 4000, imagesBefore: 4, bytesBefore: 4000, ...noPolicyExpirations }]),
      page(
        [
          { repositoryName: 'quay/a', lifecyclePolicy: 'NONE', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, ...noPolicyExpirations },
          { repositoryName: 'quay/b', lifecyclePolicy: 'NONE', imagesExpired: 2, bytesExpired: 2000, imagesBefore: 2, bytesBefore: 2000, ...noPolicyExpirations },
        ],
        true,
      ),
    ];
    let report = emptyReport();
    const sums = { PoliciesApplied: 0, ImagesExpired: 0, BytesExpired: 0, RepositoriesFailedFirstPass: 0 };
    const failedAfterEach: number[] = [];
    for (const tally of tallies) {
      const next = tallyPage(report, tally);
      const metrics = pageMetrics(report, next, tally.finalAttempt);
      for (const key of Object.keys(sums) as (keyof typeof sums)[]) sums[key] += metrics[key];
      failedAfterEach.push(sums.RepositoriesFailedFirstPass);
      report = next;
    }
    expect(failedAfterEach).toEqual([1, 2, 2]);
    expect(sums).toMatchObject({ PoliciesApplied: report.applied, ImagesExpired: report.imagesExpired, BytesExpired: report.bytesExpired });
    expect(report.failed).toBe(0);
    expect(sums).toEqual({ PoliciesApplied: 3, ImagesExpired: 7, BytesExpired: 7000, RepositoriesFailedFirstPass: 2 });
  });
});
