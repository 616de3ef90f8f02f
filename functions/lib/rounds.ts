// What the sweep does after each Map Run: the tally adds its results to the report and decides the next Map Run
// (functions/lib/congestion.ts). The tally hands back the parent execution's whole state, so that the Map's results
// and the page just done leave it: a page's throttled repositories then travel once, as the next round's batches,
// and the state stays as small as the page budget assumes (functions/lib/repository-page.ts).
import { afterMapRun, type Concurrency } from './congestion';
import { childBatches } from './repository-page';
import { tallyPage, throttledRepositories, type PageResults, type Report } from './report';

/** The part of the execution's run (ListPullThroughCachePrefixes) a tally reads; the rest travels untouched. */
export interface RunCeiling {
  /** The stage's maxConcurrency, and the repositories at once a child starts with: the most either grows back to. */
  maxConcurrency: number;
  repositoriesAtOnce: number;
}

/** The Map Run's settings, read by the definition through MaxConcurrencyPath and ToleratedFailurePercentagePath. */
export interface MapRunSettings extends Concurrency {
  toleratedFailurePercentage: number;
  /** Whether the Map Run is an extra round of the page before, for its throttled repositories. */
  round: boolean;
}

/** One Map Run's results, as the definition hands them to the tally. */
export interface MapRunResults<R extends RunCeiling> extends PageResults {
  run: R;
  report: Report | null;
  mapRun: MapRunSettings;
  /** The page's DescribeRepositories token, for the page after it. */
  nextToken: string | null;
}

/** The parent execution's state after a tally. */
export interface SweepState<R> {
  run: R;
  finalAttempt: boolean;
  mapRun: MapRunSettings;
  /** An extra round of the same page (its throttled repositories), or no batches: the next page, or the end. */
  page: { batches: string[][]; nextToken: string | null; scanned: number; cached: number };
  report: Report;
}

export function tallyMapRun<R extends RunCeiling>(input: MapRunResults<R>): SweepState<R> {
  const { run, report, mapRun, nextToken, finalAttempt } = input;
  if (finalAttempt) {
    // The final attempt's tolerance is 0: a tally after it means every repository came through.
    return { run, finalAttempt, mapRun, page: { batches: [], nextToken, scanned: 0, cached: 0 }, report: tallyPage(report, input) };
  }
  const throttled = throttledRepositories(input);
  const { throttling, runAgain } = afterMapRun(report?.throttling ?? undefined, {
    ran: { maxConcurrency: mapRun.maxConcurrency, repositoriesAtOnce: mapRun.repositoriesAtOnce },
    ceiling: { maxConcurrency: run.maxConcurrency, repositoriesAtOnce: run.repositoriesAtOnce },
    repositories: input.batches.flat().length,
    throttled: throttled.length,
    round: mapRun.round,
  });
  const { maxConcurrency, repositoriesAtOnce } = throttling;
  return {
    run,
    finalAttempt,
    mapRun: { maxConcurrency, repositoriesAtOnce, toleratedFailurePercentage: mapRun.toleratedFailurePercentage, round: runAgain },
    page: {
      batches: runAgain ? childBatches(throttled, maxConcurrency, repositoriesAtOnce) : [],
      nextToken,
      scanned: 0,
      cached: 0,
    },
    report: { ...tallyPage(report, input, new Set(runAgain ? throttled : [])), throttling },
  };
}
