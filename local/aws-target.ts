// Which AWS account and region `sweep --aws` would change, asked before anything runs. DescribeRegistry answers
// with the account's registry id, so no extra SDK client or permission beyond ECR's is needed.
import { DescribeRegistryCommand, type ECRClient } from '@aws-sdk/client-ecr';

export async function awsTarget(ecr: ECRClient): Promise<{ account: string; region: string }> {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('--aws needs a region: set AWS_REGION (or AWS_DEFAULT_REGION)');
  try {
    const { registryId } = await ecr.send(new DescribeRegistryCommand({}));
    return { account: registryId ?? 'unknown', region };
  } finally {
    ecr.destroy();
  }
}
