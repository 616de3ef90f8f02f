// A real sweep's plan says what ECR's lifecycle evaluation will expire next; `evaluate-policies` on the registry the
// sweep leaves expires exactly that, image for image, and in a repository under a person's policy what it says.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Registry } from '../../local/ecr/registry-file';
import { digest } from './ecr-fixtures';
import { runCli } from './run-cli';

const NOW = '2026-11-28T00:00:00Z';
const A_DAY_LATER = '2026-11-29T00:00:00Z';
const DAY = 86_400_000;
const daysBefore = (days: number) => new Date(Date.parse(NOW) - days * DAY).toISOString();

/** A person's policy: expire untagged images pushed more than 14 days ago. */
const PERSONS_POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'Expire untagged images after two weeks',
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
      action: { type: 'expire' },
    },
  ],
});

/** Cached repositories with images pushed and pulled at various ages: `pulls[i]` days ago, or never. */
function cachedRepository(name: string, pushes: number[], pulls: (number | undefined)[], first: number) {
  return {
    repositoryName: name,
    images: pushes.map((pushed, i) => ({
      imageDigest: digest(first + i),
      ...(i % 3 === 2 ? {} : { imageTags: [`v${i}`] }),
      imageSizeInBytes: 1_000_000 * (i + 1),
      imagePushedAt: daysBefore(pushed),
      ...(pulls[i] === undefined ? {} : { lastRecordedPullTime: daysBefore(pulls[i] as number) }),
    })),
  };
}

const registry: Registry = {
  pullThroughCacheRules: [{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' }],
  repositories: [
    cachedRepository('docker-hub/library/nginx', [200, 120, 90, 60, 20, 5], [2, 1, undefined, 40, 3, undefined], 1),
    cachedRepository('docker-hub/library/redis', [300, 100, 50], [100, 45, 31], 20),
    cachedRepository('docker-hub/library/alpine', [10], [1], 30),
    { ...cachedRepository('docker-hub/team/app', [100, 80, 40, 20, 10, 1], [1, 1, 1, 1, 1, 1], 40), lifecyclePolicyText: PERSONS_POLICY },
  ],
};

let dir: string;
const file = (name: string) => path.join(dir, name);
const read = <T>(name: string): T => JSON.parse(readFileSync(file(name), 'utf8')) as T;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-policy-expires-'));
  writeFileSync(file('in.json'), JSON.stringify(registry));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Plan {
  repositories: { repositoryName: string; policyExpires?: { imageDigest: string }[] }[];
}

/** For each repository, the digests one registry file holds and the next no longer does. */
function gone(before: Registry, after: Registry): Record<string, string[]> {
  const left = new Map(after.repositories.map((r) => [r.repositoryName, new Set((r.images ?? []).map((i) => i.imageDigest))]));
  return Object.fromEntries(
    before.repositories.map((r) => [r.repositoryName, (r.images ?? []).map((i) => i.imageDigest).filter((d) => !left.get(r.repositoryName)?.has(d))]),
  );
}

it("evaluate-policies expires exactly the real run's policyExpires, and what a person's policy says", async () => {
  const sweep = await runCli('sweep', '--registry', file('in.json'), '--now', NOW, '--plan', file('plan.json'), '--registry-out', file('swept.json'), '--param', 'keepInUse=false');
  expect(sweep.code).toBe(0);
  const evaluation = await runCli('evaluate-policies', '--registry', file('swept.json'), '--registry-out', file('evaluated.json'), '--now', A_DAY_LATER);
  expect(evaluation.code).toBe(0);

  const expired = gone(read<Registry>('swept.json'), read<Registry>('evaluated.json'));
  const planned = Object.fromEntries(
    read<Plan>('plan.json').repositories.map((r) => [r.repositoryName, (r.policyExpires ?? []).map((i) => i.imageDigest)]),
  );
  for (const name of ['docker-hub/library/nginx', 'docker-hub/library/redis', 'docker-hub/library/alpine']) {
    expect([name, expired[name]]).toEqual([name, planned[name]]);
  }
  expect(Object.values(planned).flat().length).toBeGreaterThan(0);
  // The person's policy: untagged images (every third) pushed over two weeks before the evaluation, nothing else.
  expect(expired['docker-hub/team/app']).toEqual([digest(42)]);
  expect(planned['docker-hub/team/app']).toEqual([]);
});
