// Gives a repository the tool's lifecycle policy. The state machine calls it only outside dry runs, and only for a
// repository with no policy or an earlier one of the tool's.
import { PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { lifecyclePolicyText } from '../lib/lifecycle-policy';
import type { Step } from '../lib/step';

export const putLifecyclePolicy: Step<{ repositoryName: string }, Record<string, never>> = {
  name: 'putLifecyclePolicy',
  permissions: [{ actions: ['ecr:PutLifecyclePolicy'], on: 'managedRepositories' }],
  async run({ repositoryName }, { settings, ecr, logger }) {
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: lifecyclePolicyText(settings.keepImages) }));
    logger.info('put lifecycle policy', { repositoryName, decision: 'applied' });
    return {};
  },
};
