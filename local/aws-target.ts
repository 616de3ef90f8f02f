// Which AWS account and region an --aws command would change, said before anything runs, and the consent a real
// run needs: a yes on a terminal, or --yes where stdin is not one (CI, a pipe). DescribeRegistry answers with the
// account's registry id, so no extra SDK client or permission beyond ECR's is needed.
import { createInterface } from 'node:readline';
import { DescribeRegistryCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { ecrClient, type EcrClientOptions } from '../functions/lib/ecr-client';
import { BadInput, type CliIo } from './command-input';

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
  // Region, credentials and any endpoint as the SDK resolves them (environment, shared files), as on Lambda.
  const account: EcrClientOptions = {
    ...(run.profile === undefined ? {} : { profile: run.profile }),
    ...(run.region === undefined ? {} : { region: run.region }),
  };
  const target = await awsTarget(ecrClient(account)).catch((error: Error) => {
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
