// Counting what a sweep did. Each repository's steps end in one small result that names the repository, and each
// page's results are added to the running report between pages.
import type { RepositoryCheck } from './lifecycle-policy';

/** What ECR's next lifecycle evaluation expires under the tool's policy after the sweep (none for a repository left alone). */
export interface PolicyFigures {
  policyImagesExpired: number;
  policyBytesExpired: number;
  /** Of policyImagesExpired, the images in use: pulled (never pulled: pushed) within unpulledDays. */
  policyImagesInUse: number;
}

/** What the per-repository steps of the state machine return for one repository. */
export type RepositoryResult = { repositoryName: string } & (
  | ({ lifecyclePolicy: RepositoryCheck; imagesExpired: number; bytesExpired: number; policyNotes: number } & PolicyFigures)
  | { skipped: string }
  | { error: string }
);

/**
 * The error a repository is counted failed with when its child execution failed whole and the Map's output does
 * not say with what.
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
  /** What ECR's next evaluation of the tool's policies then expires, within 24 hours of the sweep. */
  policyImagesExpired: number;
  policyBytesExpired: number;
  policyImagesInUse: number;
  /**
   * Repositories whose policy expirations rest on cases ECR does not document (functions/lib/lifecycle-evaluation.ts);
   * their outcome lines (and the plan) name the cases and the images.
   */
  repositoriesWithPolicyNotes: number;
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
    scanned: 0, cached: 0, applied: 0, owned: 0, userOwned: 0, excluded: 0, skipped: 0, imagesExpired: 0, bytesExpired: 0,
    policyImagesExpired: 0, policyBytesExpired: 0, policyImagesInUse: 0, repositoriesWithPolicyNotes: 0, failed: 0,
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
   * child succeeded. For a child that failed whole there is no such array: an entry with the child's own `Error`
   * (as the local runner gives, from the child's failure) names the error of each of its repositories; without one,
   * they are counted failed with CHILD_EXECUTION_FAILED.
   */
  results: unknown[];
  /** The final attempt retries exactly `failedRepositories`; reaching the tally means all of them came through. */
  finalAttempt: boolean;
}

/** Every repository of the page with its result; a repository whose child execution failed whole has none of its own. */
export function pageOutcomes(page: Pick<PageResults, 'batches' | 'results'>): RepositoryResult[] {
  const returned = new Map<string, RepositoryResult>();
  page.results.forEach((child, index) => {
    if (Array.isArray(child)) {
      for (const result of child) if (isRepositoryResult(result)) returned.set(result.repositoryName, result);
      return;
    }
    const error = childError(child);
    // Each child execution holds one batch, in order, as long as the output has an entry for every child.
    if (error && page.results.length === page.batches.length) for (const repositoryName of page.batches[index] ?? []) returned.set(repositoryName, { repositoryName, error });
  });
  return page.batches
    .flat()
    .map((repositoryName) => returned.get(repositoryName) ?? { repositoryName, error: CHILD_EXECUTION_FAILED });
}

/** The error a child execution that failed whole failed with, when its entry in the Map's output says it. */
function childError(entry: unknown): string | undefined {
  const error = typeof entry === 'object' && entry !== null ? (entry as { Error?: unknown }).Error : undefined;
  return typeof error === 'string' && error.length > 0 ? error : undefined;
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
      next.policyImagesExpired += result.policyImagesExpired;
      next.policyBytesExpired += result.policyBytesExpired;
      next.policyImagesInUse += result.policyImagesInUse;
      if (result.policyNotes > 0) next.repositoriesWithPolicyNotes += 1;
    }
  }
  return next;
}

/** What one tally adds to the CloudWatch metrics of a sweep: summed over a run, each is the run's total. */
export interface PageMetrics {
  PoliciesApplied: number;
  ImagesExpired: number;
  BytesExpired: number;
  /** What ECR's evaluation of the tool's policies then expires, and how many of those images are in use. */
  PolicyImagesExpired: number;
  PolicyBytesExpired: number;
  PolicyImagesInUse: number;
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
    PolicyImagesExpired: after.policyImagesExpired - before.policyImagesExpired,
    PolicyBytesExpired: after.policyBytesExpired - before.policyBytesExpired,
    PolicyImagesInUse: after.policyImagesInUse - before.policyImagesInUse,
    RepositoriesFailed: after.failed - before.failed,
  };
}
