// Deletes the images of one repository that nobody pulled within unpulledDays of the run's reference time
// (in a dry run, only counts them). Only called for repositories that carry the tool's policy.
import { BatchDeleteImageCommand, paginateDescribeImages } from '@aws-sdk/client-ecr';
import { toBatches } from '../lib/batches';
import { DELETE_BATCH_SIZE, IMAGE_PAGE_SIZE } from '../lib/limits';
import type { Step } from '../lib/step';
import {
  ImageDeleteFailed,
  pullCutoff,
  selectUnpulledImages,
  unexpectedDeleteFailures,
  type ImageDeleteFailure,
  type ImageUse,
} from '../lib/unpulled-images';

interface ExpireInput {
  repositoryName: string;
  dryRun: boolean;
  referenceTime: string;
}

export const expireUnpulledImages: Step<ExpireInput, { imagesExpired: number }> = {
  name: 'expireUnpulledImages',
  permissions: [{ actions: ['ecr:DescribeImages', 'ecr:BatchDeleteImage'], on: 'managedRepositories' }],
  async run({ repositoryName, dryRun, referenceTime }, { settings: { unpulledDays }, ecr, logger }) {
    if (unpulledDays === 0) return { imagesExpired: 0 };

    const images: ImageUse[] = [];
    for await (const page of paginateDescribeImages({ client: ecr, pageSize: IMAGE_PAGE_SIZE }, { repositoryName })) {
      for (const d of page.imageDetails ?? []) {
        if (d.imageDigest) images.push({ imageDigest: d.imageDigest, imagePushedAt: d.imagePushedAt, lastRecordedPullTime: d.lastRecordedPullTime });
      }
    }
    const unpulled = selectUnpulledImages(images, new Date(referenceTime), unpulledDays);
    const cutoff = pullCutoff(new Date(referenceTime), unpulledDays).toISOString();
    if (dryRun || unpulled.length === 0) {
      logger.info('unpulled images', { repositoryName, decision: dryRun ? 'would expire' : 'none to expire', images: unpulled.length, cutoff });
      return { imagesExpired: unpulled.length };
    }

    let imagesExpired = 0;
    const failures: ImageDeleteFailure[] = [];
    for (const batch of toBatches(unpulled, DELETE_BATCH_SIZE)) {
      const result = await ecr.send(
        new BatchDeleteImageCommand({ repositoryName, imageIds: batch.map(({ imageDigest }) => ({ imageDigest })) }),
      );
      // ECR lists a deleted image once per tag it had: count images, not ids.
      imagesExpired += new Set(result.imageIds?.map((id) => id.imageDigest)).size;
      failures.push(...unexpectedDeleteFailures(result.failures ?? []));
    }
    logger.info('expired unpulled images', { repositoryName, decision: 'expired', images: imagesExpired, cutoff });
    if (failures.length > 0) throw new ImageDeleteFailed(repositoryName, failures);
    return { imagesExpired };
  },
};
