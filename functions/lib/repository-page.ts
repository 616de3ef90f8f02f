// How much of the registry one page of the sweep lists, and how the page's cached repositories are shared among
// the child executions of its Map Run. The parent execution's state carries each cached name twice (in the page's
// batches, and in its repository's result after the Map) beside the report, under Step Functions' 256 KiB: a page
// takes DescribeRepositories calls only while the worst case of the next one, every repository cached and named
// with ECR's longest name, still fits. tests/unit/limits.test.ts runs the definition over the largest such page.
import { MAX_REPOSITORY_NAME_LENGTH, REPOSITORIES_AT_ONCE, repositoriesPerChild } from './limits';

/** DescribeRepositories takes maxResults from 1 to 1,000. */
export const DESCRIBE_REPOSITORIES_MAX_RESULTS = 1000;

/** The bytes of the parent state a page's repositories may take; the report and the run take the rest. */
export const PAGE_BYTES = 136 * 1024;

/** A call for fewer repositories than this is not worth its round trip: the page ends there. */
export const MIN_RESULTS_PER_CALL = 25;

/** Keeps a page within its function's timeout when few repositories of the registry are cached. */
export const MAX_CALLS_PER_PAGE = 10;

/**
 * The JSON around a name in the page's batches (quotes, comma, a child's brackets) and its result's other fields,
 * the longest being `{"repositoryName":…,"lifecyclePolicy":"USER_DEFINED","figures":[…eight numbers…]}`.
 */
const BYTES_BESIDE_NAME = 180;

/** What the page has taken so far. */
export interface PageFill {
  calls: number;
  bytes: number;
}

export const EMPTY_PAGE: PageFill = { calls: 0, bytes: 0 };

/** The state bytes a cached repository takes (ECR names are ASCII, one byte a character). */
export function repositoryBytes(repositoryName: string): number {
  return 2 * repositoryName.length + BYTES_BESIDE_NAME;
}

const WORST_REPOSITORY_BYTES = 2 * MAX_REPOSITORY_NAME_LENGTH + BYTES_BESIDE_NAME;

/** The page after one more DescribeRepositories call that found these cached repositories. */
export function afterCall(fill: PageFill, cachedNames: readonly string[]): PageFill {
  return { calls: fill.calls + 1, bytes: cachedNames.reduce((bytes, name) => bytes + repositoryBytes(name), fill.bytes) };
}

/** maxResults for the page's next DescribeRepositories call; 0 when the page is full and ends here. */
export function nextMaxResults(fill: PageFill): number {
  if (fill.calls >= MAX_CALLS_PER_PAGE) return 0;
  const fits = Math.floor((PAGE_BYTES - fill.bytes) / WORST_REPOSITORY_BYTES);
  const maxResults = Math.min(DESCRIBE_REPOSITORIES_MAX_RESULTS, fits);
  if (fill.calls > 0 && maxResults < MIN_RESULTS_PER_CALL) return 0;
  return Math.max(maxResults, 0);
}

/**
 * The page's cached repositories in consecutive batches of nearly equal size, one per child execution: at least
 * `maxConcurrency` batches when the page has that many repositories, so that every child the Map Run may run at
 * once has work, and none larger than a child finishes in its waves of `repositoriesAtOnce`.
 */
export function childBatches(repositoryNames: readonly string[], maxConcurrency: number, repositoriesAtOnce = REPOSITORIES_AT_ONCE): string[][] {
  for (const [name, value] of Object.entries({ maxConcurrency, repositoriesAtOnce })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number >= 1, got ${value}`);
  }
  const perChild = repositoriesPerChild(repositoriesAtOnce);
  const count = Math.max(Math.ceil(repositoryNames.length / perChild), Math.min(repositoryNames.length, maxConcurrency));
  const batches: string[][] = [];
  let start = 0;
  for (let i = 0; i < count; i += 1) {
    // The first `length % count` batches take one repository more than the rest.
    const size = Math.floor(repositoryNames.length / count) + (i < repositoryNames.length % count ? 1 : 0);
    batches.push(repositoryNames.slice(start, start + size));
    start += size;
  }
  return batches;
}
