// Counting what a sweep did. Each repository's steps end in one small result that names the repository, and each
// page's results are added to the running report between pages, with what each cache holds (cache-contents.ts).
import { addDeletions, addRepository, emptyCache, withPrefixes, type CacheContents, type CacheFigures, type CacheMembership } from './cache-contents';
import { cachePrefixOf } from './cached-repositories';
import { CONGESTION_ERRORS, type Throttling } from './congestion';
import type { RepositoryCheck } from './lifecycle-policy';

/**
 * A repository's figures, in the order of the definition's `figures` (ReportRepository, LeaveRepositoryAlone):
 * numbers without names keep a page's results small. imagesBefore and bytesBefore are what the repository stored
 * before the sweep (0 for an excluded one, which is never read); the policy figures are what ECR's next evaluation
 * of the tool's policy then expires (none for a repository left alone), policyImagesInUse those of them pulled (never
 * pulled: pushed) within unpulledDays; policyNotes counts the cases its outcome line names.
 */
export const RESULT_FIGURES = [
  'imagesExpired', 'bytesExpired', 'policyImagesExpired', 'policyBytesExpired', 'policyImagesInUse', 'policyNotes', 'imagesBefore', 'bytesBefore',
] as const;

export type ResultFigures = Record<(typeof RESULT_FIGURES)[number], number>;

/**
 * A repository whose step failed, with the images it deleted before that step (none when it failed before
 * ExpireUnpulledImages, or when its child execution failed whole and nothing says).
 */
export interface FailedResult {
  error: string;
  imagesExpired: number;
  bytesExpired: number;
}

/** What the per-repository steps of the state machine return for one repository, as pageOutcomes reads it. */
export type RepositoryResult = { repositoryName: string } & (({ lifecyclePolicy: RepositoryCheck } & ResultFigures) | { skipped: string } | FailedResult);

/** A repository's result as the definition returns it: its figures in the order of RESULT_FIGURES. */
export type ReturnedResult = { repositoryName: string } & ({ lifecyclePolicy: RepositoryCheck; figures: number[] } | { skipped: string } | FailedResult);

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
  /**
   * What each cache holds. A repository that failed for good, or was deleted during the sweep, is in none of its
   * figures but the images it deleted: `failed` and `skipped` count it.
   */
  cache: CacheContents;
  /** How ECR's throttling slowed the sweep (functions/lib/congestion.ts); null before the first tally. */
  throttling: Throttling | null;
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
    failedRepositories: [], cache: emptyCache(), throttling: null,
  };
}

const policyCounter = { NONE: 'applied', OUTDATED: 'applied', MANAGED: 'owned', USER_DEFINED: 'userOwned', EXCLUDED: 'excluded' } as const;
const cacheMembership: Record<RepositoryCheck, CacheMembership> = {
  NONE: 'managed', OUTDATED: 'managed', MANAGED: 'managed', USER_DEFINED: 'leftAlone', EXCLUDED: 'excluded',
};

export interface PageResults {
  /** The run's prefixes: every one is reported, and each repository counts under the longest it lies under. */
  ecrRepositoryPrefixes: string[];
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
  const failed = (repositoryName: string, error: string): RepositoryResult => ({ repositoryName, error, imagesExpired: 0, bytesExpired: 0 });
  page.results.forEach((child, index) => {
    if (Array.isArray(child)) {
      for (const result of child) if (isReturnedResult(result)) returned.set(result.repositoryName, named(result));
      return;
    }
    const error = childError(child);
    // Each child execution holds one batch, in order, as long as the output has an entry for every child.
    if (error && page.results.length === page.batches.length) for (const repositoryName of page.batches[index] ?? []) returned.set(repositoryName, failed(repositoryName, error));
  });
  return page.batches.flat().map((repositoryName) => returned.get(repositoryName) ?? failed(repositoryName, CHILD_EXECUTION_FAILED));
}

/** A returned result with its figures named. */
function named(result: ReturnedResult): RepositoryResult {
  if (!('lifecyclePolicy' in result)) return result;
  const { figures, ...rest } = result;
  return { ...rest, ...(Object.fromEntries(RESULT_FIGURES.map((name, i) => [name, figures[i]])) as ResultFigures) };
}

/** The error a child execution that failed whole failed with, when its entry in the Map's output says it. */
function childError(entry: unknown): string | undefined {
  const error = typeof entry === 'object' && entry !== null ? (entry as { Error?: unknown }).Error : undefined;
  return typeof error === 'string' && error.length > 0 ? error : undefined;
}

function isReturnedResult(value: unknown): value is ReturnedResult {
  return typeof value === 'object' && value !== null && typeof (value as { repositoryName?: unknown }).repositoryName === 'string';
}

/**
 * The repositories whose own steps ended throttled (or timed out) after every retry: they may go again, slower. A
 * child execution that failed whole is not among them: its repositories are counted failed, as any other failure.
 */
export function throttledRepositories(page: Pick<PageResults, 'results'>): string[] {
  return page.results
    .filter(Array.isArray)
    .flat()
    .filter((result): result is ReturnedResult & FailedResult => isReturnedResult(result) && 'error' in result && CONGESTION_ERRORS.includes(result.error))
    .map((result) => result.repositoryName);
}

