// Sizes that keep every state's input and output far under Step Functions' 256 KiB, even when every repository
// name is ECR's maximum of 256 characters (tests/unit/limits.test.ts measures the worst case).

/** DescribeRepositories maxResults: one page of names travels through the parent execution's state. */
export const REPOSITORY_PAGE_SIZE = 250;

/** Repositories per child execution of the Distributed Map; each child costs one state transition in the parent. */
export const REPOSITORIES_PER_CHILD = 50;

/** DescribeImages maxResults: the API's maximum, since images stay inside one Lambda. */
export const IMAGE_PAGE_SIZE = 1000;

/** BatchDeleteImage takes at most 100 image ids per call. */
export const DELETE_BATCH_SIZE = 100;
