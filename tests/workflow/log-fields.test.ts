// Every line a sweep writes to CloudWatch Logs (the steps' structured lines and their EMF metrics, as --verbose
// prints them) keeps under the 200 fields CloudWatch Logs Insights discovers in a JSON event, counting each array
// element's fields and the keys the Lambda context adds on AWS: a registry of 50 pull-through cache rules, a repository
// of 1,000 images with many tags, failures and people's policies.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Registry } from '../../local/ecr/registry-file';
import { runCli } from '../local/run-cli';
import { NOW, PERSONS_POLICY, daysBefore, digest } from './harness';

/** What injectLambdaContext adds to every line on AWS, which a local run does not print. */
const LAMBDA_CONTEXT_KEYS = ['cold_start', 'function_arn', 'function_memory_size', 'function_name', 'function_request_id', 'xray_trace_id'];

function discoveredFields(value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object') return [path];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [path];
  return entries.flatMap(([key, child]) => discoveredFields(child, path === '' ? key : `${path}.${key}`));
}

const PREFIXES = Array.from({ length: 50 }, (_, i) => `cache-${i}`);

const registry: Registry = {
  pullThroughCacheRules: PREFIXES.map((ecrRepositoryPrefix) => ({ ecrRepositoryPrefix, upstreamRegistryUrl: 'quay.io' })),
  repositories: [
    {
      repositoryName: 'cache-0/library/big',
      images: Array.from({ length: 1000 }, (_, i) => ({
        imageDigest: digest(i + 1),
        imageTags: Array.from({ length: 1 + (i % 4) }, (_, t) => `v${i}.${t}`),
        imagePushedAt: daysBefore(200),
        imageSizeInBytes: 1_000_000 + i,
      })),
    },
    { repositoryName: 'cache-1/library/denied', faults: { GetLifecyclePolicy: 'AccessDeniedException' } },
    { repositoryName: 'cache-2/library/own', lifecyclePolicyText: PERSONS_POLICY, images: [{ imageDigest: digest(5000), imagePushedAt: daysBefore(400) }] },
  ],
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-fields-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('writes no log line of more than 199 fields, in a dry run and in a real run', async () => {
  writeFileSync(path.join(dir, 'registry.json'), JSON.stringify(registry));
  for (const dryRun of [['--dry-run'], []]) {
    const result = await runCli('sweep', '--registry', path.join(dir, 'registry.json'), '--now', NOW, '--verbose', ...dryRun);
    expect(result.code).toBe(1);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.message === 'repository outcome' && line.repositoryName === 'cache-0/library/big').length).toBeGreaterThan(5);
    const widest = Math.max(...lines.map((line) => discoveredFields(line).length + LAMBDA_CONTEXT_KEYS.length));
    expect(widest).toBeLessThan(200);
  }
});
