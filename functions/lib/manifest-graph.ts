// How a repository's images relate, as their manifests say: an image index lists platform manifests (and
// attestation manifests), a referrer names its subject, an image manifest references blobs (its config and layers),
// which the repository stores once however many images share them. The sweep's deletions, the figures of what a
// repository stores and frees, and ECR's evaluation all read these relations from here.
import { isImageIndex } from './lifecycle-evaluation';
import type { ImageUse } from './unpulled-images';

/** An image as DescribeImages describes it: the fields the sweep reads. */
export interface DescribedImage extends ImageUse {
  imageTags?: string[];
  imageSizeInBytes?: number;
  imageManifestMediaType?: string;
  artifactMediaType?: string;
  subjectManifestDigest?: string;
  imageStatus?: string;
  lastArchivedAt?: Date;
  lastActivatedAt?: Date;
}

/** A blob an image manifest references (its config or a layer): stored once per repository. */
export interface Blob {
  digest: string;
  size: number;
}

/** An image as DescribeImages describes it, with what only its manifest says (BatchGetImage). */
export interface ManifestImage extends DescribedImage {
  /** An index's manifests, by digest; absent while its manifest is unread. */
  manifestDigests?: string[];
  /** An image manifest's blobs, config first; absent while its manifest is unread. */
  blobs?: Blob[];
}

/** For each image an index of `images` lists: the indexes listing it. */
export function listingIndexes<T extends ManifestImage>(images: readonly T[]): Map<string, T[]> {
  const listedBy = new Map<string, T[]>();
  for (const index of images) {
    for (const digest of index.manifestDigests ?? []) listedBy.set(digest, [...(listedBy.get(digest) ?? []), index]);
  }
  return listedBy;
}

/**
 * The blobs `images` keep stored, each once. An image whose manifest is unread stands for one blob of its own, of
 * ECR's imageSizeInBytes (for an index, its largest manifest's size again): an upper bound. An index whose manifests
 * are known stores no blob of its own (its few hundred bytes of JSON are not counted).
 */
function storedBlobs(images: readonly ManifestImage[]): Map<string, number> {
  const blobs = new Map<string, number>();
  for (const image of images) {
    if (image.blobs) for (const { digest, size } of image.blobs) blobs.set(digest, size);
    else if (!(isImageIndex(image) && image.manifestDigests)) blobs.set(`image ${image.imageDigest}`, image.imageSizeInBytes ?? 0);
  }
  return blobs;
}

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

/** What a repository holding `images` stores: its distinct blobs. */
export function storedBytes(images: readonly ManifestImage[]): number {
  return sum(storedBlobs(images).values());
}

/** What no longer storing `gone` frees: the blobs they reference that no image left references. */
export function bytesFreed(images: readonly ManifestImage[], gone: ReadonlySet<string>): number {
  const left = storedBlobs(images.filter((image) => !gone.has(image.imageDigest)));
  return sum([...storedBlobs(images.filter((image) => gone.has(image.imageDigest)))].filter(([digest]) => !left.has(digest)).map(([, size]) => size));
}

/** Why a manifest of an index that goes stays. */
export type KeptReason = 'pulled within unpulledDays' | 'listed by an image index that stays';

export interface ExpiryPlan<T> {
  /** BatchDeleteImage rounds, in order: ECR deletes no manifest an index still lists, so indexes go a round first. */
  rounds: T[][];
  /** Manifests listed by an index that goes, which stay. */
  kept: { image: T; reason: KeptReason }[];
  /** False where an index's manifests are unknown: its manifests go a round later, and ECR may refuse some. */
  exact: boolean;
}

/**
 * Which images pull-age expiry deletes, an index and its manifests taken as one image: a manifest an index that
 * stays lists is never deleted; an index that goes takes, a round later, the manifests that only indexes going list,
 * unless they were pulled (by digest) within unpulledDays themselves. A referrer (signature, attestation) is never
 * deleted here: ECR expires it within 24 hours of its subject (lifecycle evaluation rules).
 */
export function planExpiry<T extends ManifestImage>(images: readonly T[], unpulled: (image: T) => boolean): ExpiryPlan<T> {
  const listedBy = listingIndexes(images);
  const exact = images.every((image) => !isImageIndex(image) || image.manifestDigests !== undefined);
  const candidates = images.filter((image) => image.subjectManifestDigest === undefined && unpulled(image));
  const gone = new Set<string>();
  const rounds: T[][] = [];
  // Where an index's manifests are unknown, any image that is no index may be one of them: it waits for the indexes.
  const ready = (image: T): boolean =>
    (listedBy.get(image.imageDigest) ?? []).every((index) => gone.has(index.imageDigest)) &&
    (exact || isImageIndex(image) || rounds.length > 0);
  for (;;) {
    const round = candidates.filter((image) => !gone.has(image.imageDigest) && ready(image));
    if (round.length === 0 && (exact || rounds.length > 0)) break;
    rounds.push(round);
    for (const image of round) gone.add(image.imageDigest);
  }
  const kept = images
    .filter((image) => !gone.has(image.imageDigest) && (listedBy.get(image.imageDigest) ?? []).some((index) => gone.has(index.imageDigest)))
    .map((image) => ({
      image,
      reason: (listedBy.get(image.imageDigest) ?? []).every((index) => gone.has(index.imageDigest))
        ? ('pulled within unpulledDays' as const)
        : ('listed by an image index that stays' as const),
    }));
  return { rounds: rounds.filter((round) => round.length > 0), kept, exact };
}
