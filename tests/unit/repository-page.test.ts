import { MAX_REPOSITORY_NAME_LENGTH, REPOSITORIES_PER_CHILD } from '../../functions/lib/limits';
import {
  afterCall,
  childBatches,
  DESCRIBE_REPOSITORIES_MAX_RESULTS,
  EMPTY_PAGE,
  MAX_CALLS_PER_PAGE,
  MIN_RESULTS_PER_CALL,
  nextMaxResults,
  PAGE_BYTES,
  repositoryBytes,
  type PageFill,
} from '../../functions/lib/repository-page';

const name = (i: number, length: number) => `quay/r${i}-`.padEnd(length, 'x').slice(0, length);

/**
 * Lists one page the way the list step does, against a registry that answers every call with as many repositories
 * as asked for, of which `cachedOf(i)` tells which are cached and how long each name is.
 */
function listPage(cachedOf: (i: number) => string | undefined): { fill: PageFill; requests: number[]; names: string[] } {
  let fill = EMPTY_PAGE;
  const requests: number[] = [];
  const names: string[] = [];
  for (let maxResults = nextMaxResults(fill); maxResults > 0; maxResults = nextMaxResults(fill)) {
    requests.push(maxResults);
    const cached = Array.from({ length: maxResults }, (_, k) => cachedOf(names.length + k)).filter((n): n is string => n !== undefined);
    names.push(...cached);
    fill = afterCall(fill, cached);
  }
  return { fill, requests, names };
}

describe('how many repositories one page lists', () => {
  it('asks DescribeRepositories for no more than it accepts', () => {
    expect(nextMaxResults(EMPTY_PAGE)).toBeGreaterThan(0);
    expect(nextMaxResults(EMPTY_PAGE)).toBeLessThanOrEqual(DESCRIBE_REPOSITORIES_MAX_RESULTS);
  });

  it("stays within the page's bytes when every repository is cached under ECR's longest name", () => {
    const page = listPage((i) => name(i, MAX_REPOSITORY_NAME_LENGTH));
    expect(page.fill.bytes).toBeLessThanOrEqual(PAGE_BYTES);
    expect(page.names.length).toBeGreaterThan(150);
  });

  it.each([2, 17, 40, 100, 255])('stays within the page\'s bytes with names of %i characters', (length) => {
    const page = listPage((i) => name(i, length));
    expect(page.fill.bytes).toBeLessThanOrEqual(PAGE_BYTES);
    expect(page.fill.bytes).toBe(page.names.reduce((n, repositoryName) => n + repositoryBytes(repositoryName), 0));
  });

  it('takes several calls and far more repositories when names are short', () => {
    const long = listPage((i) => name(i, MAX_REPOSITORY_NAME_LENGTH));
    const short = listPage((i) => name(i, 30));
    expect(short.requests.length).toBeGreaterThan(1);
    // A name is a third of what a repository takes at most: its result (with what it stores) takes the rest.
    expect(short.names.length).toBeGreaterThan(1.5 * long.names.length);
  });

  it('asks for less with each call as the page fills, and ends rather than make a call for a handful', () => {
    const page = listPage((i) => name(i, 40));
    for (let k = 1; k < page.requests.length; k += 1) expect(page.requests[k]).toBeLessThan(page.requests[k - 1]);
    expect(nextMaxResults(page.fill)).toBe(0);
    expect(page.requests.at(-1)).toBeGreaterThanOrEqual(MIN_RESULTS_PER_CALL);
  });

  it('ends after a bounded number of calls when few repositories are cached', () => {
    const page = listPage(() => undefined);
    expect(page.requests).toHaveLength(MAX_CALLS_PER_PAGE);
    expect(page.names).toEqual([]);
  });

  it('counts a name twice, once in the batches and once in its result, with room for the JSON around it', () => {
    expect(repositoryBytes(name(1, 100)) - repositoryBytes(name(1, 50))).toBe(100);
    const [most, size] = [1_000_000_000, Number.MAX_SAFE_INTEGER];
    const repositoryName = name(1, 50);
    const reported = { repositoryName, lifecyclePolicy: 'USER_DEFINED', figures: [most, size, most, size, most, most, most, size] };
    const failed = { repositoryName, error: 'Lambda.ClientExecutionTimeoutException', imagesExpired: most, bytesExpired: size };
    // A child of one repository: its batch and its results each in brackets of their own.
    for (const result of [reported, failed]) {
      expect(repositoryBytes(repositoryName)).toBeGreaterThanOrEqual(
        Buffer.byteLength(`[${JSON.stringify(repositoryName)}],`) + Buffer.byteLength(`[${JSON.stringify(result)}],`),
      );
    }
  });
});

describe('sharing a page among child executions', () => {
  const names = (n: number) => Array.from({ length: n }, (_, i) => `quay/repo-${i}`);

  it('gives every child the Map Run may run at once some work', () => {
    expect(childBatches(names(100), 40)).toHaveLength(40);
    expect(childBatches(names(7), 40)).toEqual(names(7).map((n) => [n]));
  });

  it('makes no child larger than REPOSITORIES_PER_CHILD, however low the concurrency', () => {
    const batches = childBatches(names(10 * REPOSITORIES_PER_CHILD + 1), 1);
    expect(batches).toHaveLength(11);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(REPOSITORIES_PER_CHILD);
  });

  it('keeps every repository once, in page order, in batches that differ by at most one', () => {
    const page = names(45);
    const batches = childBatches(page, 4);
    expect(batches.map((b) => b.length)).toEqual([12, 11, 11, 11]);
    expect(batches.flat()).toEqual(page);
  });

  it('makes no batch of an empty page', () => {
    expect(childBatches([], 4)).toEqual([]);
  });

  it.each([0, 1.5, -1])('refuses a maxConcurrency of %p', (maxConcurrency) => {
    expect(() => childBatches(names(3), maxConcurrency)).toThrow(RangeError);
  });
});
