// BatchGetImage on the embedded ECR as the real @aws-sdk/client-ecr sees it: manifests built from the registry file
// (an index, an image with its layers, one without, a referrer), ECR's failures and limits, the pull it records
// unless the caller is excluded from pull time updates, and its throttling.
import { createHash } from 'node:crypto';
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  type BatchGetImageCommandInput,
  type ImageIdentifier,
} from '@aws-sdk/client-ecr';
import type { Registry } from '../../local/ecr/registry-file';
import { startEcrEndpoint, type EcrEndpoint } from '../../local/ecr/server';
import { client, clientAs, digest, multiPlatformRepository, OCI_INDEX, OCI_MANIFEST } from './ecr-fixtures';
import { rejectionOf } from '../rejection';

const NGINX = 'docker-hub/library/nginx';
const NOW = '2026-12-01T00:00:00.000Z';
const EXCLUDED_ROLE = 'arn:aws:iam::123456789012:role/ecr-lifecycle-manager-read-manifests';
const OTHER_ROLE = 'arn:aws:iam::123456789012:role/eks-node';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const EMPTY_BLOB = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The fixture's multi-platform image; its amd64 manifest (digest 11) gives its blobs, an archived image besides. */
const registry = (extra: Partial<Registry> = {}): Registry => {
  const repository = multiPlatformRepository(NGINX);
  repository.images![1].layers = [
    { digest: digest(101), size: 1_234 },
    { digest: digest(102), size: 40_000_000 },
    { digest: digest(103), size: 29_998_766 },
  ];
  repository.images![0].lastRecordedPullTime = '2026-11-20T00:00:00Z';
  repository.images![4].lastRecordedPullTime = '2026-11-01T00:00:00Z';
  repository.images!.push({
    imageDigest: digest(20), imageTags: ['1.20'], imagePushedAt: '2025-01-01T00:00:00Z', imageStatus: 'ARCHIVED', lastArchivedAt: '2026-01-01T00:00:00Z',
  });
  return {
    pullThroughCacheRules: [{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' }],
    repositories: [repository],
    pullTimeUpdateExclusions: [EXCLUDED_ROLE],
    ...extra,
  };
};

const open: EcrEndpoint[] = [];
const clients: ECRClient[] = [];
async function start(file: Registry = registry()): Promise<{ endpoint: EcrEndpoint; ecr: ECRClient }> {
  const endpoint = await startEcrEndpoint(file, { now: () => Date.parse(NOW) });
  open.push(endpoint);
  return { endpoint, ecr: track(client(endpoint.url, 1)) };
}
const track = (ecr: ECRClient) => (clients.push(ecr), ecr);
afterEach(async () => {
  clients.splice(0).forEach((c) => c.destroy());
  await Promise.all(open.splice(0).map((e) => e.close()));
});

const get = (ecr: ECRClient, imageIds: ImageIdentifier[], extra: Partial<BatchGetImageCommandInput> = {}) =>
  ecr.send(new BatchGetImageCommand({ repositoryName: NGINX, imageIds, ...extra }));
const byDigest = (...ns: number[]) => ns.map((n) => ({ imageDigest: digest(n) }));
const manifestOf = async (ecr: ECRClient, n: number) => (await get(ecr, byDigest(n))).images![0].imageManifest!;
const pullTimes = (file: Registry) => Object.fromEntries(file.repositories[0].images!.map((i) => [i.imageDigest, i.lastRecordedPullTime]));

describe('the manifests BatchGetImage answers with', () => {
  it('gives an image with layers its config and layers, the config first', async () => {
    const { ecr } = await start();
    const out = await get(ecr, byDigest(11));
    expect(out.failures).toEqual([]);
    expect(out.images).toEqual([
      {
        registryId: '123456789012',
        repositoryName: NGINX,
        imageId: { imageDigest: digest(11) },
        imageManifest: expect.any(String),
        imageManifestMediaType: OCI_MANIFEST,
      },
    ]);
    expect(JSON.parse(out.images![0].imageManifest!)).toEqual({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: digest(101), size: 1_234 },
      layers: [
        { mediaType: OCI_LAYER, digest: digest(102), size: 40_000_000 },
        { mediaType: OCI_LAYER, digest: digest(103), size: 29_998_766 },
      ],
    });
  });

  it('gives an image without layers an empty config and one layer of its own, as large as ECR says the image is', async () => {
    const { ecr } = await start();
    const out = await get(ecr, byDigest(14));
    expect(out.images![0].imageManifestMediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    const ownLayer = `sha256:${createHash('sha256').update(`layer:${digest(14)}`).digest('hex')}`;
    expect(JSON.parse(out.images![0].imageManifest!)).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: EMPTY_BLOB, size: 0 },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: ownLayer, size: 60_000_000 }],
    });
  });

  it('lists an index’s manifests with their media types and the sizes of the manifests it serves for them', async () => {
    const { ecr } = await start();
    const index = JSON.parse(await manifestOf(ecr, 10));
    expect(index).toEqual({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, digest: digest(11), size: Buffer.byteLength(await manifestOf(ecr, 11)) },
        { mediaType: OCI_MANIFEST, digest: digest(12), size: Buffer.byteLength(await manifestOf(ecr, 12)) },
      ],
    });
    expect(index.manifests[0].size).toBeGreaterThan(300);
  });

  it('gives a referrer its subject and artifact type', async () => {
    const { ecr } = await start();
    const referrer = JSON.parse(await manifestOf(ecr, 13));
    expect(referrer).toMatchObject({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.cncf.notary.signature',
      subject: { mediaType: OCI_INDEX, digest: digest(10), size: Buffer.byteLength(await manifestOf(ecr, 10)) },
    });
    expect(referrer.config.mediaType).toBe(OCI_CONFIG);
  });

  it('answers an image asked for by tag with that tag, and each image once', async () => {
    const { ecr } = await start();
    const out = await get(ecr, [{ imageTag: '1.27' }, { imageDigest: digest(10), imageTag: '1.27' }, { imageDigest: digest(14) }, { imageDigest: digest(14) }]);
    expect(out.images!.map((i) => i.imageId)).toEqual([{ imageDigest: digest(10), imageTag: '1.27' }, { imageDigest: digest(14) }]);
  });

  it('answers a manifest in none of the accepted media types as not found', async () => {
    const { ecr } = await start();
    const out = await get(ecr, byDigest(10, 11), { acceptedMediaTypes: [OCI_MANIFEST, 'application/vnd.docker.distribution.manifest.v2+json'] });
    expect(out.images!.map((i) => i.imageId)).toEqual(byDigest(11));
    expect(out.failures).toEqual([{ imageId: { imageDigest: digest(10) }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }]);
  });
});

