import {
  CHILD_EXECUTION_FAILED,
  emptyReport,
  MAX_FAILED_NAMES,
  pageOutcomes,
  tallyPage,
  type PageResults,
  type Report,
} from '../../functions/lib/report';
import { noPolicyExpirations, returned, type TestResult } from './results';

/** The report's counts; what each cache holds is tested in cache-contents.test.ts. */
const counts = ({ cache: _cache, ...rest }: Report) => rest;

/** A page whose every child came back: one child per result, as the Map returns them. */
const page = (results: TestResult[], extra: Partial<Omit<PageResults, 'results' | 'batches'>> = {}): PageResults => ({
  ecrRepositoryPrefixes: ['quay'],
  scanned: 0,
  cached: 0,
  finalAttempt: false,
  batches: results.map((r) => [r.repositoryName]),
  results: results.map((r) => [returned(r)]),
  ...extra,
});

const failures = (from: number, n: number): TestResult[] =>
  Array.from({ length: n }, (_, i) => ({ repositoryName: `quay/repo-${from + i}`, error: 'AccessDeniedException' }));

describe('adding a page of results to the report', () => {
  it('starts from zero', () => {
    expect(emptyReport()).toEqual({
      scanned: 0, cached: 0, applied: 0, owned: 0, userOwned: 0, excluded: 0, skipped: 0, imagesExpired: 0, bytesExpired: 0,
      policyImagesExpired: 0, policyBytesExpired: 0, policyImagesInUse: 0, repositoriesWithPolicyNotes: 0, failed: 0,
      failedRepositories: [], cache: { prefixes: [], total: expect.objectContaining({ repositories: 0, bytesBefore: 0 }) },
      throttling: null,
    });
  });

  it('starts from the empty report when given none', () => {
    expect(tallyPage(null, page([], { ecrRepositoryPrefixes: [] }))).toEqual(emptyReport());
  });

  it('counts each outcome once', () => {
    const report = tallyPage(
      emptyReport(),
      page(
        [
          { repositoryName: 'q/1', lifecyclePolicy: 'NONE', imagesExpired: 2, bytesExpired: 2000, imagesBefore: 2, bytesBefore: 2000, ...noPolicyExpirations },
          { repositoryName: 'q/2', lifecyclePolicy: 'OUTDATED', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, ...noPolicyExpirations },
          { repositoryName: 'q/3', lifecyclePolicy: 'MANAGED', imagesExpired: 5, bytesExpired: 5000, imagesBefore: 5, bytesBefore: 5000, ...noPolicyExpirations },
          { repositoryName: 'q/4', lifecyclePolicy: 'MANAGED', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, ...noPolicyExpirations },
          { repositoryName: 'q/5', lifecyclePolicy: 'USER_DEFINED', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, ...noPolicyExpirations },
          { repositoryName: 'q/6', skipped: 'RepositoryNotFoundException' },
          { repositoryName: 'quay/a', error: 'AccessDeniedException' },
        ],
        { scanned: 10, cached: 7 },
      ),
    );
    expect(counts(report)).toEqual({
      ...counts(emptyReport()),
      scanned: 10, cached: 7, applied: 2, owned: 2, userOwned: 1, skipped: 1, imagesExpired: 7, bytesExpired: 7000, failed: 1,
      failedRepositories: [{ repositoryName: 'quay/a', error: 'AccessDeniedException' }],
    });
  });

  it("adds up what the tool's policy then expires, and counts the repositories whose figures rest on undocumented cases", () => {
    const report = tallyPage(
      emptyReport(),
      page([
        { repositoryName: 'q/1', lifecyclePolicy: 'NONE', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, policyImagesExpired: 3, policyBytesExpired: 300, policyImagesInUse: 2, policyNotes: 2 },
        { repositoryName: 'q/2', lifecyclePolicy: 'MANAGED', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, policyImagesExpired: 1, policyBytesExpired: 50, policyImagesInUse: 0, policyNotes: 0 },
        { repositoryName: 'q/3', lifecyclePolicy: 'USER_DEFINED', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, ...noPolicyExpirations },
      ]),
    );
    expect(report).toMatchObject({ policyImagesExpired: 4, policyBytesExpired: 350, policyImagesInUse: 2, repositoriesWithPolicyNotes: 1 });
  });

  it('counts a replaced outdated policy as applied', () => {
    expect(tallyPage(emptyReport(), page([{ repositoryName: 'q/a', lifecyclePolicy: 'OUTDATED', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, ...noPolicyExpirations }])).applied).toBe(1);
  });

  it('adds to the counts of earlier pages', () => {
    const first = tallyPage(
      emptyReport(),
      page([{ repositoryName: 'a/0', lifecyclePolicy: 'NONE', imagesExpired: 1, bytesExpired: 1000, imagesBefore: 1, bytesBefore: 1000, ...noPolicyExpirations }, { repositoryName: 'a/1', error: 'E' }], { scanned: 250, cached: 2 }),
    );
    const second = tallyPage(
      first,
      page([{ repositoryName: 'a/3', lifecyclePolicy: 'NONE', imagesExpired: 3, bytesExpired: 3000, imagesBefore: 3, bytesBefore: 3000, ...noPolicyExpirations }, { repositoryName: 'a/2', error: 'E' }], { scanned: 40, cached: 2 }),
    );
    expect(counts(second)).toEqual({
      ...counts(emptyReport()),
      scanned: 290, cached: 4, applied: 2, imagesExpired: 4, bytesExpired: 4000, failed: 2,
      failedRepositories: [{ repositoryName: 'a/1', error: 'E' }, { repositoryName: 'a/2', error: 'E' }],
    });
  });

  it('counts a page without cached repositories as scanned only', () => {
    const report = tallyPage(emptyReport(), { ecrRepositoryPrefixes: ['q', 'quay'], scanned: 1000, cached: 0, finalAttempt: false, batches: [], results: [] });
    expect(counts(report)).toEqual({ ...counts(emptyReport()), scanned: 1000 });
  });

  it('keeps at most MAX_FAILED_NAMES failed repositories, each with its error, while counting every failure', () => {
    const first = tallyPage(emptyReport(), page(failures(0, 60)));
    const second = tallyPage(first, page(failures(60, 60)));
    expect(second.failed).toBe(120);
    expect(second.failedRepositories).toHaveLength(MAX_FAILED_NAMES);
    expect(second.failedRepositories[0]).toEqual({ repositoryName: 'quay/repo-0', error: 'AccessDeniedException' });
    expect(second.failedRepositories[MAX_FAILED_NAMES - 1].repositoryName).toBe(`quay/repo-${MAX_FAILED_NAMES - 1}`);
  });

  it('clears the retried names and their count once the final attempt comes through', () => {
    const before: Report = {
      ...emptyReport(), scanned: 300, cached: 120, failed: 120,
      failedRepositories: [{ repositoryName: 'q/a', error: 'E' }, { repositoryName: 'q/b', error: 'E' }],
    };
    // The final attempt retried the two named repositories and both came through.
    const after = tallyPage(
      before,
      page(
        [
          { repositoryName: 'q/a', lifecyclePolicy: 'NONE', imagesExpired: 1, bytesExpired: 1000, imagesBefore: 1, bytesBefore: 1000, ...noPolicyExpirations },
          { repositoryName: 'q/b', lifecyclePolicy: 'MANAGED', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, ...noPolicyExpirations },
        ],
        { finalAttempt: true },
      ),
    );
    expect(counts(after)).toEqual({ ...counts(emptyReport()), scanned: 300, cached: 120, applied: 1, owned: 1, imagesExpired: 1, bytesExpired: 1000, failed: 118 });
  });

  it('does not change the report it is given', () => {
    const failedRepositories = [{ repositoryName: 'q/a', error: 'E' }];
    const before: Report = { ...emptyReport(), failed: 1, failedRepositories };
    tallyPage(before, page([{ repositoryName: 'q/b', error: 'E' }]));
    tallyPage(before, page([], { finalAttempt: true }));
    expect(counts(before)).toEqual({ ...counts(emptyReport()), failed: 1, failedRepositories: [{ repositoryName: 'q/a', error: 'E' }] });
  });
});

