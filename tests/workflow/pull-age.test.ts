// Pull-age expiry: in repositories the tool owns, images whose last pull (or push, if never pulled) is older than
// unpulledDays (30) before the reference time are deleted. The reference time here is 2026-11-28T00:00:00Z, so
// the cutoff is 2026-10-29T00:00:00Z; an image used exactly then is kept.
import type { Registry } from '../../local/ecr/registry-file';
import { DOCKER_HUB, NOW, TOOL_POLICY, digest, digestsOf, policyOf, sweep } from './harness';

const PUSHED_LONG_AGO = '2026-01-15T08:00:00Z';

const registry: Registry = {
  pullThroughCacheRules: [DOCKER_HUB],
  repositories: [
    {
      repositoryName: 'docker-hub/library/nginx',
      images: [
        // Pulled 29 days before: kept.
        { imageDigest: digest(1), imageTags: ['a'], imagePushedAt: PUSHED_LONG_AGO, lastRecordedPullTime: '2026-10-30T00:00:00Z' },
        // Pulled 31 days before: deleted.
        { imageDigest: digest(2), imageTags: ['b'], imagePushedAt: PUSHED_LONG_AGO, lastRecordedPullTime: '2026-10-28T00:00:00Z' },
        // Never pulled, pushed 29 days before: kept.
        { imageDigest: digest(3), imageTags: ['c'], imagePushedAt: '2026-10-30T00:00:00Z' },
        // Never pulled, pushed 31 days before: deleted.
        { imageDigest: digest(4), imagePushedAt: '2026-10-28T00:00:00Z' },
        // Pulled exactly at the cutoff: kept.
        { imageDigest: digest(5), imageTags: ['e'], imagePushedAt: PUSHED_LONG_AGO, lastRecordedPullTime: '2026-10-29T00:00:00Z' },
        // Pulled one second before the cutoff: deleted.
        { imageDigest: digest(6), imageTags: ['f'], imagePushedAt: PUSHED_LONG_AGO, lastRecordedPullTime: '2026-10-28T23:59:59Z' },
        // Pushed long ago but pulled yesterday: the pull counts, kept.
        { imageDigest: digest(7), imageTags: ['g'], imagePushedAt: '2024-03-01T00:00:00Z', lastRecordedPullTime: '2026-11-27T00:00:00Z' },
        // Two tags, pulled 200 days before: deleted, and counted as one image.
        { imageDigest: digest(8), imageTags: ['1.25', 'stable'], imagePushedAt: '2025-01-01T00:00:00Z', lastRecordedPullTime: '2026-05-12T00:00:00Z' },
      ],
    },
  ],
};

describe('pull-age expiry', () => {
  it('deletes images last used more than 30 days before --now and keeps the rest, the cutoff itself included', async () => {
    const result = await sweep(registry, { input: { referenceTime: NOW }, params: { keepInUse: 'false' } });

    expect(result.execution.status).toBe('SUCCEEDED');
    expect(policyOf(result, 'docker-hub/library/nginx')).toBe(TOOL_POLICY);
    expect(digestsOf(result, 'docker-hub/library/nginx')).toEqual([digest(1), digest(3), digest(5), digest(7)]);
    expect(result.execution.report).toMatchObject({ applied: 1, imagesExpired: 4, failed: 0 });
    expect(result.execution.output?.referenceTime).toBe(NOW);
  });

  it('deletes nothing when the stage setting unpulledDays is 0, and still puts the policy', async () => {
    const result = await sweep(registry, { input: { referenceTime: NOW }, params: { unpulledDays: '0', keepInUse: 'false' } });

    expect(result.execution.status).toBe('SUCCEEDED');
    expect(policyOf(result, 'docker-hub/library/nginx')).toBe(TOOL_POLICY);
    expect(digestsOf(result, 'docker-hub/library/nginx')).toHaveLength(8);
    expect(result.execution.report).toMatchObject({ applied: 1, imagesExpired: 0 });
    expect(result.calls.BatchDeleteImage).toBe(0);
  });
});
