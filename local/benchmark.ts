// Measures what one sweep costs: runs the real definition over a synthetic registry on this machine, counts the
// parent's state transitions, the Distributed Map's child executions and the Lambda invocations, and prices them
// per 10,000 cached repositories with FACTS.md's us-east-1 prices. Durations cannot be measured here, so the
// per-invocation and per-child durations are stated assumptions, printed with the result.
//   npm run benchmark -- [repositories=2000]
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Registry } from './ecr/registry-file';
import { startEcrEndpoint } from './ecr/server';
import { PROJECT_ROOT, readDefinition, runSweep, taskFunctions, type ExecutionEvent } from './runner';

const PRICE = {
  standardTransition: 0.025 / 1000,
  expressRequest: 1 / 1_000_000,
  expressGbSecond: 0.00001667,
  lambdaRequest: 0.2 / 1_000_000,
  lambdaGbSecond: 0.0000166667,
};
/** A warm Lambda that makes one or two ECR calls; an Express child is billed in 64 MB steps. */
const ASSUMED = { lambdaSeconds: 0.1, expressMemoryGb: 64 / 1024 };

function syntheticRegistry(repositories: number): Registry {
  const digest = (seed: string) => `sha256:${createHash('sha256').update(seed).digest('hex')}`;
  return {
    pullThroughCacheRules: [{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' }],
    repositories: Array.from({ length: repositories }, (_, i) => ({
      repositoryName: `docker-hub/library/image-${i}`,
      images: [
        { imageDigest: digest(`${i}-old`), imagePushedAt: '2026-01-01T00:00:00Z', lastRecordedPullTime: '2026-02-01T00:00:00Z' },
        { imageDigest: digest(`${i}-new`), imagePushedAt: '2026-11-01T00:00:00Z', lastRecordedPullTime: '2026-11-27T00:00:00Z' },
      ],
    })),
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

async function main() {
  const repositories = Number(process.argv[2] ?? 2000);
  if (!Number.isInteger(repositories) || repositories < 1) throw new Error('usage: benchmark [repositories]');
  const endpoint = await startEcrEndpoint(syntheticRegistry(repositories));
  let parentTransitions = 0;
  let children = 0;
  const invocations: Record<string, number> = {};
  const started = Date.now();
  const execution = await runSweep({
    input: { referenceTime: '2026-11-28T00:00:00Z' },
    ecr: { endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'benchmark', secretAccessKey: 'benchmark' } },
    onEvent: (event: ExecutionEvent) => {
      if (event.type === 'StateEntered' && event.index === undefined) parentTransitions += 1;
      if (event.type === 'MapIterationStarted' && event.parentState?.name === 'ManageRepositories') children += 1;
      if ((event.type === 'StateEntered' || event.type === 'StateRetried') && event.state?.type === 'Task') {
        invocations[event.state.name] = (invocations[event.state.name] ?? 0) + 1;
      }
    },
  });
  const seconds = (Date.now() - started) / 1000;
  await endpoint.close();

  // Each child execution is also charged as one transition of the parent.
  const standard = (parentTransitions + children) * PRICE.standardTransition;
  const childInvocations = (invocations.CheckLifecyclePolicy ?? 0) + (invocations.PutLifecyclePolicy ?? 0) + (invocations.ExpireUnpulledImages ?? 0);
  // The inline Map inside each child runs this many repositories at once.
  const inlineConcurrency = Number(readDefinition().States.ManageRepositories.ItemProcessor.States.ManageEachRepository.MaxConcurrency);
  const childSeconds = children === 0 ? 0 : (childInvocations / children / inlineConcurrency) * ASSUMED.lambdaSeconds;
  const express = children * (PRICE.expressRequest + childSeconds * ASSUMED.expressMemoryGb * PRICE.expressGbSecond);
  const memory = memoryGbByTask();
  const lambda = Object.entries(invocations).reduce(
    (sum, [task, n]) => sum + n * (PRICE.lambdaRequest + ASSUMED.lambdaSeconds * memory[task] * PRICE.lambdaGbSecond),
    0,
  );
  const per10k = (dollars: number) => (dollars * 10_000) / repositories;
  const lines = [
    `Sweep of ${repositories} cached repositories (${execution.status}) in ${seconds.toFixed(1)} s on this machine`,
    `  parent state transitions   ${parentTransitions}`,
    `  child executions (EXPRESS) ${children}`,
    `  Lambda invocations         ${Object.values(invocations).reduce((a, b) => a + b, 0)} (${Object.entries(invocations).map(([k, v]) => `${k} ${v}`).join(', ')})`,
    `Cost per 10,000 repositories, us-east-1 (assumed ${ASSUMED.lambdaSeconds} s per invocation, so ${childSeconds.toFixed(1)} s per child):`,
    `  Step Functions Standard  $${per10k(standard).toFixed(4)}`,
    `  Step Functions Express   $${per10k(express).toFixed(4)}`,
    `  Lambda                   $${per10k(lambda).toFixed(4)}`,
    `  total                    $${per10k(standard + express + lambda).toFixed(4)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`benchmark: ${error.message}\n`);
  process.exitCode = 1;
});
