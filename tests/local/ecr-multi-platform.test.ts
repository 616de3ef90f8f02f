// Multi-platform images on the embedded ECR as the real @aws-sdk/client-ecr sees them: an index, the manifests it
// lists, a referrer, archived images; BatchDeleteImage refusing a manifest an index still lists.
import { BatchDeleteImageCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import type { Registry } from '../../local/ecr/registry-file';
import { startEcrEndpoint, type EcrEndpoint } from '../../local/ecr/server';
import { client, digest, multiPlatformRepository, OCI_INDEX, OCI_MANIFEST } from './ecr-fixtures';

const NGINX = 'docker-hub/library/nginx';
const registry = (): Registry => {
  const repository = multiPlatformRepository(NGINX);
  repository.images!.push({
    imageDigest: digest(20), imageTags: ['1.20'], imagePushedAt: '2025-01-01T00:00:00Z', imageStatus: 'ARCHIVED', lastArchivedAt: '2026-01-01T00:00:00Z',
  });
  return { pullThroughCacheRules: [{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' }], repositories: [repository] };
};

let endpoint: EcrEndpoint;
let ecr: ECRClient;
beforeEach(async () => {
  endpoint = await startEcrEndpoint(registry());
  ecr = client(endpoint.url, 1);
});
afterEach(async () => {
  ecr.destroy();
  await endpoint.close();
});

const describeAll = async (imageStatus?: 'ARCHIVED' | 'ANY') =>
  (await ecr.send(new DescribeImagesCommand({ repositoryName: NGINX, ...(imageStatus ? { filter: { imageStatus } } : {}) }))).imageDetails ?? [];

describe('DescribeImages on a multi-platform image', () => {
  it('reports each manifest media type, the artifact media type, and a referrer’s subject', async () => {
    const details = new Map((await describeAll()).map((d) => [d.imageDigest, d]));
    // An index's size as ECR gives it (its largest manifest's), not the few hundred bytes it stores.
    expect(details.get(digest(10))).toMatchObject({ imageManifestMediaType: OCI_INDEX, imageTags: ['1.27'], imageSizeInBytes: 70_000_000 });
    expect(details.get(digest(10))).not.toHaveProperty('artifactMediaType');
    expect(details.get(digest(11))).toMatchObject({ imageManifestMediaType: OCI_MANIFEST, artifactMediaType: 'application/vnd.oci.image.config.v1+json' });
    expect(details.get(digest(13))).toMatchObject({ artifactMediaType: 'application/vnd.cncf.notary.signature', subjectManifestDigest: digest(10) });
    // An image the file gives no media types keeps the Docker image manifest's.
    expect(details.get(digest(14))).toMatchObject({
      imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
      imageStatus: 'ACTIVE',
    });
  });

  it('describes archived images only when asked for them, as ECR does', async () => {
    expect((await describeAll()).map((d) => d.imageDigest)).not.toContain(digest(20));
    const archived = await describeAll('ARCHIVED');
    expect(archived.map((d) => [d.imageDigest, d.imageStatus, d.lastArchivedAt?.toISOString()])).toEqual([
      [digest(20), 'ARCHIVED', '2026-01-01T00:00:00.000Z'],
    ]);
    expect(await describeAll('ANY')).toHaveLength(6);
  });
});

describe('BatchDeleteImage and an index', () => {
  it('refuses to delete a manifest an index still lists, with ECR’s failure code', async () => {
    const out = await ecr.send(new BatchDeleteImageCommand({ repositoryName: NGINX, imageIds: [{ imageDigest: digest(11) }, { imageDigest: digest(14) }] }));
    expect(out.failures).toEqual([
      { imageId: { imageDigest: digest(11) }, failureCode: 'ImageReferencedByManifestList', failureReason: 'Requested image referenced by manifest list' },
    ]);
    expect(out.imageIds).toEqual([{ imageDigest: digest(14), imageTag: '1.25' }]);
    expect((await describeAll()).map((d) => d.imageDigest)).toContain(digest(11));
  });

  it('keeps a listed manifest even when its index goes in the same call, and deletes it once the index is gone', async () => {
    const both = await ecr.send(new BatchDeleteImageCommand({ repositoryName: NGINX, imageIds: [{ imageDigest: digest(10) }, { imageDigest: digest(11) }] }));
    expect(both.imageIds).toEqual([{ imageDigest: digest(10), imageTag: '1.27' }]);
    expect(both.failures?.map((f) => f.failureCode)).toEqual(['ImageReferencedByManifestList']);
    const after = await ecr.send(new BatchDeleteImageCommand({ repositoryName: NGINX, imageIds: [{ imageDigest: digest(11) }] }));
    expect(after).toMatchObject({ imageIds: [{ imageDigest: digest(11) }], failures: [] });
  });

  it('writes the index, its manifests and the referrer back out unchanged', () => {
    expect(endpoint.registry()).toEqual(registry());
  });
});
