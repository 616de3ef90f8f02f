import { MAX_ROUNDS_PER_PAGE } from '../../functions/lib/congestion';
import { emptyReport, type Report, type ReturnedResult } from '../../functions/lib/report';
import { tallyMapRun, type MapRunResults, type RunCeiling } from '../../functions/lib/rounds';
import { noPolicyExpirations, returned } from './results';

const run = { maxConcurrency: 4, repositoriesAtOnce: 10, dryRun: false };
const atStage = { maxConcurrency: 4, repositoriesAtOnce: 10, toleratedFailurePercentage: 100, round: false };
const done = (repositoryName: string) => returned({ repositoryName, lifecyclePolicy: 'MANAGED', imagesExpired: 0, bytesExpired: 0, imagesBefore: 1, bytesBefore: 0, ...noPolicyExpirations });
const throttled = (repositoryName: string) => returned({ repositoryName, error: 'ThrottlingException' });
const names = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `quay/r${from + i}`);

/** A Map Run whose children got `batches` and returned `results`, one list per child. */
function mapRun(batches: string[][], results: ReturnedResult[][], over: Partial<MapRunResults<typeof run>> = {}): MapRunResults<typeof run> {
  return { run, report: null, mapRun: atStage, nextToken: 'page-2', ecrRepositoryPrefixes: ['quay'], scanned: batches.flat().length, cached: batches.flat().length, finalAttempt: false, batches, results, ...over };
}

