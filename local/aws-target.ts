// Which AWS account and region `sweep --aws` would change, asked before anything runs. DescribeRegistry answers
// with the account's registry id, so no extra SDK client or permission beyond ECR's is needed.
import { DescribeRegistryCommand, type ECRClient } from '@aws-sdk/client-ecr';

export async function awsTarget(ecr: ECRClient): Promise<{ account: string; region: string }> {
  try {
    // The region as the SDK resolves it: --region, then AWS_REGION, then the profile's configuration.
    const region = await ecr.config.region().catch(() => undefined);
    if (!region) throw new Error('--aws needs a region: give --region, set AWS_REGION, or use a profile that has one');
    const { registryId } = await ecr.send(new DescribeRegistryCommand({}));
    return { account: registryId ?? 'unknown', region };
  } finally {
    ecr.destroy();
  }
}