/**
 * Adds one page of results (or the final attempt's) to the running report; `null` is the report before any page.
 * The repositories in `goAgain` (throttled ones, given an extra round) are counted when that round ends, not now.
 */
export function tallyPage(report: Report | null, page: PageResults, goAgain: ReadonlySet<string> = new Set()): Report {
  const before = report ?? emptyReport();
  const next: Report = { ...before, failedRepositories: [...before.failedRepositories], cache: withPrefixes(before.cache, page.ecrRepositoryPrefixes) };
  if (page.finalAttempt) {
    next.failed -= before.failedRepositories.length;
    next.failedRepositories = [];
  }
  next.scanned += page.scanned;
  next.cached += page.cached;
  for (const result of pageOutcomes(page)) {
    const prefix = cachePrefixOf(result.repositoryName, page.ecrRepositoryPrefixes);
    if ('error' in result && result.imagesExpired > 0 && prefix !== undefined) {
      // Deleted whatever becomes of the repository: its next try finds them no more.
      next.imagesExpired += result.imagesExpired;
      next.bytesExpired += result.bytesExpired;
      next.cache = addDeletions(next.cache, prefix, result.imagesExpired, result.bytesExpired);
    }
    if (goAgain.has(result.repositoryName)) continue;
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
      // Always found: the run lists only repositories under its prefixes.
      if (prefix !== undefined) next.cache = addRepository(next.cache, prefix, cacheMembership[result.lifecyclePolicy], repositoryFigures(result));
    }
  }
  return next;
}

/** What a repository adds to its cache: a repository left alone or excluded has no policy figures (0). */
function repositoryFigures(result: Extract<RepositoryResult, { lifecyclePolicy: RepositoryCheck }>) {
  return {
    imagesBefore: result.imagesBefore,
    bytesBefore: result.bytesBefore,
    imagesDeleted: result.imagesExpired,
    bytesDeleted: result.bytesExpired,
    policyImagesExpired: result.policyImagesExpired,
    policyBytesExpired: result.policyBytesExpired,
  };
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
   * Repositories that failed on the first pass; the final attempt tries each once more. Whether one failed for good
   * shows only in the execution (it ends FAILED): a final attempt that fails never reaches the tally.
   */
  RepositoriesFailedFirstPass: number;
  /** Repositories whose steps ended throttled after every retry (each time they did). */
  ThrottledRepositories: number;
  /** Extra rounds run for throttled repositories. */
  ThrottlingRounds: number;
}

/** The change one tally made to the report, as metrics; the final attempt's tally adds no first-pass failures. */
export function pageMetrics(before: Report, after: Report, finalAttempt: boolean): PageMetrics {
  return {
    PoliciesApplied: after.applied - before.applied,
    ImagesExpired: after.imagesExpired - before.imagesExpired,
    BytesExpired: after.bytesExpired - before.bytesExpired,
    PolicyImagesExpired: after.policyImagesExpired - before.policyImagesExpired,
    PolicyBytesExpired: after.policyBytesExpired - before.policyBytesExpired,
    PolicyImagesInUse: after.policyImagesInUse - before.policyImagesInUse,
    RepositoriesFailedFirstPass: finalAttempt ? 0 : after.failed - before.failed,
    ThrottledRepositories: (after.throttling?.throttledRepositories ?? 0) - (before.throttling?.throttledRepositories ?? 0),
    ThrottlingRounds: (after.throttling?.rounds ?? 0) - (before.throttling?.rounds ?? 0),
  };
}

/** The metric of each cache figure, published per prefix (dimension `prefix`) when a sweep's report is complete. */
export const CACHE_METRICS: Record<keyof CacheFigures, { name: string; unit: 'Count' | 'Bytes' }> = {
  repositories: { name: 'CachedRepositories', unit: 'Count' },
  managed: { name: 'ManagedRepositories', unit: 'Count' },
  leftAlone: { name: 'LeftAloneRepositories', unit: 'Count' },
  excluded: { name: 'ExcludedRepositories', unit: 'Count' },
  imagesBefore: { name: 'ImagesBefore', unit: 'Count' },
  bytesBefore: { name: 'BytesBefore', unit: 'Bytes' },
  imagesDeleted: { name: 'ImagesDeleted', unit: 'Count' },
  bytesDeleted: { name: 'BytesDeleted', unit: 'Bytes' },
  // Named apart from the sweep's own PolicyImagesExpired and PolicyBytesExpired, which carry no prefix.
  policyImagesExpired: { name: 'CachePolicyImagesExpired', unit: 'Count' },
  policyBytesExpired: { name: 'CachePolicyBytesExpired', unit: 'Bytes' },
  imagesAfter: { name: 'ImagesAfter', unit: 'Count' },
  bytesAfter: { name: 'BytesAfter', unit: 'Bytes' },
};

/**
 * Whether this tally completes the sweep's report, so that the figures of each cache are final: after the last page
 * when nothing failed, or after a final attempt that came through (one that fails never reaches the tally).
 */
export function reportComplete(page: { finalAttempt: boolean; nextToken: string | null }, report: Report): boolean {
  return page.finalAttempt || (page.nextToken === null && report.failed === 0);
}
