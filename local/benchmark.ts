// Measures how the sweep scales with maxConcurrency and what it costs: runs the real definition over a synthetic
// registry on this machine once per maxConcurrency (and at 1, the baseline), every ECR call delayed by
// --latency-ms; prints each run's wall time and speed-up over the baseline, and the ECR calls per repository by
// operation; counts the parent's state transitions, the Distributed Map's child executions and the Lambda
// invocations, and prices them per 10,000 cached repositories with FACTS.md's us-east-1 prices. Lambda durations
// cannot be measured here: an invocation is assumed to take a warm start plus a fixed time per ECR call it makes, a
// stated assumption printed with the result. The registry is a cache's: multi-platform indexes with their platform
// manifests, layers shared between versions, a moved tag. With --throttle the embedded ECR answers calls beyond
// that rate (over all calls) with ThrottlingException, and each run's wall time is printed beside the ideal: the
// calls that succeeded divided by the rate, the least time ECR lets those calls take.
//   npm run benchmark -- [repositories=2000] [--latency-ms 50] [--max-concurrency N ...] [--throttle CALLS_PER_SECOND]
import { createHash } from 'node:crypto';
import { Command } from 'commander';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPOSITORIES_AT_ONCE } from '../functions/lib/limits';
import { parseSettings, runSettings } from '../functions/lib/settings';
import type { Registry } from './ecr/registry-file';
import { startEcrEndpoint } from './ecr/server';
import { PROJECT_ROOT, readDefinition, runSweep, taskFunctions, type ExecutionEvent } from './runner';
import { asDeployedStack } from './stack-roles';
import { WORKFLOW_STEPS } from '../functions/steps';

const PRICE = {
  standardTransition: 0.025 / 1000,
  expressRequest: 1 / 1_000_000,
  expressGbSecond: 0.00001667,
  lambdaRequest: 0.2 / 1_000_000,
  // Arm (Graviton), the architecture serverless.yml deploys; x86 is $0.0000166667.
  lambdaGbSecond: 0.0000133334,
};
/**
 * An invocation's assumed duration: a warm start and its own work, plus each ECR call it makes (an in-region call's
 * round trip); an Express child is billed in 64 MB steps.
 */
const ASSUMED = { invocationSeconds: 0.04, ecrCallSeconds: 0.03, expressMemoryGb: 64 / 1024 };

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * A cache of `repositories` multi-platform images, as the demo holds them: in each, the current version's index
 * (tagged, in use) with its amd64 and arm64 manifests, stored after it; the version before, whose tag moved, untagged
 * and unpulled, with its amd64 manifest; the two versions' manifests share their base layer.
 */
