// Per-prefix settings and exclusions (stage setting settingsFile) on the real definition and the embedded ECR: each
// repository takes the keepImages and unpulledDays of the longest prefix it lies under, the stage's where the file
// sets none, and an excluded repository is never changed, whatever its policy.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import type { Registry } from '../../local/ecr/registry-file';
import { PERSONS_POLICY, digest, digestsOf, image, policyOf, repo, sweep } from './harness';

const rule = (ecrRepositoryPrefix: string, upstreamRegistryUrl: string) => ({ ecrRepositoryPrefix, upstreamRegistryUrl });

const SETTINGS_FILE = `
prefixes:
  docker-hub: { keepImages: 3, unpulledDays: 90 }
  k8s: { unpulledDays: 0 }
  team/cache: { keepImages: 2 }
  ghcr: { keepImages: 5 }
exclude:
  - docker-hub/library/postgres
  - quay/acme/*
  - ecr-public/**
`;

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function settingsFile(): string {
  dirs.push(mkdtempSync(path.join(tmpdir(), 'repository-settings-')));
  const file = path.join(dirs[dirs.length - 1], 'settings.yml');
  writeFileSync(file, SETTINGS_FILE);
  return file;
}

const registry: Registry = {
  pullThroughCacheRules: [
    rule('docker-hub', 'registry-1.docker.io'),
    rule('k8s', 'registry.k8s.io'),
    rule('quay', 'quay.io'),
    rule('ecr-public', 'public.ecr.aws'),
    rule('team', '111122223333.dkr.ecr.us-west-2.amazonaws.com'),
    rule('team/cache', '111122223333.dkr.ecr.us-west-2.amazonaws.com'),
  ],
  repositories: [
    // docker-hub: keep 3, 90 days. 60 days unpulled stays, 120 days goes.
    repo('docker-hub/library/nginx', { images: [image(1, 200, 60, 'a'), image(2, 200, 120, 'b')] }),
    // The tool's policy keeping 1 image is outdated under docker-hub's keepImages 3.
    repo('docker-hub/library/alpine', { lifecyclePolicyText: lifecyclePolicyText(1), images: [image(3, 10, 1, 'c')] }),
    // Excluded by name: no policy put, nothing deleted, however old.
    repo('docker-hub/library/postgres', { images: [image(4, 400)] }),
    // k8s: never expire by pull age; the stage's keepImages.
    repo('k8s/pause', { images: [image(5, 300, 200, '3.9')] }),
    // quay/acme/* excludes one segment only: even the tool's outdated policy and old images stay.
    repo('quay/acme/api', { lifecyclePolicyText: lifecyclePolicyText(4), images: [image(6, 300, 300, 'v1')] }),
    repo('quay/acme/tools/cli', { images: [image(7, 100, 45, 'v2')] }),
    repo('quay/coreos/etcd', { lifecyclePolicyText: PERSONS_POLICY, images: [image(8, 300, 300, 'v3')] }),
    repo('ecr-public/docker/library/redis', { images: [image(9, 300, 300, '7')] }),
    // The longest prefix decides: team/cache sets keepImages 2 and leaves unpulledDays to the stage (30).
    repo('team/cache/app', { images: [image(10, 100, 40, 'x')] }),
    repo('team/app', { images: [image(11, 100, 40, 'y')] }),
  ],
};

describe('a settings file with per-prefix settings and exclusions', () => {
  let result: Awaited<ReturnType<typeof sweep>>;
  beforeAll(async () => {
    result = await sweep(registry, { params: { settingsFile: settingsFile() } });
  });

  it('gives each repository the policy of its own prefix, the stage keepImages where the prefix sets none', () => {
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(policyOf(result, 'docker-hub/library/nginx')).toBe(lifecyclePolicyText(3));
    expect(policyOf(result, 'docker-hub/library/alpine')).toBe(lifecyclePolicyText(3));
    expect(policyOf(result, 'k8s/pause')).toBe(lifecyclePolicyText(1));
    expect(policyOf(result, 'quay/acme/tools/cli')).toBe(lifecyclePolicyText(1));
    expect(policyOf(result, 'team/cache/app')).toBe(lifecyclePolicyText(2));
    expect(policyOf(result, 'team/app')).toBe(lifecyclePolicyText(1));
  });

  it("expires by each prefix's unpulledDays, and never where it is 0", () => {
    expect(digestsOf(result, 'docker-hub/library/nginx')).toEqual([digest(1)]);
    expect(digestsOf(result, 'k8s/pause')).toEqual([digest(5)]);
    expect(digestsOf(result, 'quay/acme/tools/cli')).toEqual([]);
    expect(digestsOf(result, 'team/cache/app')).toEqual([]);
    expect(digestsOf(result, 'team/app')).toEqual([]);
  });

  it('never changes an excluded repository, whatever its policy, and counts it as excluded', () => {
    expect(policyOf(result, 'docker-hub/library/postgres')).toBeUndefined();
    expect(digestsOf(result, 'docker-hub/library/postgres')).toEqual([digest(4)]);
    expect(policyOf(result, 'quay/acme/api')).toBe(lifecyclePolicyText(4));
    expect(digestsOf(result, 'quay/acme/api')).toEqual([digest(6)]);
    expect(policyOf(result, 'ecr-public/docker/library/redis')).toBeUndefined();
    expect(digestsOf(result, 'ecr-public/docker/library/redis')).toEqual([digest(9)]);
    expect(result.execution.report).toMatchObject({ cached: 10, excluded: 3, userOwned: 1, applied: 6, owned: 0, failed: 0 });
  });

  it("leaves a person's policy alone as without a settings file", () => {
    expect(policyOf(result, 'quay/coreos/etcd')).toBe(PERSONS_POLICY);
    expect(digestsOf(result, 'quay/coreos/etcd')).toEqual([digest(8)]);
  });

  it('warns of a prefix of the file that no pull-through cache rule has, and goes on', () => {
    expect(result.execution.prefixesWithoutRule).toEqual(['ghcr']);
  });
});

describe('the event path with a settings file', () => {
  it('leaves an excluded repository alone when an event names it', async () => {
    const result = await sweep(registry, { params: { settingsFile: settingsFile() }, input: { repositoryName: 'quay/acme/api' } });
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(result.execution.report).toMatchObject({ cached: 1, excluded: 1, applied: 0 });
    expect(policyOf(result, 'quay/acme/api')).toBe(lifecyclePolicyText(4));
    expect(digestsOf(result, 'quay/acme/api')).toEqual([digest(6)]);
  });

  it("sweeps a named repository with its own prefix's settings", async () => {
    const result = await sweep(registry, { params: { settingsFile: settingsFile() }, input: { repositoryName: 'docker-hub/library/nginx', referenceTime: '2026-11-28T00:00:00Z' } });
    expect(policyOf(result, 'docker-hub/library/nginx')).toBe(lifecyclePolicyText(3));
    expect(digestsOf(result, 'docker-hub/library/nginx')).toEqual([digest(1)]);
  });
});