describe('a child execution that failed whole', () => {
  // Three children; the second failed whole, so the Map's output has no results of its own for it.
  const batches = [['q/a', 'q/b'], ['q/c', 'q/d'], ['q/e']];
  const cameBack = ([
    [
      { repositoryName: 'q/a', lifecyclePolicy: 'NONE', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, ...noPolicyExpirations },
      { repositoryName: 'q/b', error: 'ThrottlingException' },
    ],
    [{ repositoryName: 'q/e', lifecyclePolicy: 'MANAGED', imagesExpired: 2, bytesExpired: 2000, imagesBefore: 2, bytesBefore: 2000, ...noPolicyExpirations }],
  ] satisfies TestResult[][]).map((child) => child.map(returned));
  /** A repository counted failed without deletions of its own. */
  const failedWith = (repositoryName: string, error: string) => ({ repositoryName, error, imagesExpired: 0, bytesExpired: 0 });

  it('has its repositories counted failed with the error of the child, when the Map gives it in the child\'s place', () => {
    const results = [cameBack[0], { Error: 'States.Timeout', Cause: 'The execution ran past its 5 minutes' }, cameBack[1]];
    const report = tallyPage(emptyReport(), { ecrRepositoryPrefixes: ['q', 'quay'], scanned: 5, cached: 5, finalAttempt: false, batches, results });
    expect(report.failedRepositories).toEqual([
      { repositoryName: 'q/b', error: 'ThrottlingException' },
      { repositoryName: 'q/c', error: 'States.Timeout' },
      { repositoryName: 'q/d', error: 'States.Timeout' },
    ]);
  });

  it('does not guess whose error an error object is when the Map gives fewer entries than children', () => {
    const outcomes = pageOutcomes({ batches, results: [cameBack[0], { Error: 'States.Timeout' }] });
    expect(outcomes.filter((o) => 'error' in o)).toEqual([
      failedWith('q/b', 'ThrottlingException'),
      failedWith('q/c', CHILD_EXECUTION_FAILED),
      failedWith('q/d', CHILD_EXECUTION_FAILED),
      failedWith('q/e', CHILD_EXECUTION_FAILED),
    ]);
  });

  it.each([
    ['an error object', [cameBack[0], { Error: 'States.Timeout', Cause: 'The execution ran past its 5 minutes' }, cameBack[1]], 'States.Timeout'],
    // Step Functions documents a failed child's result as returned unchanged, "equivalent to having set Transformation
    // to NONE": the child's execution metadata (Step Functions Developer Guide, "ResultWriter (Map)").
    [
      "the failed child's execution metadata",
      [
        cameBack[0],
        {
          ExecutionArn: 'arn:aws:states:eu-west-1:123456789012:execution:ecr-lifecycle-manager-dev-sweep/ManageRepositories:1',
          Input: JSON.stringify({ repositoryNames: ['q/c', 'q/d'] }),
          InputDetails: { Included: true },
          Name: '1',
          Status: 'FAILED',
          Error: 'States.Timeout',
          Cause: 'The execution ran past its 5 minutes',
          StartDate: '2026-11-28T02:00:00.000Z',
          StopDate: '2026-11-28T02:05:00.000Z',
          StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:ecr-lifecycle-manager-dev-sweep/ManageRepositories',
        },
        cameBack[1],
      ],
      'States.Timeout',
    ],
    ['null', [cameBack[0], null, cameBack[1]], CHILD_EXECUTION_FAILED],
    ['an object without an error', [cameBack[0], {}, cameBack[1]], CHILD_EXECUTION_FAILED],
    ['nothing at all', [cameBack[0], cameBack[1]], CHILD_EXECUTION_FAILED],
  ])('has its repositories counted failed, in page order, whether the Map gives %s in its place', (_, results, childError) => {
    const report = tallyPage(emptyReport(), { ecrRepositoryPrefixes: ['q', 'quay'], scanned: 5, cached: 5, finalAttempt: false, batches, results });
    expect(counts(report)).toEqual({
      ...counts(emptyReport()),
      scanned: 5,
      cached: 5,
      applied: 1,
      owned: 1,
      imagesExpired: 2,
      bytesExpired: 2000,
      failed: 3,
      failedRepositories: [
        { repositoryName: 'q/b', error: 'ThrottlingException' },
        { repositoryName: 'q/c', error: childError },
        { repositoryName: 'q/d', error: childError },
      ],
    });
  });

  it('is told apart from a repository that failed alone by its error', () => {
    const outcomes = pageOutcomes({ batches, results: [cameBack[0], null, cameBack[1]] });
    expect(outcomes.filter((o) => 'error' in o)).toEqual([
      failedWith('q/b', 'ThrottlingException'),
      failedWith('q/c', CHILD_EXECUTION_FAILED),
      failedWith('q/d', CHILD_EXECUTION_FAILED),
    ]);
  });

  it('sends its repositories to the final attempt, which then clears them', () => {
    const firstPass = tallyPage(emptyReport(), { ecrRepositoryPrefixes: ['q', 'quay'], scanned: 5, cached: 5, finalAttempt: false, batches, results: [cameBack[0], null, cameBack[1]] });
    const retried = firstPass.failedRepositories.map(({ repositoryName }) => repositoryName);
    const finalAttempt = tallyPage(firstPass, {
      ecrRepositoryPrefixes: ['q', 'quay'],
      scanned: 0,
      cached: 0,
      finalAttempt: true,
      batches: retried.map((name) => [name]),
      results: retried.map((repositoryName) => [returned({ repositoryName, lifecyclePolicy: 'NONE', imagesExpired: 0, bytesExpired: 0, imagesBefore: 0, bytesBefore: 0, ...noPolicyExpirations })]),
    });
    expect(finalAttempt).toMatchObject({ failed: 0, failedRepositories: [], applied: 1 + retried.length });
  });
});
