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
import { runSweep, type ExecutionEvent } from './runner';
import { PROJECT_ROOT } from './serverless-config';

const PRICE = {
  standardTransition: 0.025 / 1000,
  expressRequest: 1 / 1_000_000,
  expressGbSecond: 0.00001667,
  lambdaRequest: 0.2 / 1_000_000,
  lambdaGbSecond: 0.0000166667,
};
/** A warm Lambda that makes one or two ECR calls; an Express child is billed in 64 MB steps. */
const ASSUMED = { lambdaSeconds: 0.1, expressMemoryGb: 64 / 1024 };
/** The inline Map's MaxConcurrency inside each child (statemachines/sweep.asl.yml). */
const INLINE_CONCURRENCY = 5;

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

function memoryGbByTask(): Record<string, number> {
  const doc = parse(readFileSync(path.join(PROJECT_ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' });
  const byFunction = Object.fromEntries(
    Object.entries<Record<string, number>>(doc.functions).map(([key, fn]) => [key, (fn.memorySize ?? doc.provider.memorySize ?? 1024) / 1024]),
  );
  const definition = readFileSync(path.join(PROJECT_ROOT, 'statemachines', 'sweep.asl.yml'), 'utf8');
  const byTask: Record<string, number> = {};
  for (const match of definition.matchAll(/^\s+(\w+):\n\s+Type: Task\n\s+Resource:\n\s+Fn::GetAtt: \[(\w+), Arn\]/gm)) {
    byTask[match[1]] = byFunction[match[2]];
  }
  return byTask;
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
    environment: {
      AWS_ENDPOINT_URL_ECR: endpoint.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'benchmark',
      AWS_SECRET_ACCESS_KEY: 'benchmark',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
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
  const childSeconds = children === 0 ? 0 : (childInvocations / children / INLINE_CONCURRENCY) * ASSUMED.lambdaSeconds;
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