describe('BatchGetImage failures and limits', () => {
  it('fails each image it cannot give with ECR’s failure code and answers the others', async () => {
    const { ecr } = await start();
    const out = await get(ecr, [
      { imageDigest: digest(99) },
      { imageTag: 'latest' },
      { imageDigest: digest(14), imageTag: '1.27' },
      { imageDigest: 'sha256:xyz' },
      {},
      { imageDigest: digest(20) },
      { imageDigest: digest(12) },
    ]);
    expect(out.images!.map((i) => i.imageId)).toEqual(byDigest(12));
    expect(out.failures!.map((f) => [f.imageId, f.failureCode])).toEqual([
      [{ imageDigest: digest(99) }, 'ImageNotFound'],
      [{ imageTag: 'latest' }, 'ImageNotFound'],
      [{ imageDigest: digest(14), imageTag: '1.27' }, 'ImageTagDoesNotMatchDigest'],
      [{ imageDigest: 'sha256:xyz' }, 'InvalidImageDigest'],
      [{}, 'MissingDigestAndTag'],
      [{ imageDigest: digest(20) }, 'ImageInaccessible'],
    ]);
    expect(out.failures![0].failureReason).toBe('Requested image not found');
  });

  it('takes up to 100 image ids a call, as ECR does', async () => {
    const { ecr } = await start();
    const hundred = await get(ecr, byDigest(...Array.from({ length: 100 }, (_, i) => 1_000 + i)));
    expect(hundred.failures).toHaveLength(100);
    expect(new Set(hundred.failures!.map((f) => f.failureCode))).toEqual(new Set(['ImageNotFound']));
    const tooMany = await rejectionOf(get(ecr, byDigest(...Array.from({ length: 101 }, (_, i) => 1_000 + i))));
    expect(tooMany.name).toBe('InvalidParameterException');
    expect(tooMany.message).toBe("Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length less than or equal to 100'");
    expect((await rejectionOf(get(ecr, []))).name).toBe('InvalidParameterException');
    expect((await rejectionOf(get(ecr, byDigest(10), { acceptedMediaTypes: [] }))).name).toBe('InvalidParameterException');
  });

  it('answers a repository it does not hold, and a fault the file injects, with the error', async () => {
    const file = registry();
    file.repositories.push({ repositoryName: 'docker-hub/library/redis', faults: { BatchGetImage: 'UnableToGetUpstreamImageException' } });
    const { ecr } = await start(file);
    const missing = await rejectionOf(ecr.send(new BatchGetImageCommand({ repositoryName: 'docker-hub/library/gone', imageIds: byDigest(1) })));
    expect(missing.name).toBe('RepositoryNotFoundException');
    const faulted = await rejectionOf(ecr.send(new BatchGetImageCommand({ repositoryName: 'docker-hub/library/redis', imageIds: byDigest(1) })));
    expect(faulted.name).toBe('UnableToGetUpstreamImageException');
  });

  it('is throttled by its own rate, as the file gives it, and counted', async () => {
    const { endpoint, ecr } = await start(registry({ throttle: { perOperation: { BatchGetImage: 1 } } }));
    await get(ecr, byDigest(11));
    expect((await rejectionOf(get(ecr, byDigest(11)))).name).toBe('ThrottlingException');
    await ecr.send(new DescribeRepositoriesCommand({}));
    expect(endpoint.calls.BatchGetImage).toBe(2);
    expect(endpoint.throttled.BatchGetImage).toBe(1);
    expect(endpoint.throttled.DescribeRepositories).toBe(0);
  });
});

