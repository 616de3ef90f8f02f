// What ECR's next lifecycle evaluation will expire in a repository under the tool's policy, once the sweep is done:
// the policy played (functions/lib/lifecycle-evaluation.ts) over the images the sweep described, less those it
// deleted, and the stored bytes that frees. And the count that policy keeps: keepImages, or with keepInUse at least
// enough that no image in use goes.
import { evaluateLifecyclePolicy, type EvaluationNote, type LifecycleImage } from './lifecycle-evaluation';
import { buildLifecyclePolicy } from './lifecycle-policy';
import { bytesFreed, type ManifestImage } from './manifest-graph';
import { expiredImage, type PolicyExpiredImage } from './repository-outcome';
import { lastUsed, pullCutoff, type ImageUse } from './unpulled-images';

/** What a repository's settings say of its policy. */
export interface PolicySettings {
  keepImages: number;
  unpulledDays: number;
  keepInUse: boolean;
}

export interface PolicyOutlook {
  /** The countNumber of the tool's policy for this repository. */
  keepImages: number;
  policyExpires: PolicyExpiredImage[];
  policyBytesExpired: number;
  /** How many of policyExpires are in use. */
  policyImagesInUse: number;
  /** Cases of these images that ECR does not document, and what the evaluation assumed for them. */
  policyNotes: EvaluationNote[];
}

/**
 * In use: pulled (never pulled: pushed) within unpulledDays of the reference time, the complement of what the
 * sweep deletes as unpulled. With unpulledDays 0 there is no such window and no image counts as in use.
 */
export function isInUse(image: ImageUse, referenceTime: Date, unpulledDays: number): boolean {
  const used = lastUsed(image);
  return unpulledDays > 0 && used !== undefined && used.getTime() >= pullCutoff(referenceTime, unpulledDays).getTime();
}

const IMAGE_STATUSES = new Set(['ACTIVE', 'ARCHIVED', 'ACTIVATING']);

/** The images as the evaluation takes them; ECR gives every image a push time, one without it cannot be ordered. */
function lifecycleImages(images: readonly ManifestImage[]): (LifecycleImage & ManifestImage)[] {
  return images.flatMap((image) =>
    image.imagePushedAt === undefined
      ? []
      : [{
          ...image,
          imagePushedAt: image.imagePushedAt,
          imageStatus: IMAGE_STATUSES.has(image.imageStatus ?? '') ? (image.imageStatus as LifecycleImage['imageStatus']) : undefined,
        }],
  );
}

/** The tool's policy for one repository, and what ECR's next evaluation of it expires among `remaining`. */
export function policyOutlook(remaining: readonly ManifestImage[], settings: PolicySettings, referenceTime: Date): PolicyOutlook {
  const images = lifecycleImages(remaining);
  // A referrer (signature, attestation) is nobody's to pull on its own: it is in use while its subject is.
  const byDigest = new Map(images.map((image) => [image.imageDigest, image]));
  const inUse = (image: ImageUse & { subjectManifestDigest?: string }): boolean => {
    if (image.subjectManifestDigest === undefined) return isInUse(image, referenceTime, settings.unpulledDays);
    const subject = byDigest.get(image.subjectManifestDigest);
    return subject !== undefined && subject !== image && inUse(subject);
  };
  const evaluate = (count: number) => evaluateLifecyclePolicy(buildLifecyclePolicy(count), images, referenceTime);
  const expiresInUse = (count: number) => evaluate(count).results.some(({ image, action }) => action.type === 'EXPIRE' && inUse(image));

  let keepImages = settings.keepImages;
  if (settings.keepInUse) {
    // At least every tagged image in use (the policy ranks tagged images only). That is enough unless a tagged image
    // not in use was pushed after one in use: then the least count that expires none of them, found by halving,
    // since a larger count never expires an image a smaller one keeps. Keeping every tagged image expires none.
    const ranked = images.filter((image) => (image.imageTags ?? []).length > 0);
    let low = Math.max(keepImages, ranked.filter(inUse).length);
    let high = Math.max(low, ranked.length);
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (expiresInUse(middle)) low = middle + 1;
      else high = middle;
    }
    keepImages = low;
  }

  const evaluation = evaluate(keepImages);
  const expiring = evaluation.results.filter(({ action }) => action.type === 'EXPIRE').map(({ image }) => image);
  const policyExpires = expiring.map((image): PolicyExpiredImage => ({ ...expiredImage(image), inUse: inUse(image) }));
  return {
    keepImages,
    policyExpires,
    policyBytesExpired: bytesFreed(remaining, new Set(expiring.map((image) => image.imageDigest))),
    policyImagesInUse: policyExpires.filter((image) => image.inUse).length,
    policyNotes: evaluation.notes,
  };
}
