// How a sweep answers ECR's throttling: congestion control across Map Runs. ECR answers calls beyond its rate with
// ThrottlingException; the SDK and the state's Retry retry each call alone, in each Lambda on its own, so they cannot
// slow the sweep as a whole. Here the tally of each Map Run decides: after one in which repositories ended throttled
// the next runs at half the children (and, at one child, half the repositories at once), and those repositories go
// again in an extra round of the same page; after a page without throttling the concurrency grows back by one step.
// Rounds are bounded, so that an execution keeps within Step Functions' history and time limits
// (tests/template/time-budget.test.ts).
import { REPOSITORIES_AT_ONCE } from './limits';
import { MAX_CONCURRENCY } from './settings';

/** The error ECR answers a call beyond its rate with, as the SDK names it (and Step Functions' ErrorEquals sees it). */
export const THROTTLING_EXCEPTION = 'ThrottlingException';

/**
 * How Step Functions reports a Lambda function that ran past its own timeout: `Sandbox.Timedout`, the error type
 * Lambda gives a timed-out invocation today, or `Lambda.Unknown`, its name for an unhandled error without a type
 * ("These include out-of-memory errors and function timeouts", Step Functions developer guide). Never
 * States.Timeout: that is the Task's own TimeoutSeconds, which is longer than every function's timeout here.
 */
export const LAMBDA_TIMEOUT_ERRORS = ['Sandbox.Timedout', 'Lambda.Unknown'] as const;
export type LambdaTimeoutError = (typeof LAMBDA_TIMEOUT_ERRORS)[number];

/**
 * The errors a repository's steps may end in that say the sweep asks too much at once, not that anything is wrong
 * with the repository: ECR still throttling after every retry, and a step that ran out of time (its calls' retries
 * end well within the function's timeout, so it ran out of time waiting on a service or a machine that could not
 * keep up), under every name AWS reports that with. A repository that ends in one goes again, at a lower
 * concurrency. An out-of-memory error is reported as Lambda.Unknown too: it gets the extra rounds as well, and
 * ends in the final attempt if it keeps failing.
 */
export const CONGESTION_ERRORS: readonly string[] = [THROTTLING_EXCEPTION, ...LAMBDA_TIMEOUT_ERRORS, 'States.Timeout'];

/** How much of a page runs at once: child executions of the Map Run, and repositories at once in each child. */
export interface Concurrency {
  maxConcurrency: number;
  repositoriesAtOnce: number;
}

export const LOWEST_CONCURRENCY: Concurrency = { maxConcurrency: 1, repositoriesAtOnce: 1 };

/** Half the children; once one is left, half the repositories at once. Never below one of each. */
export function slowDown({ maxConcurrency, repositoriesAtOnce }: Concurrency): Concurrency {
  if (maxConcurrency > 1) return { maxConcurrency: Math.floor(maxConcurrency / 2), repositoriesAtOnce };
  return { maxConcurrency: 1, repositoriesAtOnce: Math.max(1, Math.floor(repositoriesAtOnce / 2)) };
}

/** One step back up: repositories at once first, then one child more, never past the stage's settings. */
export function speedUp(current: Concurrency, ceiling: Concurrency): Concurrency {
  if (current.repositoriesAtOnce < ceiling.repositoriesAtOnce) return { ...current, repositoriesAtOnce: current.repositoriesAtOnce + 1 };
  return { ...current, maxConcurrency: Math.min(ceiling.maxConcurrency, current.maxConcurrency + 1) };
}

/** How many times slowDown takes a concurrency to the lowest. */
export function stepsToLowest(from: Concurrency): number {
  let steps = 0;
  for (let c = from; c.maxConcurrency > 1 || c.repositoriesAtOnce > 1; c = slowDown(c)) steps += 1;
  return steps;
}

/**
 * The extra rounds one page may take: enough to come down from the highest concurrency a stage allows to the
 * lowest, and two more at the lowest.
 */
