// What a sweep did to one repository, in the words of the plan (`sweep --plan`) and of the 'repository outcome'
// log line that the saved queries of deploy/observability.yml read: an action, and the images it expired.
import type { RepositoryCheck } from './lifecycle-policy';
import type { ImageUse } from './unpulled-images';

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

/** An image as DescribeImages describes it: the fields the sweep reads. */
export interface DescribedImage extends ImageUse {
  imageTags?: string[];
  imageSizeInBytes?: number;
  imageManifestMediaType?: string;
  artifactMediaType?: string;
  subjectManifestDigest?: string;
  imageStatus?: string;
  lastArchivedAt?: Date;
  lastActivatedAt?: Date;
}

/** An image that ECR's next lifecycle evaluation expires under the tool's policy, after the sweep's own deletions. */
export interface PolicyExpiredImage extends ExpiredImage {
  /** Pulled (never pulled: pushed) within unpulledDays of the reference time. */
  inUse: boolean;
}

/** The fields of the plan; ECR's dates as ISO text, and only the ones ECR gave. */
export function expiredImage(image: DescribedImage): ExpiredImage {
  return {
    imageDigest: image.imageDigest,
    imageTags: image.imageTags ?? [],
    ...(image.imagePushedAt ? { imagePushedAt: new Date(image.imagePushedAt).toISOString() } : {}),
    ...(image.lastRecordedPullTime ? { lastRecordedPullTime: new Date(image.lastRecordedPullTime).toISOString() } : {}),
    ...(image.imageSizeInBytes === undefined ? {} : { imageSizeInBytes: image.imageSizeInBytes }),
  };
}

/** The sum of the sizes ECR gave; an image without one adds nothing. */
export function bytesOf(images: readonly { imageSizeInBytes?: number }[]): number {
  return images.reduce((sum, image) => sum + (image.imageSizeInBytes ?? 0), 0);
}
