// A registry larger than one page of the sweep: every cached repository on every page is managed.
import { MAX_REPOSITORY_NAME_LENGTH } from '../../functions/lib/limits';
import { PAGE_BYTES, repositoryBytes } from '../../functions/lib/repository-page';
import type { Registry, RegistryRepository } from '../../local/ecr/registry-file';
import { DOCKER_HUB, TOOL_POLICY, digest, image, sweep } from './harness';

describe('a registry of more repositories than one page holds', () => {
  it('gives every one of 600 cached repositories the policy and leaves the 10 team repositories among them alone', async () => {
    const repositories: RegistryRepository[] = [];
    for (let i = 0; i < 600; i++) {
      // Every third one also holds an image pulled 90 days ago, which goes.
      const images = i % 3 === 0 ? [image(2 * i, 10, 1, 'new'), image(2 * i + 1, 200, 90, 'old')] : [image(2 * i, 10, 1, 'new')];
      // ECR's longest names, so that a page (sized by the bytes its names take) holds far fewer than 600.
      repositories.push({ repositoryName: `docker-hub/library/app-${String(i).padStart(4, '0')}-`.padEnd(MAX_REPOSITORY_NAME_LENGTH, 'x'), images });
      if (i % 60 === 30) repositories.push({ repositoryName: `team/service-${i}`, images: [image(10_000 + i, 400, 300, 'v1')] });
    }
    const registry: Registry = { pullThroughCacheRules: [DOCKER_HUB], repositories };
    expect(repositories.length).toBe(610);
    expect(repositories.length).toBeGreaterThan((2 * PAGE_BYTES) / repositoryBytes(repositories[0].repositoryName));

    const result = await sweep(registry);

    expect(result.execution.status).toBe('SUCCEEDED');
    const cached = result.final.repositories.filter((r) => r.repositoryName.startsWith('docker-hub/'));
    const team = result.final.repositories.filter((r) => r.repositoryName.startsWith('team/'));
    expect(cached).toHaveLength(600);
    expect(cached.filter((r) => r.lifecyclePolicyText === TOOL_POLICY)).toHaveLength(600);
    expect(cached.every((r) => r.images?.length === 1 && r.images[0].imageTags?.[0] === 'new')).toBe(true);
    expect(team).toHaveLength(10);
    expect(team.every((r) => r.lifecyclePolicyText === undefined && r.images?.length === 1)).toBe(true);
    expect(result.final.repositories.find((r) => r.repositoryName === 'team/service-30')?.images?.[0].imageDigest).toBe(digest(10_030));
    expect(result.execution.report).toMatchObject({
      scanned: 610,
      cached: 600,
      applied: 600,
      owned: 0,
      userOwned: 0,
      skipped: 0,
      imagesExpired: 200,
      failed: 0,
      failedRepositories: [],
    });
    expect(result.calls.DescribeRepositories).toBeGreaterThanOrEqual(3);
    const pages = result.events.filter((e) => e.type === 'StateEntered' && e.state?.name === 'ListCachedRepositories');
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(result.calls.GetLifecyclePolicy).toBe(600);
    expect(result.calls.PutLifecyclePolicy).toBe(600);
  });
});
