// Whose lifecycle policy a repository carries: none, the tool's, an earlier one of the tool's, or a person's.
import { GetLifecyclePolicyCommand, LifecyclePolicyNotFoundException, type ECRClient } from '@aws-sdk/client-ecr';
import { buildLifecyclePolicy, classifyLifecyclePolicy, type LifecyclePolicyOwner } from '../lib/lifecycle-policy';
import type { Step } from '../lib/step';

export const checkLifecyclePolicy: Step<{ repositoryName: string }, { lifecyclePolicy: LifecyclePolicyOwner }> = {
  name: 'checkLifecyclePolicy',
  permissions: [{ actions: ['ecr:GetLifecyclePolicy'], on: 'managedRepositories' }],
  async run({ repositoryName }, { settings, ecr, logger }) {
    const stored = await storedPolicyText(ecr, repositoryName);
    const lifecyclePolicy = classifyLifecyclePolicy(stored, buildLifecyclePolicy(settings.keepImages));
    logger.info('checked lifecycle policy', { repositoryName, lifecyclePolicy });
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