function syntheticRegistry(repositories: number, latencyMs: number, throttle: number | undefined): Registry {
  const digest = (seed: string) => `sha256:${createHash('sha256').update(seed).digest('hex')}`;
  const layers = (i: number, version: string, arch: string) => [
    { digest: digest(`${i}-${version}-${arch}-config`), size: 2_000 },
    { digest: digest(`${i}-${arch}-base`), size: 30_000_000 },
    { digest: digest(`${i}-${version}-${arch}-app`), size: 5_000_000 },
  ];
  const manifest = (i: number, version: string, arch: string, pushedAt: string, pulledAt: string) => ({
    imageDigest: digest(`${i}-${version}-${arch}`),
    imageSizeInBytes: 35_000_000,
    imagePushedAt: pushedAt,
    lastRecordedPullTime: pulledAt,
    imageManifestMediaType: OCI_MANIFEST,
    layers: layers(i, version, arch),
  });
  return {
    pullThroughCacheRules: [{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' }],
    repositories: Array.from({ length: repositories }, (_, i) => ({
      repositoryName: `docker-hub/library/image-${i}`,
      images: [
        { imageDigest: digest(`${i}-old`), imageSizeInBytes: 35_000_000, imagePushedAt: '2026-01-01T00:00:00Z', lastRecordedPullTime: '2026-02-01T00:00:00Z', imageManifestMediaType: OCI_INDEX, manifestDigests: [digest(`${i}-old-amd64`), digest(`${i}-old-arm64`)] },
        manifest(i, 'old', 'amd64', '2026-01-01T00:05:00Z', '2026-02-01T00:00:00Z'),
        { imageDigest: digest(`${i}-new`), imageTags: ['latest'], imageSizeInBytes: 35_000_000, imagePushedAt: '2026-11-01T00:00:00Z', lastRecordedPullTime: '2026-11-27T00:00:00Z', imageManifestMediaType: OCI_INDEX, manifestDigests: [digest(`${i}-new-amd64`), digest(`${i}-new-arm64`)] },
        manifest(i, 'new', 'amd64', '2026-11-01T00:05:00Z', '2026-11-27T00:00:00Z'),
        manifest(i, 'new', 'arm64', '2026-11-02T00:00:00Z', '2026-11-27T00:00:00Z'),
      ],
    })),
    latencyMs,
    ...(throttle === undefined ? {} : { throttle: { ratePerSecond: throttle } }),
  } as Registry;
}

/**
 * The memory each Task state's function is deployed with, in GB. The sizes are deployment facts, whose home is
 * serverless.yml (`functions.<key>.memorySize`, else `provider.memorySize`; Lambda's own default is 128 MB); the
 * Task states and their functions are the runner's binding of the definition.
 */
function memoryGbByTask(): Record<string, number> {
  const doc = parse(readFileSync(path.join(PROJECT_ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' });
  const megabytes = (key: string) => Number(doc.functions?.[key]?.memorySize ?? doc.provider?.memorySize ?? 128);
  return Object.fromEntries(Object.entries(taskFunctions(readDefinition())).map(([state, key]) => [state, megabytes(key) / 1024]));
}

interface Measured {
  maxConcurrency: number;
  status: string;
  seconds: number;
  parentTransitions: number;
  children: number;
  invocations: Record<string, number>;
  /** ECR calls answered, and of those the ones answered with ThrottlingException. */
  calls: number;
  callsByOperation: Record<string, number>;
  throttledCalls: number;
}

/** One sweep of a fresh synthetic registry at this maxConcurrency. */
async function measure(repositories: number, latencyMs: number, maxConcurrency: number, throttle: number | undefined): Promise<Measured> {
  const endpoint = await startEcrEndpoint(syntheticRegistry(repositories, latencyMs, throttle));
  const measured: Measured = { maxConcurrency, status: '', seconds: 0, parentTransitions: 0, children: 0, invocations: {}, calls: 0, callsByOperation: {}, throttledCalls: 0 };
  const started = Date.now();
  try {
    const execution = await runSweep({
      input: { referenceTime: '2026-11-28T00:00:00Z' },
      settings: runSettings(parseSettings({ maxConcurrency })),
      ...asDeployedStack(endpoint),
      onEvent: (event: ExecutionEvent) => {
        if (event.type === 'StateEntered' && event.index === undefined) measured.parentTransitions += 1;
        if (event.type === 'MapIterationStarted' && event.parentState?.name === 'ManageRepositories') measured.children += 1;
        if ((event.type === 'StateEntered' || event.type === 'StateRetried') && event.state?.type === 'Task') {
          measured.invocations[event.state.name] = (measured.invocations[event.state.name] ?? 0) + 1;
        }
      },
    });
    measured.status = execution.status;
  } finally {
    measured.seconds = (Date.now() - started) / 1000;
    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    measured.calls = sum(endpoint.calls);
    measured.callsByOperation = Object.fromEntries(Object.entries(endpoint.calls).filter(([, n]) => n > 0));
    measured.throttledCalls = sum(endpoint.throttled);
    await endpoint.close();
  }
  return measured;
}

/** Dollars per 10,000 cached repositories, and the assumed seconds a child execution runs. */
function costPer10k(run: Measured, repositories: number) {
  // Each child execution is also charged as one transition of the parent.
  const standard = (run.parentTransitions + run.children) * PRICE.standardTransition;
  const { invocations, children } = run;
  const calls = ecrCallsByTask(run);
  const childInvocations = (invocations.CheckLifecyclePolicy ?? 0) + (invocations.PutLifecyclePolicy ?? 0) + (invocations.ExpireUnpulledImages ?? 0);
  // The inline Map inside each child runs this many repositories at once, unless throttling lowered it.
  const inlineConcurrency = REPOSITORIES_AT_ONCE;
  const perChild = children === 0 ? 0 : childInvocations / children;
  // A child runs its repositories' invocations inlineConcurrency at a time, at least one invocation's length.
  const childCalls = (calls.CheckLifecyclePolicy ?? 0) + (calls.PutLifecyclePolicy ?? 0) + (calls.ExpireUnpulledImages ?? 0);
  const perInvocation = childInvocations === 0 ? 0 : ASSUMED.invocationSeconds + (childCalls / childInvocations) * ASSUMED.ecrCallSeconds;
  const childSeconds = children === 0 ? 0 : Math.max(1, perChild / inlineConcurrency) * perInvocation;
  const express = children * (PRICE.expressRequest + childSeconds * ASSUMED.expressMemoryGb * PRICE.expressGbSecond);
  const memory = memoryGbByTask();
  const lambda = Object.entries(invocations).reduce(
    (sum, [task, n]) => sum + (n * PRICE.lambdaRequest + (n * ASSUMED.invocationSeconds + (calls[task] ?? 0) * ASSUMED.ecrCallSeconds) * memory[task] * PRICE.lambdaGbSecond),
    0,
  );
  const per10k = (dollars: number) => (dollars * 10_000) / repositories;
  return { standard: per10k(standard), express: per10k(express), lambda: per10k(lambda), total: per10k(standard + express + lambda), childSeconds };
}

/**
 * The ECR calls each Task state's function made: each operation's calls go to the Task states whose step declares
 * its action, shared by their invocations (DescribeImages is both expireUnpulledImages' and measureStoredImages').
 */
function ecrCallsByTask(run: Measured): Record<string, number> {
  const tasks = Object.entries(taskFunctions(readDefinition()));
  const byTask: Record<string, number> = {};
  for (const [operation, n] of Object.entries(run.callsByOperation)) {
    const callers = tasks.filter(([state, key]) => (run.invocations[state] ?? 0) > 0 && WORKFLOW_STEPS[key].permissions.some((p) => p.actions.includes(`ecr:${operation}`)));
    const invocations = callers.reduce((sum, [state]) => sum + run.invocations[state], 0);
    for (const [state] of callers) byTask[state] = (byTask[state] ?? 0) + (n * run.invocations[state]) / invocations;
  }
  return byTask;
}

/** The least time ECR lets the calls that succeeded take at its rate, and how far the run was from it. */
function idealColumns(run: Measured, throttle: number): string[] {
  const ideal = (run.calls - run.throttledCalls) / throttle;
  return [ideal.toFixed(1).padStart(8), (run.seconds / ideal).toFixed(2).padStart(8), String(run.throttledCalls).padStart(16)];
}

function options(argv: string[]) {
  const command = new Command('benchmark')
    .argument('[repositories]', 'cached repositories in the synthetic registry', '2000')
    .option('--latency-ms <ms>', 'delay of every ECR call', '50')
    .option('--max-concurrency <n...>', 'maxConcurrency to run at (repeatable; 1, the baseline, is always run)', ['4', '16'])
    .option('--throttle <calls-per-second>', 'throttle the embedded ECR to this many calls a second over all calls, as a busy account would')
    .exitOverride()
    .parse(argv, { from: 'user' });
  const repositories = Number(command.processedArgs[0]);
  const latencyMs = Number(command.opts().latencyMs);
  const concurrencies = (command.opts().maxConcurrency as string[]).map(Number);
  const throttle = command.opts().throttle === undefined ? undefined : Number(command.opts().throttle);
  const usage = 'usage: benchmark [repositories] [--latency-ms N] [--max-concurrency N ...] [--throttle CALLS_PER_SECOND]';
  if (!Number.isInteger(repositories) || repositories < 1 || !Number.isInteger(latencyMs) || latencyMs < 0) throw new Error(usage);
  if (throttle !== undefined && !(throttle > 0)) throw new Error(usage);
  if (concurrencies.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(usage);
  // The baseline first: every speed-up is against maxConcurrency 1.
  return { repositories, latencyMs, throttle, concurrencies: [...new Set([1, ...concurrencies])].sort((a, b) => a - b) };
}

async function main() {
  const { repositories, latencyMs, throttle, concurrencies } = options(process.argv.slice(2));
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const throttled = throttle === undefined ? '' : `, ECR throttled to ${throttle} calls/s`;
  out(`Sweep of ${repositories} cached multi-platform repositories, ${latencyMs} ms per ECR call${throttled}, on this machine`);
  const ideal = throttle === undefined ? '' : '  ideal s  x ideal  throttled calls';
  out(`maxConcurrency  status     wall s  speed-up  per unit  children  transitions  invocations  $ per 10,000${ideal}`);
  let baseline: number | undefined;
  for (const maxConcurrency of concurrencies) {
    const run = await measure(repositories, latencyMs, maxConcurrency, throttle);
    baseline ??= run.seconds;
    const speedUp = baseline / run.seconds;
    const invocations = Object.values(run.invocations).reduce((a, b) => a + b, 0);
    const cost = costPer10k(run, repositories);
    out(
      [
        String(maxConcurrency).padStart(14),
        run.status.padEnd(9),
        run.seconds.toFixed(1).padStart(7),
        speedUp.toFixed(1).padStart(9),
        (speedUp / maxConcurrency).toFixed(2).padStart(9),
        String(run.children).padStart(9),
        String(run.parentTransitions + run.children).padStart(12),
        String(invocations).padStart(12),
        `$${cost.total.toFixed(4)}`.padStart(13),
        ...(throttle === undefined ? [] : idealColumns(run, throttle)),
      ].join(' '),
    );
    if (maxConcurrency === concurrencies.at(-1)) {
      const perRepository = Object.entries(run.callsByOperation).map(([operation, n]) => `${operation} ${(n / repositories).toFixed(2)}`);
      out(`ECR calls per repository at maxConcurrency ${maxConcurrency}: ${perRepository.join(', ')}`);
      out(
        `Cost at maxConcurrency ${maxConcurrency}, per 10,000 repositories (an invocation assumed ${ASSUMED.invocationSeconds} s ` +
          `plus ${ASSUMED.ecrCallSeconds} s per ECR call; ${cost.childSeconds.toFixed(1)} s per child):`,
      );
      out(`  Step Functions Standard  $${cost.standard.toFixed(4)}`);
      out(`  Step Functions Express   $${cost.express.toFixed(4)}`);
      out(`  Lambda                   $${cost.lambda.toFixed(4)}`);
    }
  }
}

main().catch((error: Error) => {
  process.stderr.write(`benchmark: ${error.message}\n`);
  process.exitCode = 1;
});
