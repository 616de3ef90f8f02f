// Measures what a repository left alone under a person's own lifecycle policy stores, so that a sweep's figures of
// each cache cover it too, and logs its outcome line with them. Reads only: nothing in the repository is changed, and
// its manifests are read only where the function is excluded from pull time updates. A left-alone repository costs
// beyond GetLifecyclePolicy one DescribeImages page per 1,000 images (IMAGE_PAGE_SIZE) and one BatchGetImage call
// per 100 (MANIFEST_BATCH_SIZE).
import { describeAllImages, storedFigures, type StoredFigures } from '../lib/repository-images';
import { REPOSITORY_OUTCOME, outcomeLines } from '../lib/repository-outcome';
import type { RepositoryInput, Step } from '../lib/step';

interface MeasureInput extends RepositoryInput {
  dryRun: boolean;
  referenceTime: string;
}

export const measureStoredImages: Step<MeasureInput, StoredFigures> = {
  name: 'measureStoredImages',
  permissions: [{ actions: ['ecr:DescribeImages', 'ecr:BatchGetImage'], on: 'managedRepositories' }],
  async run({ repositoryName, dryRun, referenceTime }, { ecr, logger, readManifests }) {
    const stored = storedFigures(await describeAllImages(ecr, repositoryName, { readManifests }));
    const fields = { repositoryName, action: 'left-alone' as const, dryRun, referenceTime, imagesExpiredCount: 0, bytesExpired: 0, ...stored };
    for (const line of outcomeLines(fields, { imagesExpired: [] })) logger.info(REPOSITORY_OUTCOME, line);
    return stored;
  },
};
