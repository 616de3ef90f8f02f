import { emptyReport, MAX_FAILED_NAMES, tallyPage, type Report, type RepositoryResult } from '../../functions/lib/report';

const page = (results: RepositoryResult[], extra: Partial<{ scanned: number; cached: number; finalAttempt: boolean }> = {}) => ({
  scanned: 0,
  cached: 0,
  finalAttempt: false,
  results,
  ...extra,
});

describe('adding a page of results to the report', () => {
  it('starts from zero', () => {
    expect(emptyReport()).toEqual({
      scanned: 0, cached: 0, applied: 0, owned: 0, userOwned: 0, skipped: 0, imagesExpired: 0, failed: 0, failedRepositoryNames: [],
    });
  });

  it('counts each outcome once', () => {
    const report = tallyPage(
      emptyReport(),
      page(
        [
          { lifecyclePolicy: 'NONE', imagesExpired: 2 },
          { lifecyclePolicy: 'OUTDATED', imagesExpired: 0 },
          { lifecyclePolicy: 'MANAGED', imagesExpired: 5 },
          { lifecyclePolicy: 'MANAGED', imagesExpired: 0 },
          { lifecyclePolicy: 'USER_DEFINED', imagesExpired: 0 },
          { skipped: 'RepositoryNotFoundException' },
          { failed: 'quay/a', error: 'AccessDeniedException' },
        ],
        { scanned: 10, cached: 7 },
      ),
    );
    expect(report).toEqual({
      scanned: 10, cached: 7, applied: 2, owned: 2, userOwned: 1, skipped: 1, imagesExpired: 7, failed: 1, failedRepositoryNames: ['quay/a'],
    });
  });

  it('counts a replaced outdated policy as applied', () => {
    expect(tallyPage(emptyReport(), page([{ lifecyclePolicy: 'OUTDATED', imagesExpired: 0 }])).applied).toBe(1);
  });

  it('adds to the counts of earlier pages', () => {
    const first = tallyPage(emptyReport(), page([{ lifecyclePolicy: 'NONE', imagesExpired: 1 }, { failed: 'a/1', error: 'E' }], { scanned: 250, cached: 2 }));
    const second = tallyPage(first, page([{ lifecyclePolicy: 'NONE', imagesExpired: 3 }, { failed: 'a/2', error: 'E' }], { scanned: 40, cached: 2 }));
    expect(second).toEqual({
      scanned: 290, cached: 4, applied: 2, owned: 0, userOwned: 0, skipped: 0, imagesExpired: 4, failed: 2, failedRepositoryNames: ['a/1', 'a/2'],
    });
  });

  it('keeps at most MAX_FAILED_NAMES names while counting every failure', () => {
    expect(MAX_FAILED_NAMES).toBe(100);
    const failures = (from: number, n: number): RepositoryResult[] =>
      Array.from({ length: n }, (_, i) => ({ failed: `quay/repo-${from + i}`, error: 'AccessDeniedException' }));
    const first = tallyPage(emptyReport(), page(failures(0, 60)));
    const second = tallyPage(first, page(failures(60, 60)));
    expect(second.failed).toBe(120);
    expect(second.failedRepositoryNames).toHaveLength(100);
    expect(second.failedRepositoryNames[0]).toBe('quay/repo-0');
    expect(second.failedRepositoryNames[99]).toBe('quay/repo-99');
  });

  it('clears the retried names and their count once the final attempt comes through', () => {
    const before: Report = { ...emptyReport(), scanned: 300, cached: 120, failed: 120, failedRepositoryNames: ['q/a', 'q/b'] };
    // The final attempt retried the two named repositories and both came through.
    const after = tallyPage(
      before,
      page([{ lifecyclePolicy: 'NONE', imagesExpired: 1 }, { lifecyclePolicy: 'MANAGED', imagesExpired: 0 }], { finalAttempt: true }),
    );
    expect(after).toEqual({
      scanned: 300, cached: 120, applied: 1, owned: 1, userOwned: 0, skipped: 0, imagesExpired: 1, failed: 118, failedRepositoryNames: [],
    });
  });

  it('does not change the report it is given', () => {
    const before: Report = { ...emptyReport(), failed: 1, failedRepositoryNames: ['q/a'] };
    tallyPage(before, page([{ failed: 'q/b', error: 'E' }]));
    tallyPage(before, page([], { finalAttempt: true }));
    expect(before).toEqual({ ...emptyReport(), failed: 1, failedRepositoryNames: ['q/a'] });
  });
});
