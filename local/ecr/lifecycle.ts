// ECR's own lifecycle evaluation on the embedded registry: what a policy does to a repository's images (for a
// preview), and doing it (as ECR does within 24 hours of a policy being put): expired images deleted, transitioned
// ones archived. The rules themselves are functions/lib/lifecycle-evaluation.ts, the same the plan uses.
import {
  evaluateLifecyclePolicy,
  type LifecycleEvaluation,
  type LifecycleImage,
} from '../../functions/lib/lifecycle-evaluation';
import type { LifecyclePolicy } from '../../functions/lib/lifecycle-policy';
import type { ManifestImage } from '../../functions/lib/manifest-graph';
import type { StoredImage, StoredRepository } from './store';

/** A stored image as the evaluation reads it (Dates), keeping the stored image it came from. */
export interface EvaluatedImage extends LifecycleImage {
  /** The image's blobs (the registry file's layers): what it stores. */
  blobs?: ManifestImage['blobs'];
  stored: StoredImage;
}

const date = (iso: string | undefined): Date | undefined => (iso === undefined ? undefined : new Date(iso));

export function evaluatedImage(stored: StoredImage): EvaluatedImage {
  const { imageDigest, imageTags, imageSizeInBytes, imageManifestMediaType, artifactMediaType } = stored;
  const { manifestDigests, subjectManifestDigest, imageStatus } = stored;
  const optional = {
    imageTags,
    imageSizeInBytes,
    imageManifestMediaType,
    artifactMediaType,
    manifestDigests,
    subjectManifestDigest,
    imageStatus,
    lastRecordedPullTime: date(stored.lastRecordedPullTime),
    lastArchivedAt: date(stored.lastArchivedAt),
    lastActivatedAt: date(stored.lastActivatedAt),
    blobs: stored.layers,
  };
  const set = Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined));
  return { imageDigest, imagePushedAt: new Date(stored.imagePushedAt), ...set, stored };
}

/** What `policyText` (a valid policy) does to the repository's images at `now`. */
export function evaluateRepository(repo: StoredRepository, policyText: string, now: Date): LifecycleEvaluation<EvaluatedImage> {
  const policy = JSON.parse(policyText) as LifecyclePolicy;
  return evaluateLifecyclePolicy(policy, [...repo.images.values()].map(evaluatedImage), now);
}

export interface AppliedEvaluation {
  expired: StoredImage[];
  archived: StoredImage[];
}

/** Does what an evaluation found: deletes the expired images and archives the transitioned ones, as of `now`. */
export function applyEvaluation(repo: StoredRepository, evaluation: LifecycleEvaluation<EvaluatedImage>, now: Date): AppliedEvaluation {
  const applied: AppliedEvaluation = { expired: [], archived: [] };
  for (const { image, action } of evaluation.results) {
    if (action.type === 'EXPIRE') {
      repo.images.delete(image.imageDigest);
      applied.expired.push(image.stored);
    } else {
      image.stored.imageStatus = 'ARCHIVED';
      image.stored.lastArchivedAt = now.toISOString();
      applied.archived.push(image.stored);
    }
  }
  return applied;
}
