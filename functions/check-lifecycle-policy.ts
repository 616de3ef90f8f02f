// Whose lifecycle policy a repository carries: none, the tool's, an earlier one of the tool's, or a person's.
import { GetLifecyclePolicyCommand, LifecyclePolicyNotFoundException } from '@aws-sdk/client-ecr';
import { readConfig } from './lib/config';
import { ecrClient } from './lib/ecr-client';
import { lambdaHandler } from './lib/handler';
import { buildLifecyclePolicy, classifyLifecyclePolicy, type LifecyclePolicyOwner } from './lib/lifecycle-policy';
import { logger } from './lib/logger';

export const ecrActions = ['ecr:GetLifecyclePolicy'];

export const handler = lambdaHandler(
  async ({ repositoryName }: { repositoryName: string }): Promise<{ lifecyclePolicy: LifecyclePolicyOwner }> => {
    const { keepImages } = readConfig();
    const lifecyclePolicy = classifyLifecyclePolicy(await storedPolicyText(repositoryName), buildLifecyclePolicy(keepImages));
    logger.info('checked lifecycle policy', { repositoryName, lifecyclePolicy });
    return { lifecyclePolicy };
  },
);

async function storedPolicyText(repositoryName: string): Promise<string | undefined> {
  try {
    const { lifecyclePolicyText } = await ecrClient().send(new GetLifecyclePolicyCommand({ repositoryName }));
    return lifecyclePolicyText;
  } catch (error) {
    if (error instanceof LifecyclePolicyNotFoundException) return undefined;
    throw error;
  }
}
