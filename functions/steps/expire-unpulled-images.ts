// Deletes the images of one repository that nobody pulled within unpulledDays of the run's reference time
// (in a dry run, only lists them), and logs the repository's outcome line: the images and the bytes they held. Only
// called for repositories that carry, or are given, the tool's policy.
import { BatchDeleteImageCommand, paginateDescribeImages } from '@aws-sdk/client-ecr';
import { toBatches } from '../lib/batches';
import { DELETE_BATCH_SIZE, IMAGE_PAGE_SIZE } from '../lib/limits';
import type { LifecyclePolicyOwner } from '../lib/lifecycle-policy';
import { ACTION_BY_POLICY, REPOSITORY_OUTCOME, bytesOf, type ExpiredImage } from '../lib/repository-outcome';
import { settingsOfRepository } from '../lib/repository-settings';
import type { RepositoryInput, Step } from '../lib/step';
import {
  ImageDeleteFailed,
  pullCutoff,
  selectUnpulledImages,
  unexpectedDeleteFailures,
  type ImageDeleteFailure,
  type ImageUse,
} from '../lib/unpulled-images';

interface ExpireInput extends RepositoryInput {
  dryRun: boolean;
  referenceTime: string;
  /** The check's answer: the tool's policy was (or would be) put, or the repository had it already. */
  lifecyclePolicy: LifecyclePolicyOwner;
}

/** Counts only: the images themselves go to the log line, so that the state payload stays small. */
export interface ExpireOutput {
  imagesExpired: number;
  bytesExpired: number;
}

export const expireUnpulledImages: Step<ExpireInput, ExpireOutput> = {
  name: 'expireUnpulledImages',
  permissions: [{ actions: ['ecr:DescribeImages', 'ecr:BatchDeleteImage'], on: 'managedRepositories' }],
  async run({ repositoryName, ecrRepositoryPrefixes, dryRun, referenceTime, lifecyclePolicy }, { settings, ecr, logger }) {
    const { unpulledDays } = settingsOfRepository(settings, ecrRepositoryPrefixes, repositoryName) as { unpulledDays: number };
    const outcome = (expired: ExpiredImage[], more: Record<string, unknown> = {}): ExpireOutput => {
      const bytesExpired = bytesOf(expired);
      logger.info(REPOSITORY_OUTCOME, {
        repositoryName,
        action: ACTION_BY_POLICY[lifecyclePolicy],
        dryRun,
        referenceTime,
        imagesExpired: expired,
        imagesExpiredCount: expired.length,
        bytesExpired,
        ...more,
      });
      return { imagesExpired: expired.length, bytesExpired };
    };
    if (unpulledDays === 0) return outcome([]);

    const images: (ImageUse & { imageSizeInBytes?: number; imageTags?: string[] })[] = [];
    for await (const page of paginateDescribeImages({ client: ecr, pageSize: IMAGE_PAGE_SIZE }, { repositoryName })) {
      for (const d of page.imageDetails ?? []) {
        if (d.imageDigest) images.push({ ...d, imageDigest: d.imageDigest });
      }
    }
    const unpulled = selectUnpulledImages(images, new Date(referenceTime), unpulledDays);
    const cutoff = pullCutoff(new Date(referenceTime), unpulledDays).toISOString();
    if (dryRun || unpulled.length === 0) return outcome(unpulled.map(expiredImage), { cutoff });

    const deleted = new Set<string>();
    const failures: ImageDeleteFailure[] = [];
    for (const batch of toBatches(unpulled, DELETE_BATCH_SIZE)) {
      const result = await ecr.send(
        new BatchDeleteImageCommand({ repositoryName, imageIds: batch.map(({ imageDigest }) => ({ imageDigest })) }),
      );
      // ECR lists a deleted image once per tag it had: count images, not ids.
      for (const id of result.imageIds ?? []) if (id.imageDigest) deleted.add(id.imageDigest);
      failures.push(...unexpectedDeleteFailures(result.failures ?? []));
    }
    const expired = unpulled.filter((image) => deleted.has(image.imageDigest)).map(expiredImage);
    if (failures.length > 0) {
      const error = new ImageDeleteFailed(repositoryName, failures);
      outcome(expired, { cutoff, action: 'failed', error: error.name });
      throw error;
    }
    return outcome(expired, { cutoff });
  },
};

/** The fields of the plan; ECR's dates as ISO text, and only the ones ECR gave. */
function expiredImage(image: ImageUse & { imageTags?: string[]; imageSizeInBytes?: number }): ExpiredImage {
  return {
    imageDigest: image.imageDigest,
    imageTags: image.imageTags ?? [],
    ...(image.imagePushedAt ? { imagePushedAt: new Date(image.imagePushedAt).toISOString() } : {}),
    ...(image.lastRecordedPullTime ? { lastRecordedPullTime: new Date(image.lastRecordedPullTime).toISOString() } : {}),
    ...(image.imageSizeInBytes === undefined ? {} : { imageSizeInBytes: image.imageSizeInBytes }),
  };
}