export const MAX_ROUNDS_PER_PAGE = stepsToLowest({ maxConcurrency: MAX_CONCURRENCY.max, repositoriesAtOnce: REPOSITORIES_AT_ONCE }) + 2;

/**
 * The concurrency as CloudWatch metrics, published after each Map Run: a level, not a count, so a graph shows
 * its Minimum or Average over a period, never its Sum.
 */
export function concurrencyMetrics({ maxConcurrency, repositoriesAtOnce }: Concurrency): { MaxConcurrency: number; RepositoriesAtOnce: number } {
  return { MaxConcurrency: maxConcurrency, RepositoriesAtOnce: repositoriesAtOnce };
}

/** What the sweep's report keeps of throttling: what the user sees, and what the next decision needs. */
export interface Throttling {
  /** Repositories whose steps ended in one of CONGESTION_ERRORS after every retry, counted in each Map Run they did. */
  throttledRepositories: number;
  /** Extra rounds run for throttled repositories, over all pages. */
  rounds: number;
  /** The concurrency of the next Map Run; once the sweep is done, the one it settled at. */
  maxConcurrency: number;
  repositoriesAtOnce: number;
  /** The lowest maxConcurrency and repositoriesAtOnce any Map Run of the sweep ran at. */
  lowestMaxConcurrency: number;
  lowestRepositoriesAtOnce: number;
  /** Extra rounds the page in progress has taken. */
  pageRounds: number;
  /**
   * Extra rounds the execution may still take: MAX_ROUNDS_PER_PAGE to start with and one more for each later
   * page, so that an execution of P pages takes at most P - 1 + MAX_ROUNDS_PER_PAGE.
   */
  roundsLeft: number;
}

/** A Map Run, as its tally sees it. */
export interface MapRunOutcome {
  /** The concurrency it ran at. */
  ran: Concurrency;
  /** The stage's settings: the concurrency never grows past them. */
  ceiling: Concurrency;
  /** How many repositories it was given; a page with none tells nothing about ECR's rate. */
  repositories: number;
  /** How many of them ended throttled. */
  throttled: number;
  /** Whether it was an extra round of the page before, rather than a new page. */
  round: boolean;
}

export interface Decision {
  throttling: Throttling;
  /** Whether the throttled repositories go again, in an extra round at `throttling`'s concurrency. */
  runAgain: boolean;
}

/** The decision after a Map Run of the first pass; `before` is undefined before the first. */
export function afterMapRun(before: Throttling | undefined, outcome: MapRunOutcome): Decision {
  const { ran, ceiling, repositories, throttled, round } = outcome;
  const start = before ?? { throttledRepositories: 0, rounds: 0, pageRounds: 0, roundsLeft: MAX_ROUNDS_PER_PAGE - 1 };
  let next: Concurrency = ran;
  if (throttled > 0) next = slowDown(ran);
  else if (!round && repositories > 0) next = speedUp(ran, ceiling);
  const pageRounds = round ? start.pageRounds : 0;
  const roundsLeft = round ? start.roundsLeft : start.roundsLeft + 1;
  const runAgain = throttled > 0 && roundsLeft > 0 && pageRounds < MAX_ROUNDS_PER_PAGE;
  return {
    runAgain,
    throttling: {
      throttledRepositories: start.throttledRepositories + throttled,
      rounds: start.rounds + (runAgain ? 1 : 0),
      ...next,
      lowestMaxConcurrency: Math.min(before?.lowestMaxConcurrency ?? ran.maxConcurrency, ran.maxConcurrency),
      lowestRepositoriesAtOnce: Math.min(before?.lowestRepositoriesAtOnce ?? ran.repositoriesAtOnce, ran.repositoriesAtOnce),
      pageRounds: pageRounds + (runAgain ? 1 : 0),
      roundsLeft: roundsLeft - (runAgain ? 1 : 0),
    },
  };
}
