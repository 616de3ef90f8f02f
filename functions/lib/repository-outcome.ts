// What a sweep did to one repository, in the words of the plan (`sweep --plan`) and of the 'repository outcome'
// log line that the saved queries of deploy/observability.yml read: an action, and the images it expired.
import type { RepositoryCheck } from './lifecycle-policy';

/** The message of the one structured log line per repository. */
export const REPOSITORY_OUTCOME = 'repository outcome';

export type RepositoryAction = 'put-policy' | 'managed' | 'left-alone' | 'excluded' | 'skipped' | 'failed';

/** What the check of a repository's lifecycle policy leads to. */
export const ACTION_BY_POLICY: Record<RepositoryCheck, RepositoryAction> = {
  NONE: 'put-policy',
  OUTDATED: 'put-policy',
  MANAGED: 'managed',
  USER_DEFINED: 'left-alone',
  EXCLUDED: 'excluded',
};

/** An image expired (or, in a dry run, that would be), with the fields ECR's DescribeImages gave. */
export interface ExpiredImage {
  imageDigest: string;
  imageTags: string[];
  imagePushedAt?: string;
  lastRecordedPullTime?: string;
  imageSizeInBytes?: number;
}

/** The sum of the sizes ECR gave; an image without one adds nothing. */
export function bytesOf(images: readonly { imageSizeInBytes?: number }[]): number {
  return images.reduce((sum, image) => sum + (image.imageSizeInBytes ?? 0), 0);
}
