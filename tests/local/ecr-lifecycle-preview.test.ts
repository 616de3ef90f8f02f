// Lifecycle policy previews on the embedded ECR, as the real @aws-sdk/client-ecr sees them: ECR's fields, status,
// summary and errors, and the policy evaluated as ECR documents it.
import {
  ECRClient,
  GetLifecyclePolicyPreviewCommand,
  InvalidParameterException,
  LifecyclePolicyNotFoundException,
  LifecyclePolicyPreviewInProgressException,
  LifecyclePolicyPreviewNotFoundException,
  RepositoryNotFoundException,
  StartLifecyclePolicyPreviewCommand,
} from '@aws-sdk/client-ecr';
import { lifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import type { Registry } from '../../local/ecr/registry-file';
import { startEcrEndpoint, type EcrEndpoint } from '../../local/ecr/server';
import { client, digest, KEEP_LATEST_POLICY, multiPlatformRepository, SEED_POLICY } from './ecr-fixtures';

const NGINX = 'docker-hub/library/nginx';
const REDIS = 'docker-hub/library/redis';
const EMPTY = 'docker-hub/library/busybox';

/** Keep prod* images 2 at most, archive anything else pushed over 30 days ago. */
const ARCHIVING_POLICY = JSON.stringify({
  rules: [
    { rulePriority: 1, selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 2 }, action: { type: 'expire' } },
    { rulePriority: 2, selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, action: { type: 'transition', targetStorageClass: 'archive' } },
  ],
});

const registry: Registry = {
  pullThroughCacheRules: [{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' }],
  repositories: [
    { ...multiPlatformRepository(NGINX), lifecyclePolicyText: KEEP_LATEST_POLICY },
    {
      repositoryName: REDIS,
      images: Array.from({ length: 5 }, (_, i) => ({
        imageDigest: digest(100 + i),
        imageTags: [i < 3 ? `prod-${i}` : `dev-${i}`],
        imagePushedAt: `2026-0${i + 1}-01T00:00:00Z`,
      })),
    },
    { repositoryName: EMPTY },
  ],
};

/** The previews' clock: 45 days after the youngest push. */
const NOW = Date.parse('2026-06-15T00:00:00Z');

let endpoint: EcrEndpoint;
let ecr: ECRClient;
beforeEach(async () => {
  endpoint = await startEcrEndpoint(registry, { now: () => NOW });
  ecr = client(endpoint.url, 1);
});
afterEach(async () => {
  ecr.destroy();
  await endpoint.close();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof Error)) throw new Error('expected the call to fail, it succeeded');
  return error;
}

describe('StartLifecyclePolicyPreview', () => {
  it('previews the stored policy, in progress until it is read', async () => {
    const started = await ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: NGINX }));
    expect(started).toMatchObject({ registryId: '123456789012', repositoryName: NGINX, lifecyclePolicyText: KEEP_LATEST_POLICY, status: 'IN_PROGRESS' });
    expect(await rejection(ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: NGINX })))).toBeInstanceOf(
      LifecyclePolicyPreviewInProgressException,
    );
    await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: NGINX }));
    expect((await ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: NGINX }))).status).toBe('IN_PROGRESS');
  });

  it('needs a policy: the one given, or the one stored', async () => {
    expect(await rejection(ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: EMPTY })))).toBeInstanceOf(
      LifecyclePolicyNotFoundException,
    );
    const given = await ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: EMPTY, lifecyclePolicyText: KEEP_LATEST_POLICY }));
    expect(given.lifecyclePolicyText).toBe(KEEP_LATEST_POLICY);
  });

  it('refuses a policy ECR would reject, and a repository that does not exist', async () => {
    const invalid = await rejection(ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: NGINX, lifecyclePolicyText: SEED_POLICY })));
    expect(invalid).toBeInstanceOf(InvalidParameterException);
    expect(invalid.message).toMatch(/Lifecycle policy validation failure: .*sinceImagePulled/);
    expect(await rejection(ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'docker-hub/x' })))).toBeInstanceOf(
      RepositoryNotFoundException,
    );
  });
});

