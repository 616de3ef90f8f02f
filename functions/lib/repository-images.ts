// The one reader of a repository's images: every image as DescribeImages gives them page by page (IMAGE_PAGE_SIZE a
// call, at least one), and, where the caller may read manifests, each image's manifest by digest with BatchGetImage
// (MANIFEST_BATCH_SIZE a call): the manifests an index lists and the blobs an image manifest references. And what the
// images come to: the figures of a cache that a sweep reports before it deletes anything.
import { BatchGetImageCommand, paginateDescribeImages, type ECRClient, type ImageDetail } from '@aws-sdk/client-ecr';
import { toBatches } from './batches';
import { isObject } from './json';
import { IMAGE_PAGE_SIZE, MANIFEST_BATCH_SIZE } from './limits';
import { storedBytes, type Blob, type ManifestImage } from './manifest-graph';

export type StoredImage = ImageDetail & ManifestImage & { imageDigest: string };

/**
 * The manifest media types ECR stores and the sweep reads: Docker's and OCI's image manifests and indexes (manifest
 * lists). ECR answers a manifest in its stored type when that type is accepted.
 */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
] as const;

/**
 * `readManifests`: BatchGetImage records a pull (lastRecordedPullTime) unless the caller's principal is excluded from
 * pull time updates; a caller that is not must pass false, and its figures are then ECR's image sizes.
 */
export async function describeAllImages(ecr: ECRClient, repositoryName: string, { readManifests }: { readManifests: boolean }): Promise<StoredImage[]> {
  const images: StoredImage[] = [];
  for await (const page of paginateDescribeImages({ client: ecr, pageSize: IMAGE_PAGE_SIZE }, { repositoryName })) {
    for (const d of page.imageDetails ?? []) {
      if (d.imageDigest) images.push({ ...d, imageDigest: d.imageDigest });
    }
  }
  if (!readManifests) return images;
  const byDigest = new Map(images.map((image) => [image.imageDigest, image]));
  for (const batch of toBatches(images, MANIFEST_BATCH_SIZE)) {
    const { images: manifests = [] } = await ecr.send(
      new BatchGetImageCommand({
        repositoryName,
        imageIds: batch.map(({ imageDigest }) => ({ imageDigest })),
        acceptedMediaTypes: [...MANIFEST_MEDIA_TYPES],
      }),
    );
    // An image deleted since it was described is a failure of the call: its manifest stays unknown.
    for (const { imageId, imageManifest } of manifests) {
      const image = imageId?.imageDigest === undefined ? undefined : byDigest.get(imageId.imageDigest);
      if (image && imageManifest) Object.assign(image, manifestRelations(imageManifest));
    }
  }
  return images;
}

const isBlob = (value: unknown): value is Blob =>
  isObject(value) && typeof value.digest === 'string' && Number.isSafeInteger(value.size) && (value.size as number) >= 0;

/**
 * What a manifest says of its image: an index (OCI image index, Docker manifest list) lists manifests; an image
 * manifest references its config and layers. A manifest of another shape (Docker's schema 1 has no layer sizes)
 * says nothing, and its image's figures stay ECR's.
 */
export function manifestRelations(imageManifest: string): Pick<ManifestImage, 'manifestDigests' | 'blobs'> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(imageManifest);
  } catch {
    return {};
  }
  if (!isObject(manifest)) return {};
  if (Array.isArray(manifest.manifests)) {
    const digests = manifest.manifests.flatMap((entry) => (isObject(entry) && typeof entry.digest === 'string' ? [entry.digest] : []));
    return { manifestDigests: digests };
  }
  const layers = Array.isArray(manifest.layers) ? manifest.layers : undefined;
  if (!isBlob(manifest.config) || !layers?.every(isBlob)) return {};
  return { blobs: [manifest.config, ...layers].map(({ digest, size }) => ({ digest, size })) };
}

/** What a repository stores before the sweep deletes anything: its images, and the bytes of their distinct blobs. */
export interface StoredFigures {
  imagesBefore: number;
  bytesBefore: number;
}

export function storedFigures(images: readonly ManifestImage[]): StoredFigures {
  return { imagesBefore: images.length, bytesBefore: storedBytes(images) };
}
