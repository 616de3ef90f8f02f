// The one rule for the region that packaging, deploys and the command line's --aws use: --region, then
// AWS_REGION (the AWS SDKs' variable), then AWS_DEFAULT_REGION (the AWS CLI's), then the `region` of the AWS
// profile in use, as the AWS SDK reads it. Packaging has a default besides, so that it runs offline.
import { ecrClient } from '../functions/lib/ecr-client';

/** Where packaging without --region, region variables or a profile's region puts the stack. */
export const DEFAULT_DEPLOY_REGION = 'eu-west-1';

/** The region that --region or the environment names, if any; an empty variable names none. */
export function namedRegion(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return option || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}

/** The region as the rule gives it, the profile's included; undefined when nothing names one. */
export async function awsRegion(option: string | undefined, profile: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const named = namedRegion(option, env);
  if (named) return named;
  const ecr = ecrClient(profile === undefined ? {} : { profile });
  try {
    return await ecr.config.region().catch(() => undefined);
  } finally {
    ecr.destroy();
  }
}

interface VariableSource {
  options: { region?: string; 'aws-profile'?: string };
}

/** serverless.yml's `provider.region: ${file(deploy/region.js)}`: the rule, or DEFAULT_DEPLOY_REGION. */
export async function resolveRegion({ options }: VariableSource): Promise<string> {
  return (await awsRegion(options.region, options['aws-profile'])) ?? DEFAULT_DEPLOY_REGION;
}
