import {
  LOWEST_CONCURRENCY,
  MAX_ROUNDS_PER_PAGE,
  afterMapRun,
  slowDown,
  speedUp,
  stepsToLowest,
  type MapRunOutcome,
  type Throttling,
} from '../../functions/lib/congestion';

const ceiling = { maxConcurrency: 16, repositoriesAtOnce: 10 };
const firstPage = (over: Partial<MapRunOutcome> = {}): MapRunOutcome => ({ ran: ceiling, ceiling, repositories: 300, throttled: 0, round: false, ...over });

describe('slowing down', () => {
  it('halves the children first, then the repositories at once, and stops at one of each', () => {
    const steps = [ceiling];
    while (steps.at(-1)!.maxConcurrency > 1 || steps.at(-1)!.repositoriesAtOnce > 1) steps.push(slowDown(steps.at(-1)!));
    expect(steps.map((c) => [c.maxConcurrency, c.repositoriesAtOnce])).toEqual([
      [16, 10], [8, 10], [4, 10], [2, 10], [1, 10], [1, 5], [1, 2], [1, 1],
    ]);
    expect(slowDown(LOWEST_CONCURRENCY)).toEqual(LOWEST_CONCURRENCY);
    expect(stepsToLowest(ceiling)).toBe(steps.length - 1);
  });

  it('halves an odd number of children down', () => {
    expect(slowDown({ maxConcurrency: 5, repositoriesAtOnce: 10 })).toEqual({ maxConcurrency: 2, repositoriesAtOnce: 10 });
  });
});

describe('speeding up', () => {
  it('gives back repositories at once one by one, then one child a step, up to the stage settings', () => {
    expect(speedUp({ maxConcurrency: 1, repositoriesAtOnce: 2 }, ceiling)).toEqual({ maxConcurrency: 1, repositoriesAtOnce: 3 });
    expect(speedUp({ maxConcurrency: 3, repositoriesAtOnce: 10 }, ceiling)).toEqual({ maxConcurrency: 4, repositoriesAtOnce: 10 });
    expect(speedUp(ceiling, ceiling)).toEqual(ceiling);
  });
});

describe('the decision after a Map Run', () => {
  it('changes nothing but the counts when ECR did not throttle at the stage settings', () => {
    const { throttling, runAgain } = afterMapRun(undefined, firstPage());
    expect(runAgain).toBe(false);
    expect(throttling).toEqual({
      throttledRepositories: 0, rounds: 0, maxConcurrency: 16, repositoriesAtOnce: 10, lowestMaxConcurrency: 16, lowestRepositoriesAtOnce: 10,
      pageRounds: 0, roundsLeft: MAX_ROUNDS_PER_PAGE,
    });
  });

  it('sends throttled repositories again at half the children', () => {
    const { throttling, runAgain } = afterMapRun(undefined, firstPage({ throttled: 40 }));
    expect(runAgain).toBe(true);
    expect(throttling).toMatchObject({ throttledRepositories: 40, rounds: 1, maxConcurrency: 8, repositoriesAtOnce: 10, pageRounds: 1, roundsLeft: MAX_ROUNDS_PER_PAGE - 1 });
  });

  it('keeps the concurrency after a round that came through, and grows it by a step after the next clean page', () => {
    const first = afterMapRun(undefined, firstPage({ throttled: 40 })).throttling;
    const round = afterMapRun(first, firstPage({ ran: { maxConcurrency: 8, repositoriesAtOnce: 10 }, repositories: 40, round: true }));
    expect(round.runAgain).toBe(false);
    expect(round.throttling).toMatchObject({ maxConcurrency: 8, rounds: 1, throttledRepositories: 40 });
    const next = afterMapRun(round.throttling, firstPage({ ran: { maxConcurrency: 8, repositoriesAtOnce: 10 } }));
    expect(next.throttling).toMatchObject({ maxConcurrency: 9, pageRounds: 0, lowestMaxConcurrency: 8 });
  });

  it('does not speed up on a page that ran nothing', () => {
    const low = { maxConcurrency: 2, repositoriesAtOnce: 10 };
    expect(afterMapRun(undefined, firstPage({ ran: low, repositories: 0 })).throttling).toMatchObject(low);
  });

  it('gives a page at most MAX_ROUNDS_PER_PAGE extra rounds, reaching the lowest concurrency on the way', () => {
    let throttling: Throttling | undefined;
    let ran = { maxConcurrency: 50, repositoriesAtOnce: 10 };
    let rounds = 0;
    for (let round = false; ; round = true) {
      const decision = afterMapRun(throttling, { ran, ceiling: ran, repositories: 100, throttled: 100, round });
      throttling = decision.throttling;
      ran = { maxConcurrency: throttling.maxConcurrency, repositoriesAtOnce: throttling.repositoriesAtOnce };
      if (!decision.runAgain) break;
      rounds += 1;
    }
    expect(rounds).toBe(MAX_ROUNDS_PER_PAGE);
    expect(ran).toEqual(LOWEST_CONCURRENCY);
    expect(throttling).toMatchObject({ rounds: MAX_ROUNDS_PER_PAGE, lowestMaxConcurrency: 1, lowestRepositoriesAtOnce: 1 });
  });

  it('takes at most one extra round per later page once the first rounds are spent', () => {
    let throttling: Throttling | undefined;
    const pages = 30;
    for (let page = 0; page < pages; page += 1) {
      // Every Map Run of every page is throttled: each page takes the rounds left to it.
      for (let round = false; ; round = true) {
        const decision = afterMapRun(throttling, firstPage({ ran: LOWEST_CONCURRENCY, throttled: 5, round }));
        throttling = decision.throttling;
        if (!decision.runAgain) break;
      }
    }
    expect(throttling!.rounds).toBe(MAX_ROUNDS_PER_PAGE + pages - 1);
    expect(throttling!.roundsLeft).toBe(0);
  });
});
