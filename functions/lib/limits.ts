// Sizes that keep every state's input and output far under Step Functions' 256 KiB, even when every repository
// name is ECR's maximum of 256 characters (tests/unit/limits.test.ts measures the worst case), and a child
// execution's worst case under EXPRESS's 5 minutes (tests/template/time-budget.test.ts).

/** ECR's longest repository name. */
export const MAX_REPOSITORY_NAME_LENGTH = 256;

/** How many repositories a child execution's inline Map runs at once, unless ECR's throttling lowered it. */
export const REPOSITORIES_AT_ONCE = 10;

/**
 * A child execution runs its batch in at most this many waves of its repositories at once. Each child costs one
 * state transition in the parent, so fewer, larger children cost less; but a child is EXPRESS and must finish its
 * whole batch, every retry taken, within 5 minutes.
 */
export const WAVES_PER_CHILD = 2;

/** The most repositories one child execution handles when it runs this many at once. */
export function repositoriesPerChild(repositoriesAtOnce: number): number {
  return WAVES_PER_CHILD * repositoriesAtOnce;
}

/** The most repositories one child execution of the Distributed Map handles. */
export const REPOSITORIES_PER_CHILD = repositoriesPerChild(REPOSITORIES_AT_ONCE);

/** DescribeImages maxResults: the API's maximum, since images stay inside one Lambda. */
export const IMAGE_PAGE_SIZE = 1000;

/** BatchDeleteImage takes at most 100 image ids per call. */
export const DELETE_BATCH_SIZE = 100;

/** BatchGetImage takes at most 100 image ids per call. */
export const MANIFEST_BATCH_SIZE = 100;
