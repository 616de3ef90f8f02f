// What each pull-through cache holds, as a sweep measures it: per prefix, its repositories (managed, left alone,
// excluded), the images and bytes they stored before the sweep, what the sweep deleted, what ECR's evaluation of the
// tool's policy will expire next, and what is left right after the sweep; and the total over every prefix. The
// tally adds each page's repositories; the state holds one entry per prefix of the run (at most 50 rules and ROOT).

/** One cache's figures, or their total. */
export interface CacheFigures {
  /** managed + leftAlone + excluded. */
  repositories: number;
  /** Under the tool's policy at the end of the run (in a dry run: would be), put, replaced or already there. */
  managed: number;
  /** Under a person's own policy: measured, never changed. */
  leftAlone: number;
  /** Named by the settings file: counted, never read. */
  excluded: number;
  /** What the managed and left-alone repositories stored before the sweep (DescribeImages, imageSizeInBytes). */
  imagesBefore: number;
  bytesBefore: number;
  /** The sweep's own deletions (in a dry run, the deletions it would make). */
  imagesDeleted: number;
  bytesDeleted: number;
  /** What ECR's next evaluation of the tool's policy expires after the sweep, where the sweep knows it. */
  policyImagesExpired: number;
  policyBytesExpired: number;
  /** Before minus deleted: right after the sweep, before ECR's evaluation. */
  imagesAfter: number;
  bytesAfter: number;
}

export interface PrefixFigures extends CacheFigures {
  /** The ecrRepositoryPrefix (or ROOT) of the cache. */
  prefix: string;
}

export interface CacheContents {
  /** By prefix, in the order of their names. */
  prefixes: PrefixFigures[];
  total: CacheFigures;
}

/** How the sweep treats a repository of a cache. */
export type CacheMembership = 'managed' | 'leftAlone' | 'excluded';

/** What one repository adds to its cache's figures. */
export type RepositoryFigures = Pick<
  CacheFigures,
  'imagesBefore' | 'bytesBefore' | 'imagesDeleted' | 'bytesDeleted' | 'policyImagesExpired' | 'policyBytesExpired'
>;

export const FIGURE_NAMES = [
  'repositories', 'managed', 'leftAlone', 'excluded', 'imagesBefore', 'bytesBefore', 'imagesDeleted', 'bytesDeleted',
  'policyImagesExpired', 'policyBytesExpired', 'imagesAfter', 'bytesAfter',
] as const satisfies readonly (keyof CacheFigures)[];

function zeroFigures(): CacheFigures {
  return Object.fromEntries(FIGURE_NAMES.map((name) => [name, 0])) as unknown as CacheFigures;
}

export function emptyCache(): CacheContents {
  return { prefixes: [], total: zeroFigures() };
}

/** The cache with every one of these prefixes present, at zero where it had none: every prefix is reported. */
export function withPrefixes(cache: CacheContents, prefixes: readonly string[]): CacheContents {
  const known = new Set(cache.prefixes.map(({ prefix }) => prefix));
  const added = [...new Set(prefixes)].filter((prefix) => !known.has(prefix)).map((prefix) => ({ prefix, ...zeroFigures() }));
  return added.length === 0 ? cache : { ...cache, prefixes: sorted([...cache.prefixes, ...added]) };
}

/** The cache after one more repository of `prefix`. */
export function addRepository(cache: CacheContents, prefix: string, membership: CacheMembership, figures: RepositoryFigures): CacheContents {
  return addToPrefix(cache, prefix, membership, figures);
}

/**
 * The cache after images a repository deleted before a later step of it failed: stored before the sweep and gone,
 * whatever becomes of the repository, which is counted (with what it stores then) once a later try completes it.
 */
export function addDeletions(cache: CacheContents, prefix: string, images: number, bytes: number): CacheContents {
  const figures = { imagesBefore: images, bytesBefore: bytes, imagesDeleted: images, bytesDeleted: bytes, policyImagesExpired: 0, policyBytesExpired: 0 };
  return addToPrefix(cache, prefix, undefined, figures);
}

function addToPrefix(cache: CacheContents, prefix: string, membership: CacheMembership | undefined, figures: RepositoryFigures): CacheContents {
  const prefixes = withPrefixes(cache, [prefix]).prefixes.map((entry) => (entry.prefix === prefix ? added(entry, membership, figures) : entry));
  return { prefixes, total: totalOf(prefixes) };
}

/** The entry with the figures added, and one repository more of `membership` unless it is undefined. */
function added<T extends CacheFigures>(entry: T, membership: CacheMembership | undefined, figures: RepositoryFigures): T {
  const next = membership === undefined ? { ...entry } : { ...entry, repositories: entry.repositories + 1, [membership]: entry[membership] + 1 };
  for (const name of ['imagesBefore', 'bytesBefore', 'imagesDeleted', 'bytesDeleted', 'policyImagesExpired', 'policyBytesExpired'] as const) {
    next[name] += figures[name];
  }
  next.imagesAfter = next.imagesBefore - next.imagesDeleted;
  next.bytesAfter = next.bytesBefore - next.bytesDeleted;
  return next;
}

/** Every figure summed over the prefixes. */
export function totalOf(prefixes: readonly CacheFigures[]): CacheFigures {
  const total = zeroFigures();
  for (const entry of prefixes) for (const name of FIGURE_NAMES) total[name] += entry[name];
  return total;
}

function sorted(prefixes: PrefixFigures[]): PrefixFigures[] {
  return prefixes.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
}
