// Sizes that keep every state's input and output far under Step Functions' 256 KiB, even when every repository
// name is ECR's maximum of 256 characters (tests/unit/limits.test.ts measures the worst case), and a child
// execution's worst case under EXPRESS's 5 minutes (tests/template/time-budget.test.ts).

/** ECR's longest repository name. */
export const MAX_REPOSITORY_NAME_LENGTH = 256;

/**
 * The most repositories one child execution of the Distributed Map handles. Each child costs one state
 * transition in the parent, so fewer, larger children cost less; but a child is EXPRESS and must finish its whole
 * batch, every retry taken, within 5 minutes.
 */
export const REPOSITORIES_PER_CHILD = 20;

/** DescribeImages maxResults: the API's maximum, since images stay inside one Lambda. */
export const IMAGE_PAGE_SIZE = 1000;

/** BatchDeleteImage takes at most 100 image ids per call. */
export const DELETE_BATCH_SIZE = 100;
