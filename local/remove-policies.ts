// `ecr-lifecycle remove-policies`: the uninstall before `serverless remove`. It lists every repository of the
// registry (DescribeRepositories, every page), reads each one's lifecycle policy (GetLifecyclePolicy) and removes
// the tool's own (DeleteLifecyclePolicy), never a person's (functions/lib/policy-removal.ts decides). Every
// repository is read, not only those under today's pull-through cache prefixes: a rule deleted since, or a stack
// that managed other prefixes, leaves tool policies elsewhere, and the marker on their rules is what tells them.
import { writeFileSync } from 'node:fs';
import {
  DeleteLifecyclePolicyCommand,
  GetLifecyclePolicyCommand,
  paginateDescribeRepositories,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { ecrClient, type EcrClientOptions } from '../functions/lib/ecr-client';
import { emptyRemovalReport, policyRemoval, removalSummary, type RemovalReport } from '../functions/lib/policy-removal';
import { confirmedAwsAccount } from './aws-target';
import { outputFileProblem, sameFileProblem } from './cli-checks';
import { BadInput, loadRegistry, registryArgument, type CliIo } from './command-input';
import { serializeRegistry } from './ecr/registry-file';
import { startEcrEndpoint } from './ecr/server';

export interface RemovePoliciesOptions {
  registry?: string;
  demo?: boolean;
  aws?: boolean;
  registryOut?: string;
  dryRun?: boolean;
  yes?: boolean;
  profile?: string;
  region?: string;
}

/** GetLifecyclePolicy calls in flight at once: ECR publishes no rate for it, and the client retries throttling. */
const CONCURRENCY = 10;

/** Removes (or, in a dry run, finds) the tool's lifecycle policies in every repository the client's registry holds. */
export async function removeToolPolicies(ecr: ECRClient, dryRun: boolean, onRemoved: (repositoryName: string) => void): Promise<RemovalReport> {
  const report = emptyRemovalReport(dryRun);
  for await (const page of paginateDescribeRepositories({ client: ecr, pageSize: 1000 }, {})) {
    const names = (page.repositories ?? []).map((repository) => repository.repositoryName as string);
    report.repositories += names.length;
    const outcomes = await inBatches(names, CONCURRENCY, (repositoryName) => removeOne(ecr, repositoryName, dryRun));
    names.forEach((repositoryName, i) => {
      const outcome = outcomes[i];
      if (outcome === 'removed') {
        report.removed.push(repositoryName);
        onRemoved(repositoryName);
      } else if (outcome === 'kept') report.kept += 1;
      else if (outcome === 'none') report.withoutPolicy += 1;
      else if (outcome === 'gone') report.gone += 1;
      else report.failed.push({ repositoryName, error: outcome.error });
    });
  }
  return report;
}

type Outcome = 'removed' | 'kept' | 'none' | 'gone' | { error: string };

async function removeOne(ecr: ECRClient, repositoryName: string, dryRun: boolean): Promise<Outcome> {
  let text: string | undefined;
  try {
    text = (await ecr.send(new GetLifecyclePolicyCommand({ repositoryName }))).lifecyclePolicyText;
  } catch (error) {
    return outcomeOf(error, 'none');
  }
  const decision = policyRemoval(text);
  if (decision === 'keep') return 'kept';
  if (decision === 'none') return 'none';
  if (dryRun) return 'removed';
  try {
    await ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName }));
    return 'removed';
  } catch (error) {
    // Gone between the two calls: someone removed it, which is what was wanted.
    return outcomeOf(error, 'removed');
  }
}

function outcomeOf(error: unknown, noPolicy: Outcome): Outcome {
  const { name, message } = error as Error;
  if (name === 'LifecyclePolicyNotFoundException') return noPolicy;
  if (name === 'RepositoryNotFoundException') return 'gone';
  return { error: `${name}: ${message}` };
}

/** `run` over every item, at most `limit` at once; results in the items' order. */
async function inBatches<T, R>(items: T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The command: stdout lists the repositories whose tool policy was removed (in a dry run: would be), one name a
 * line, so that the dry run's list and the real run's can be compared; stderr says the counts and any failure.
 * Exit status 0, or 1 when a repository failed.
 */
export async function removePoliciesCommand(options: RemovePoliciesOptions, io: CliIo): Promise<number> {
  checkOptions(options);
  const dryRun = Boolean(options.dryRun);
  const onRemoved = (repositoryName: string) => io.out.write(`${repositoryName}\n`);
  let report: RemovalReport;
  if (options.aws) {
    const account = await confirmedAwsAccount(options, io, {
      command: 'remove-policies',
      doing: "Removing the tool's lifecycle policies",
      changes: "Remove this tool's lifecycle policies from every repository",
    });
    report = await withClient(account, (ecr) => removeToolPolicies(ecr, dryRun, onRemoved));
  } else {
    const endpoint = await startEcrEndpoint(loadRegistry(registryArgument(options)[1] as string));
    try {
      report = await withClient(endpoint.clientOptions, (ecr) => removeToolPolicies(ecr, dryRun, onRemoved));
      if (options.registryOut) writeFileSync(options.registryOut, `${JSON.stringify(serializeRegistry(endpoint.registry()), null, 2)}\n`);
    } finally {
      await endpoint.close();
    }
  }
  for (const { repositoryName, error } of report.failed) io.err.write(`${repositoryName}: ${error}\n`);
  io.err.write(`${removalSummary(report)}\n`);
  return report.failed.length > 0 ? 1 : 0;
}

async function withClient<T>(options: EcrClientOptions, run: (ecr: ECRClient) => Promise<T>): Promise<T> {
  const ecr = ecrClient(options);
  try {
    return await run(ecr);
  } finally {
    ecr.destroy();
  }
}

function checkOptions(options: RemovePoliciesOptions): void {
  if ([options.registry, options.demo, options.aws].filter(Boolean).length !== 1) {
    throw new BadInput('remove-policies needs exactly one of --registry FILE, --demo, --aws');
  }
  if (options.aws && options.registryOut) throw new BadInput('--registry-out goes with an embedded registry, not --aws');
  if (!options.aws && (options.profile || options.region)) throw new BadInput('--profile and --region go with --aws');
  if (!options.aws && !options.dryRun && !options.registryOut) {
    throw new BadInput('remove-policies on a registry file needs --registry-out FILE (the registry file is never written to), or --dry-run');
  }
  const problem =
    (options.registryOut === undefined ? undefined : outputFileProblem('--registry-out', options.registryOut)) ??
    sameFileProblem([registryArgument(options), ['--registry-out', options.registryOut]]);
  if (problem) throw new BadInput(problem);
}