describe("a Map Run's tally", () => {
  it('sends the throttled repositories of a page again, at half the children, without counting them yet', () => {
    const batches = [names(5), names(5, 5)];
    const results = batches.map((batch) => batch.map((name, i) => (i % 2 === 0 ? throttled(name) : done(name))));
    const state = tallyMapRun(mapRun(batches, results));
    expect(state.page.batches.flat().sort()).toEqual(['quay/r0', 'quay/r2', 'quay/r4', 'quay/r5', 'quay/r7', 'quay/r9'].sort());
    expect(state.page).toMatchObject({ nextToken: 'page-2', scanned: 0, cached: 0 });
    expect(state.page.batches).toHaveLength(2);
    expect(state.mapRun).toEqual({ maxConcurrency: 2, repositoriesAtOnce: 10, toleratedFailurePercentage: 100, round: true });
    expect(state.report).toMatchObject({ scanned: 10, cached: 10, owned: 4, failed: 0, failedRepositories: [] });
    expect(state.report.throttling).toMatchObject({ throttledRepositories: 6, rounds: 1, maxConcurrency: 2 });
    expect(state.run).toBe(run);
    expect(state.finalAttempt).toBe(false);
  });

  it('counts a round that came through, and goes on to the next page', () => {
    const first = tallyMapRun(mapRun([names(2)], [[throttled('quay/r0'), done('quay/r1')]]));
    const round = tallyMapRun({ ...first, ...first.page, ecrRepositoryPrefixes: ['quay'], report: first.report, finalAttempt: false, results: [[done('quay/r0')]] });
    expect(round.page).toEqual({ batches: [], nextToken: 'page-2', scanned: 0, cached: 0 });
    expect(round.report).toMatchObject({ scanned: 2, cached: 2, owned: 2, failed: 0 });
    expect(round.mapRun).toMatchObject({ maxConcurrency: 2, round: false });
  });

  it('counts the images a throttled repository deleted before the step ECR throttled, and what its round finds left', () => {
    // quay/r0 stored 3 images (300 bytes), lost 2 of them (200 bytes), then PutLifecyclePolicy was throttled.
    const first = tallyMapRun(mapRun([names(1)], [[returned({ repositoryName: 'quay/r0', error: 'ThrottlingException', imagesExpired: 2, bytesExpired: 200 })]]));
    expect(first.page.batches).toEqual([['quay/r0']]);
    expect(first.report).toMatchObject({ imagesExpired: 2, bytesExpired: 200, applied: 0, failed: 0 });
    // Its round finds the one image left, and puts the policy.
    const left = returned({ repositoryName: 'quay/r0', lifecyclePolicy: 'NONE', imagesExpired: 0, bytesExpired: 0, imagesBefore: 1, bytesBefore: 100, ...noPolicyExpirations });
    const round = tallyMapRun({ ...first, ...first.page, ecrRepositoryPrefixes: ['quay'], report: first.report, finalAttempt: false, results: [[left]] });
    expect(round.report).toMatchObject({ imagesExpired: 2, bytesExpired: 200, applied: 1, failed: 0 });
    expect(round.report.cache.total).toMatchObject({
      repositories: 1, managed: 1, imagesBefore: 3, bytesBefore: 300, imagesDeleted: 2, bytesDeleted: 200, imagesAfter: 1, bytesAfter: 100,
    });
  });

  it('counts the images a repository deleted before it failed, which its final attempt finds gone', () => {
    const state = tallyMapRun(mapRun([names(2)], [[returned({ repositoryName: 'quay/r0', error: 'AccessDeniedException', imagesExpired: 1, bytesExpired: 50 }), done('quay/r1')]]));
    expect(state.report).toMatchObject({ imagesExpired: 1, bytesExpired: 50, failed: 1 });
    expect(state.report.cache.total).toMatchObject({ repositories: 1, imagesBefore: 2, imagesDeleted: 1, imagesAfter: 1 });
  });

  // A function past its own timeout is Sandbox.Timedout or Lambda.Unknown; a Task past its TimeoutSeconds States.Timeout.
  it.each(['Sandbox.Timedout', 'Lambda.Unknown', 'States.Timeout'])('sends a repository whose step ended in %s again too, slower', (error) => {
    const state = tallyMapRun(mapRun([names(2)], [[returned({ repositoryName: 'quay/r0', error }), done('quay/r1')]]));
    expect(state.page.batches).toEqual([['quay/r0']]);
    expect(state.report).toMatchObject({ failed: 0, throttling: expect.objectContaining({ throttledRepositories: 1, maxConcurrency: 2 }) });
  });

  it('counts failures of any other kind at once, for the final attempt', () => {
    const state = tallyMapRun(mapRun([names(2)], [[returned({ repositoryName: 'quay/r0', error: 'AccessDeniedException' }), done('quay/r1')]]));
    expect(state.page.batches).toEqual([]);
    expect(state.report).toMatchObject({ failed: 1, failedRepositories: [{ repositoryName: 'quay/r0', error: 'AccessDeniedException' }] });
    expect(state.mapRun).toMatchObject({ maxConcurrency: 4, repositoriesAtOnce: 10 });
  });

  it('sends a repository still throttled after the last round to the final attempt', () => {
    let state = tallyMapRun(mapRun([['quay/r0']], [[throttled('quay/r0')]]));
    let rounds = 0;
    while (state.page.batches.length > 0) {
      rounds += 1;
      state = tallyMapRun({ ...state, ...state.page, ecrRepositoryPrefixes: ['quay'], report: state.report, finalAttempt: false, results: [[throttled('quay/r0')]] });
    }
    expect(rounds).toBe(MAX_ROUNDS_PER_PAGE);
    expect(state.mapRun).toMatchObject({ maxConcurrency: 1, repositoriesAtOnce: 1 });
    expect(state.report).toMatchObject({ failed: 1, failedRepositories: [{ repositoryName: 'quay/r0', error: 'ThrottlingException' }] });
    expect(state.report.throttling).toMatchObject({ throttledRepositories: MAX_ROUNDS_PER_PAGE + 1, rounds: MAX_ROUNDS_PER_PAGE });
  });

  it('makes no round of a final attempt, and keeps its concurrency out of the report', () => {
    const before: Report = {
      ...emptyReport(), cached: 1, failed: 1, failedRepositories: [{ repositoryName: 'quay/r0', error: 'ThrottlingException' }],
      throttling: { throttledRepositories: 3, rounds: 2, maxConcurrency: 1, repositoriesAtOnce: 5, lowestMaxConcurrency: 1, lowestRepositoriesAtOnce: 5, pageRounds: 2, roundsLeft: 0 },
    };
    const finalMapRun = { maxConcurrency: 1, repositoriesAtOnce: 1, toleratedFailurePercentage: 0, round: false };
    const state = tallyMapRun(mapRun([['quay/r0']], [[done('quay/r0')]], { report: before, finalAttempt: true, mapRun: finalMapRun, scanned: 0, cached: 0, nextToken: null }));
    expect(state.page.batches).toEqual([]);
    expect(state.report).toMatchObject({ failed: 0, failedRepositories: [], owned: 1, throttling: before.throttling });
  });

  it('sizes the batches of a round for the repositories at once it runs', () => {
    const low: RunCeiling & { dryRun: boolean } = run;
    const slow = { maxConcurrency: 1, repositoriesAtOnce: 2, toleratedFailurePercentage: 100, round: true };
    const batch = names(12);
    const state = tallyMapRun(mapRun([batch], [batch.map(throttled)], { run: low, mapRun: slow, report: emptyReport(), scanned: 0, cached: 0 }));
    expect(state.mapRun).toMatchObject({ maxConcurrency: 1, repositoriesAtOnce: 1 });
    expect(state.page.batches.every((b) => b.length <= 2)).toBe(true);
    expect(state.page.batches.flat()).toEqual(batch);
  });
});
