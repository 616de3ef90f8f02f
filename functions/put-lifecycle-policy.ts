// Gives a repository the tool's lifecycle policy. The state machine calls it only outside dry runs, and only for a
// repository with no policy or an earlier one of the tool's.
import { PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { readConfig } from './lib/config';
import { ecrClient } from './lib/ecr-client';
import { lambdaHandler } from './lib/handler';
import { lifecyclePolicyText } from './lib/lifecycle-policy';
import { logger } from './lib/logger';

export const ecrActions = ['ecr:PutLifecyclePolicy'];

export const handler = lambdaHandler(async ({ repositoryName }: { repositoryName: string }): Promise<Record<string, never>> => {
  const { keepImages } = readConfig();
  await ecrClient().send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: lifecyclePolicyText(keepImages) }));
  logger.info('put lifecycle policy', { repositoryName, decision: 'applied' });
  return {};
});
