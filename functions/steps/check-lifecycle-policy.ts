// Whose lifecycle policy a repository carries: none, the tool's, an earlier one of the tool's (another keepImages),
// or a person's; or EXCLUDED, when the settings file names the repository and nothing of it is looked at. For the
// tool's policy it also says the count the stored policy keeps: with keepInUse, whether that count is still the one
// the repository needs is known only once its images are described (expireUnpulledImages decides).
import { GetLifecyclePolicyCommand, LifecyclePolicyNotFoundException, type ECRClient } from '@aws-sdk/client-ecr';
import { buildLifecyclePolicy, classifyLifecyclePolicy, toolPolicyCount, type RepositoryCheck } from '../lib/lifecycle-policy';
import { ACTION_BY_POLICY, REPOSITORY_OUTCOME, outcomeLines } from '../lib/repository-outcome';
import { settingsOfRepository } from '../lib/repository-settings';
import type { RepositoryInput, Step } from '../lib/step';

interface CheckInput extends RepositoryInput {
  dryRun: boolean;
  referenceTime: string;
}

export interface CheckOutput {
  lifecyclePolicy: RepositoryCheck;
  /** The countNumber of the stored policy when it is the tool's as this version builds it; null otherwise. */
  keptImages: number | null;
}

export const checkLifecyclePolicy: Step<CheckInput, CheckOutput> = {
  name: 'checkLifecyclePolicy',
  permissions: [{ actions: ['ecr:GetLifecyclePolicy'], on: 'managedRepositories' }],
  async run({ repositoryName, ecrRepositoryPrefixes, dryRun, referenceTime }, { settings, ecr, logger }) {
    const repository = settingsOfRepository(settings, ecrRepositoryPrefixes, repositoryName);
    const stored = repository.excluded ? undefined : await storedPolicyText(ecr, repositoryName);
    const lifecyclePolicy: RepositoryCheck = repository.excluded
      ? 'EXCLUDED'
      : classifyLifecyclePolicy(stored, buildLifecyclePolicy(repository.keepImages));
    const keptImages = lifecyclePolicy === 'MANAGED' || lifecyclePolicy === 'OUTDATED' ? (toolPolicyCount(stored) ?? null) : null;
    logger.info('checked lifecycle policy', {
      repositoryName,
      lifecyclePolicy,
      ...(repository.excluded ? { exclude: repository.pattern } : { keepImages: repository.keepImages, keepInUse: repository.keepInUse, keptImages }),
    });
    // Nothing more happens to an excluded repository, not even a read: its outcome line is this step's. A repository
    // left alone under a person's policy gets its line from measureStoredImages, with what it stores.
    if (lifecyclePolicy === 'EXCLUDED') {
      const fields = { repositoryName, action: ACTION_BY_POLICY[lifecyclePolicy], dryRun, referenceTime, imagesExpiredCount: 0, bytesExpired: 0 };
      for (const line of outcomeLines(fields, { imagesExpired: [] })) logger.info(REPOSITORY_OUTCOME, line);
    }
    return { lifecyclePolicy, keptImages };
  },
};

async function storedPolicyText(ecr: ECRClient, repositoryName: string): Promise<string | undefined> {
  try {
    const { lifecyclePolicyText } = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName }));
    return lifecyclePolicyText;
  } catch (error) {
    if (error instanceof LifecyclePolicyNotFoundException) return undefined;
    throw error;
  }
}
