// The deployed stack's roles, as a local run against the embedded ECR plays them: each function signs its calls as
// its own role (local/ecr/principals.ts), and the roles allowed to read manifests are excluded from pull time
// updates, as the stack's AWS::ECR::PullTimeUpdateExclusion resources exclude them on AWS, whatever the registry
// file lists.
import { ExclusionAlreadyExistsException, RegisterPullTimeUpdateExclusionCommand } from '@aws-sdk/client-ecr';
import { ecrClient, type EcrClientOptions } from '../functions/lib/ecr-client';
import { readsManifests } from '../functions/lib/step';
import { WORKFLOW_STEPS } from '../functions/steps';
import { accessKeyIdFor } from './ecr/principals';
import { ACCOUNT_ID } from './ecr/operations';
import type { EcrEndpoint } from './ecr/server';
import type { RunOptions } from './runner';

/** The role a function of the stack runs as, in the embedded registry's account. */
export function stackRoleArn(functionKey: string): string {
  return `arn:aws:iam::${ACCOUNT_ID}:role/ecr-lifecycle-manager-${functionKey}`;
}

/** The options that run a sweep against `endpoint` as the deployed stack, once its exclusions are registered. */
export async function asDeployedStack(endpoint: EcrEndpoint): Promise<Pick<RunOptions, 'ecr' | 'childExecutionFault'>> {
  const client = ecrClient(endpoint.clientOptions);
  try {
    for (const step of Object.values(WORKFLOW_STEPS).filter(readsManifests)) {
      await client.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: stackRoleArn(step.name) })).catch((error: unknown) => {
        if (!(error instanceof ExclusionAlreadyExistsException)) throw error;
      });
    }
  } finally {
    client.destroy();
  }
  const ecr = (functionKey: string): EcrClientOptions => ({
    ...endpoint.clientOptions,
    credentials: { accessKeyId: accessKeyIdFor(stackRoleArn(functionKey)), secretAccessKey: 'local' },
  });
  return { ecr, childExecutionFault: endpoint.childExecutionFault };
}
