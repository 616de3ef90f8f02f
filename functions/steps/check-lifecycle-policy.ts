// Whose lifecycle policy a repository carries: none, the tool's, an earlier one of the tool's (another keepImages),
// or a person's; or EXCLUDED, when the settings file names the repository and nothing of it is looked at.
import { GetLifecyclePolicyCommand, LifecyclePolicyNotFoundException, type ECRClient } from '@aws-sdk/client-ecr';
import { buildLifecyclePolicy, classifyLifecyclePolicy, type RepositoryCheck } from '../lib/lifecycle-policy';
import { settingsOfRepository } from '../lib/repository-settings';
import type { RepositoryInput, Step } from '../lib/step';

export const checkLifecyclePolicy: Step<RepositoryInput, { lifecyclePolicy: RepositoryCheck }> = {
  name: 'checkLifecyclePolicy',
  permissions: [{ actions: ['ecr:GetLifecyclePolicy'], on: 'managedRepositories' }],
  async run({ repositoryName, ecrRepositoryPrefixes }, { settings, ecr, logger }) {
    const repository = settingsOfRepository(settings, ecrRepositoryPrefixes, repositoryName);
    if (repository.excluded) {
      logger.info('checked lifecycle policy', { repositoryName, lifecyclePolicy: 'EXCLUDED', exclude: repository.pattern });
      return { lifecyclePolicy: 'EXCLUDED' };
    }
    const stored = await storedPolicyText(ecr, repositoryName);
    const lifecyclePolicy = classifyLifecyclePolicy(stored, buildLifecyclePolicy(repository.keepImages));
    logger.info('checked lifecycle policy', { repositoryName, lifecyclePolicy, keepImages: repository.keepImages });
    return { lifecyclePolicy };
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
