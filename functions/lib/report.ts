// Counting what a sweep did. Each repository's steps end in one small result that names the repository, and each
// page's results are added to the running report between pages.
import type { RepositoryCheck } from './lifecycle-policy';

/** What the per-repository steps of the state machine return for one repository. */
export type RepositoryResult = { repositoryName: string } & (
  | { lifecyclePolicy: RepositoryCheck; imagesExpired: number; bytesExpired: number }
  | { skipped: string }
  | { error: string }
);

/**
 * The error a repository is counted failed with when its child execution failed whole (past its 5 minutes, say):
 * the Map then has no result of that child, only of the others.
 */
export const CHILD_EXECUTION_FAILED = 'ChildExecutionFailed';

export interface Report {
  scanned: number;
  cached: number;
  /** Repositories given the tool's policy, new or replacing an outdated one (in a dry run: that would have been). */
  applied: number;
  /** Repositories that already carried the tool's policy. */
  owned: number;
  /** Repositories with a policy of their own, left untouched. */
  userOwned: number;
  /** Repositories the settings file excludes, left untouched whatever their policy. */
  excluded: number;
  /** Repositories deleted while the sweep ran. */
  skipped: number;
  imagesExpired: number;
  /** The imageSizeInBytes of the images expired, as ECR gave them. */
  bytesExpired: number;
  failed: number;
  /** The first MAX_FAILED_NAMES failed repositories with the error each failed with; the final attempt retries them. */
  failedRepositories: FailedRepository[];
}

export interface FailedRepository {
  repositoryName: string;
  error: string;
}

/**
 * The most repositories the final attempt retries: it starts a child execution for each at once. Also keeps the
 * report far under Step Functions' 256 KiB state even with 256-character names.
 */
export const MAX_FAILED_NAMES = 100;

/** The report before the first page: the tally starts from it, the definition holds none of its own. */
export function emptyReport(): Report {
  return {
    scanned: 0, cached: 0, applied: 0, owned: 0, userOwned: 0, excluded: 0, skipped: 0, imagesExpired: 0, bytesExpired: 0, failed: 0,
    failedRepositories: [],
  };
}

const policyCounter = { NONE: 'applied', OUTDATED: 'applied', MANAGED: 'owned', USER_DEFINED: 'userOwned', EXCLUDED: 'excluded' } as const;

export interface PageResults {
  scanned: number;
  cached: number;
  /** The repositories the Map was given, one batch per child execution. */
  batches: string[][];
  /**
   * The Distributed Map's output: one entry per child execution, the array of its repositories' results when the
   * child succeeded. What Step Functions puts there for a child that failed within the tolerated failures is not
   * relied on: any entry that is not an array of results is passed over.
   */
  results: unknown[];
  /** The final attempt retries exactly `failedRepositories`; reaching the tally means all of them came through. */
  finalAttempt: boolean;
}

/** Every repository of the page with its result; a repository whose child execution failed whole has none of its own. */
export function pageOutcomes(page: Pick<PageResults, 'batches' | 'results'>): RepositoryResult[] {
  const returned = new Map<string, RepositoryResult>();
  for (const child of page.results) {
    if (!Array.isArray(child)) continue;
    for (const result of child) {
      if (isRepositoryResult(result)) returned.set(result.repositoryName, result);
    }
  }
  return page.batches
    .flat()
    .map((repositoryName) => returned.get(repositoryName) ?? { repositoryName, error: CHILD_EXECUTION_FAILED });
}

function isRepositoryResult(value: unknown): value is RepositoryResult {
  return typeof value === 'object' && value !== null && typeof (value as { repositoryName?: unknown }).repositoryName === 'string';
}

/** Adds one page of results (or the final attempt's) to the running report; `null` is the report before any page. */
export function tallyPage(report: Report | null, page: PageResults): Report {
  const before = report ?? emptyReport();
  const next: Report = { ...before, failedRepositories: [...before.failedRepositories] };
  if (page.finalAttempt) {
    next.failed -= before.failedRepositories.length;
    next.failedRepositories = [];
  }
  next.scanned += page.scanned;
  next.cached += page.cached;
  for (const result of pageOutcomes(page)) {
    if ('error' in result) {
      next.failed += 1;
      if (next.failedRepositories.length < MAX_FAILED_NAMES) next.failedRepositories.push({ repositoryName: result.repositoryName, error: result.error });
    } else if ('skipped' in result) {
      next.skipped += 1;
    } else {
      next[policyCounter[result.lifecyclePolicy]] += 1;
      next.imagesExpired += result.imagesExpired;
      next.bytesExpired += result.bytesExpired;
    }
  }
  return next;
}

/** What one tally adds to the CloudWatch metrics of a sweep: summed over a run, each is the run's total. */
export interface PageMetrics {
  PoliciesApplied: number;
  ImagesExpired: number;
  BytesExpired: number;
  /**
   * Negative after a final attempt that brought earlier failures through, so that the run's sum is the number of
   * repositories that failed for good.
   */
  RepositoriesFailed: number;
}

/** The change one tally made to the report, as metrics. */
export function pageMetrics(before: Report, after: Report): PageMetrics {
  return {
    PoliciesApplied: after.applied - before.applied,
    ImagesExpired: after.imagesExpired - before.imagesExpired,
    BytesExpired: after.bytesExpired - before.bytesExpired,
    RepositoriesFailed: after.failed - before.failed,
  };
}