describe('GetLifecyclePolicyPreview', () => {
  it('says when no preview was started', async () => {
    expect(await rejection(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: NGINX })))).toBeInstanceOf(
      LifecyclePolicyPreviewNotFoundException,
    );
  });

  it("answers ECR's fields: keep-latest over a multi-platform image keeps the manifests its index lists", async () => {
    await ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: NGINX }));
    const preview = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: NGINX }));
    expect(preview).toMatchObject({ registryId: '123456789012', repositoryName: NGINX, lifecyclePolicyText: KEEP_LATEST_POLICY, status: 'COMPLETE' });
    // Youngest first: the signature (2 Nov) is kept; the index and its manifests (1 Nov) and 1.25 are past the
    // count. The index goes, its manifests stay while it is there, and the signature goes with its subject.
    expect(preview.previewResults).toEqual([
      { imageDigest: digest(10), imageTags: ['1.27'], imagePushedAt: new Date('2026-11-01T00:00:00Z'), action: { type: 'EXPIRE' }, appliedRulePriority: 1, storageClass: 'STANDARD' },
      { imageDigest: digest(13), imagePushedAt: new Date('2026-11-02T00:00:00Z'), action: { type: 'EXPIRE' }, storageClass: 'STANDARD' },
      { imageDigest: digest(14), imageTags: ['1.25'], imagePushedAt: new Date('2026-06-01T00:00:00Z'), action: { type: 'EXPIRE' }, appliedRulePriority: 1, storageClass: 'STANDARD' },
    ]);
    expect(preview.summary).toEqual({ expiringImageTotalCount: 3 });
    expect(preview.nextToken).toBeUndefined();
  });

  it('counts expirations and transitions to archive, each image by one rule', async () => {
    await ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: REDIS, lifecyclePolicyText: ARCHIVING_POLICY }));
    const preview = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: REDIS }));
    // Rule 1 decides the three prod-* images (expiring the oldest, keeping two) though all are over 30 days old;
    // rule 2 archives the two dev-* images.
    expect(preview.previewResults?.map((r) => [r.imageDigest, r.action, r.appliedRulePriority])).toEqual([
      [digest(100), { type: 'EXPIRE' }, 1],
      [digest(103), { type: 'TRANSITION', targetStorageClass: 'ARCHIVE' }, 2],
      [digest(104), { type: 'TRANSITION', targetStorageClass: 'ARCHIVE' }, 2],
    ]);
    expect(preview.summary).toEqual({ expiringImageTotalCount: 1, transitioningImageTotalCounts: [{ targetStorageClass: 'ARCHIVE', imageTotalCount: 2 }] });
  });

  it('pages with maxResults up to 100, and looks results up by image id', async () => {
    await ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: REDIS, lifecyclePolicyText: lifecyclePolicyText(1) }));
    const first = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: REDIS, maxResults: 3 }));
    const second = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: REDIS, maxResults: 3, nextToken: first.nextToken }));
    expect([...(first.previewResults ?? []), ...(second.previewResults ?? [])].map((r) => r.imageDigest)).toEqual([100, 101, 102, 103].map(digest));
    expect(second.nextToken).toBeUndefined();
    expect(first.summary?.expiringImageTotalCount).toBe(4);
    const one = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: REDIS, imageIds: [{ imageTag: 'prod-2' }] }));
    expect(one.previewResults?.map((r) => r.imageDigest)).toEqual([digest(102)]);
    expect(await rejection(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: REDIS, maxResults: 101 })))).toBeInstanceOf(
      InvalidParameterException,
    );
    const paged = await rejection(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: REDIS, imageIds: [{ imageTag: 'prod-2' }], maxResults: 2 })));
    expect(paged).toBeInstanceOf(InvalidParameterException);
    expect(paged.message).toMatch(/cannot be used together with imageIds/);
  });

  it('answers a repository’s injected fault', async () => {
    const faulted = await startEcrEndpoint({
      ...registry,
      repositories: [{ repositoryName: NGINX, lifecyclePolicyText: KEEP_LATEST_POLICY, faults: { StartLifecyclePolicyPreview: 'AccessDeniedException' } }],
    });
    const other = client(faulted.url, 1);
    try {
      expect((await rejection(other.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: NGINX })))).name).toBe('AccessDeniedException');
    } finally {
      other.destroy();
      await faulted.close();
    }
  });
});
