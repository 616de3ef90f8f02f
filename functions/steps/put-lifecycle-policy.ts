// Gives a repository the tool's lifecycle policy, with its prefix's keepImages. The state machine calls it only
// outside dry runs, and only for a repository with no policy or an earlier one of the tool's.
import { PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { lifecyclePolicyText } from '../lib/lifecycle-policy';
import { settingsOfRepository } from '../lib/repository-settings';
import type { RepositoryInput, Step } from '../lib/step';

export const putLifecyclePolicy: Step<RepositoryInput, Record<string, never>> = {
  name: 'putLifecyclePolicy',
  permissions: [{ actions: ['ecr:PutLifecyclePolicy'], on: 'managedRepositories' }],
  async run({ repositoryName, ecrRepositoryPrefixes }, { settings, ecr, logger }) {
    const { keepImages } = settingsOfRepository(settings, ecrRepositoryPrefixes, repositoryName) as { keepImages: number };
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: lifecyclePolicyText(keepImages) }));
    logger.info('put lifecycle policy', { repositoryName, decision: 'applied', keepImages });
    return {};
  },
};
