// The deployed stack's roles, as a local run against the embedded ECR plays them: each function signs its calls as
// its own role (local/ecr/principals.ts), and the roles allowed to read manifests are excluded from pull time
// updates, as the stack's AWS::ECR::PullTimeUpdateExclusion resources exclude them on AWS, whatever the registry
// file lists.
import type { EcrClientOptions } from '../functions/lib/ecr-client';
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

/** The options that run a sweep against `endpoint` as the deployed stack, its exclusions in place. */
export function asDeployedStack(endpoint: EcrEndpoint): Pick<RunOptions, 'ecr' | 'childExecutionFault'> {
  endpoint.excludeAsStack(Object.values(WORKFLOW_STEPS).filter(readsManifests).map((step) => stackRoleArn(step.name)));
  const ecr = (functionKey: string): EcrClientOptions => ({
    ...endpoint.clientOptions,
    credentials: { accessKeyId: accessKeyIdFor(stackRoleArn(functionKey)), secretAccessKey: 'local' },
  });
  return { ecr, childExecutionFault: endpoint.childExecutionFault };
}