describe('the pull BatchGetImage records', () => {
  const before = pullTimes(registry());
  it('starts from a registry where some images were pulled before', () => {
    expect(before).toMatchObject({ [digest(10)]: '2026-11-20T00:00:00Z', [digest(14)]: '2026-11-01T00:00:00Z' });
  });

  it('sets lastRecordedPullTime on each image it returns, for a caller of unknown principal', async () => {
    const { endpoint, ecr } = await start();
    await get(ecr, [...byDigest(10, 99, 20), { imageTag: '1.25' }]);
    expect(pullTimes(endpoint.registry())).toEqual({ ...before, [digest(10)]: NOW, [digest(14)]: NOW });
    const described = await ecr.send(new DescribeImagesCommand({ repositoryName: NGINX, imageIds: byDigest(14) }));
    expect(described.imageDetails![0].lastRecordedPullTime).toEqual(new Date(NOW));
  });

  it('sets it for a principal the registry does not exclude', async () => {
    const { endpoint } = await start();
    await get(track(clientAs(endpoint.url, OTHER_ROLE)), byDigest(11, 12));
    expect(pullTimes(endpoint.registry())).toEqual({ ...before, [digest(11)]: NOW, [digest(12)]: NOW });
  });

  it('leaves it unchanged for a principal the registry excludes from pull time updates', async () => {
    const { endpoint } = await start();
    const out = await get(track(clientAs(endpoint.url, EXCLUDED_ROLE)), byDigest(10, 11, 12, 13, 14));
    expect(out.images).toHaveLength(5);
    expect(pullTimes(endpoint.registry())).toEqual(before);
    expect(endpoint.registry()).toEqual(registry());
  });

  it('changes nothing when it fails an image', async () => {
    const { endpoint, ecr } = await start();
    await get(ecr, byDigest(10), { acceptedMediaTypes: [OCI_MANIFEST] });
    expect(pullTimes(endpoint.registry())).toEqual(before);
  });
});
