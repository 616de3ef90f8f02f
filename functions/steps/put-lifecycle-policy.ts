// Gives a repository the tool's lifecycle policy with the count expireUnpulledImages worked out for it (keepImages,
// or with keepInUse enough for every image in use). The state machine calls it only outside dry runs, and only for a
// repository with no policy or one of the tool's that keeps another count.
import { PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { lifecyclePolicyText } from '../lib/lifecycle-policy';
import type { Step } from '../lib/step';

interface PutInput {
  repositoryName: string;
  /** The policy's countNumber. */
  keepImages: number;
}

export const putLifecyclePolicy: Step<PutInput, Record<string, never>> = {
  name: 'putLifecyclePolicy',
  permissions: [{ actions: ['ecr:PutLifecyclePolicy'], on: 'managedRepositories' }],
  async run({ repositoryName, keepImages }, { ecr, logger }) {
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: lifecyclePolicyText(keepImages) }));
    logger.info('put lifecycle policy', { repositoryName, decision: 'applied', keepImages });
    return {};
  },
};
