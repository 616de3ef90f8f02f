// Measures what a repository left alone under a person's own lifecycle policy stores, so that a sweep's figures of
// each cache cover it too, and logs its outcome line with them. DescribeImages only: nothing in the repository is
// changed. This is the one call a left-alone repository costs beyond GetLifecyclePolicy: one DescribeImages page per
// 1,000 images (IMAGE_PAGE_SIZE).
import { describeAllImages, storedFigures, type StoredFigures } from '../lib/repository-images';
import { REPOSITORY_OUTCOME, outcomeLines } from '../lib/repository-outcome';
import type { RepositoryInput, Step } from '../lib/step';

interface MeasureInput extends RepositoryInput {
  dryRun: boolean;
  referenceTime: string;
}

export const measureStoredImages: Step<MeasureInput, StoredFigures> = {
  name: 'measureStoredImages',
  permissions: [{ actions: ['ecr:DescribeImages'], on: 'managedRepositories' }],
  async run({ repositoryName, dryRun, referenceTime }, { ecr, logger }) {
    const stored = storedFigures(await describeAllImages(ecr, repositoryName));
    const fields = { repositoryName, action: 'left-alone' as const, dryRun, referenceTime, imagesExpiredCount: 0, bytesExpired: 0, ...stored };
    for (const line of outcomeLines(fields, { imagesExpired: [] })) logger.info(REPOSITORY_OUTCOME, line);
    return stored;
  },
};
