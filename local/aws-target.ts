// Which AWS account and region an --aws command would change, said before anything runs, and the consent a real
// run needs: a yes on a terminal, or --yes where stdin is not one (CI, a pipe). DescribeRegistry answers with the
// account's registry id, so no extra SDK client or permission beyond ECR's is needed.
import { createInterface } from 'node:readline';
import { DescribeRegistryCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { ecrClient, type EcrClientOptions } from '../functions/lib/ecr-client';
import { BadInput, type CliIo } from './command-input';
import { namedRegion } from '../deploy/aws-region';

/** An AWS region's name: two letters, one or more words, a number (eu-west-1, us-gov-west-1, ap-southeast-5). */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The account and region an --aws run would change, or an Error whose message says what to try. */
export async function awsTarget(ecr: ECRClient, profile?: string): Promise<{ account: string; region: string }> {
  try {
    // The region as deploy/aws-region.ts rules: --region (given), AWS_REGION, AWS_DEFAULT_REGION, the profile's.
    const region = await ecr.config.region().catch(() => undefined);
    const problem = regionProblem(region, profile);
    if (problem || region === undefined) throw new Error(problem);
    const { registryId } = await ecr.send(new DescribeRegistryCommand({})).catch((error: unknown) => {
      throw new Error(awsProblem(error, region, profile));
    });
    return { account: registryId ?? 'unknown', region };
  } finally {
    ecr.destroy();
  }
}

/** A region that is missing or not shaped like one, named with where it came from. */
export function regionProblem(region: string | undefined, profile?: string): string | undefined {
  if (!region) {
    return profile === undefined
      ? '--aws needs a region: give --region, set AWS_REGION or AWS_DEFAULT_REGION, or use a profile that has one'
      : `--aws needs a region: profile ${profile} gives none (is it in your AWS config file?); give --region or set AWS_REGION or AWS_DEFAULT_REGION`;
  }
  if (!REGION_NAME.test(region)) return `region ${region} is not an AWS region name (like eu-west-1): check --region, AWS_REGION and AWS_DEFAULT_REGION`;
  return undefined;
}

/** What went wrong in the first call to the account, with the profile or region to check. */
export function awsProblem(error: unknown, region: string, profile?: string): string {
  const { name, message, code } = error as Error & { code?: string };
  const using = profile === undefined ? 'the environment\'s AWS credentials' : `profile ${profile}`;
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return profile === undefined
      ? 'no AWS credentials found: give --profile NAME, set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
      : `no credentials for profile ${profile}: is it in your AWS config or credentials file (aws configure list-profiles)? For SSO, run aws sso login --profile ${profile}`;
  }
  if (code === 'ENOTFOUND' || /ENOTFOUND/.test(message)) {
    return `cannot reach ECR in region ${region} (${message.replace(/^getaddrinfo /, '')}): is ${region} a region ECR is in? Check --region, AWS_REGION and AWS_DEFAULT_REGION, and the network`;
  }
  if (/^(UnrecognizedClient|InvalidClientTokenId|ExpiredToken|InvalidSignature|SignatureDoesNotMatch)/.test(name)) {
    return `${using} were refused in ${region} (${name}): renew them${profile === undefined ? '' : ` (aws sso login --profile ${profile})`} or choose others`;
  }
  if (name === 'AccessDeniedException') return `${using} may not call ecr:DescribeRegistry in ${region}: ${message}`;
  return `${name} from ECR in ${region} with ${using}: ${message}`;
}

export interface AwsRun {
  profile?: string;
  region?: string;
  dryRun?: boolean;
  yes?: boolean;
}

/** How a command speaks of its --aws run: its name, what it does ("Sweeping ECR") and what a real run changes. */
export interface AwsRunWords {
  command: string;
  doing: string;
  changes: string;
}

/** The ECR client options of an --aws run, once the account is named on stderr and, for a real run, consented to. */
export async function confirmedAwsAccount(run: AwsRun, io: CliIo, { command, doing, changes }: AwsRunWords): Promise<EcrClientOptions> {
  const asking = !run.dryRun && !run.yes;
  if (asking && !io.in?.isTTY) throw new BadInput(`${command} --aws without --dry-run needs --yes when stdin is not a terminal`);
  // Credentials and any endpoint as the SDK resolves them (environment, shared files), as on Lambda; the region as
  // packaging and deploys take it, the profile's left to the SDK.
  const region = namedRegion(run.region);
  const account: EcrClientOptions = {
    ...(run.profile === undefined ? {} : { profile: run.profile }),
    ...(region === undefined ? {} : { region }),
  };
  const target = await awsTarget(ecrClient(account), run.profile).catch((error: Error) => {
    throw new BadInput(error.message);
  });
  io.err.write(`${doing} of account ${target.account} in ${target.region}${run.dryRun ? ' (dry run)' : ''}\n`);
  if (asking && !(await confirmed(io, `${changes} in account ${target.account} (${target.region})?`))) {
    throw new BadInput('not confirmed: nothing changed');
  }
  return account;
}

/** Asks on stderr and reads one line of stdin: only `y` or `yes` confirms. */
async function confirmed(io: CliIo, question: string): Promise<boolean> {
  io.err.write(`${question} [y/N] `);
  const lines = createInterface({ input: io.in!, crlfDelay: Infinity });
  try {
    for await (const line of lines) return /^y(es)?$/i.test(line.trim());
    return false;
  } finally {
    lines.close();
  }
}
