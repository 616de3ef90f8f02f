// Which images nobody pulled within `unpulledDays` of the reference time. ECR's lifecycle rules cannot expire by
// pull time (sinceImagePulled only archives), so the workflow deletes these itself.

export interface ImageUse {
  imageDigest: string;
  imagePushedAt?: Date;
  lastRecordedPullTime?: Date;
}

const DAY_MS = 86_400_000;

/** Images last used strictly before this instant are unpulled. */
export function pullCutoff(referenceTime: Date, unpulledDays: number): Date {
  return new Date(referenceTime.getTime() - unpulledDays * DAY_MS);
}

/** A never-pulled image has no lastRecordedPullTime; its push is its last use. */
export function lastUsed(image: ImageUse): Date | undefined {
  return image.lastRecordedPullTime ?? image.imagePushedAt;
}

/** Whether nobody pulled the image (never pulled: pushed) within unpulledDays before the reference time; never with 0. */
export function isUnpulled(image: ImageUse, referenceTime: Date, unpulledDays: number): boolean {
  if (unpulledDays === 0) return false;
  const used = lastUsed(image);
  return used !== undefined && used.getTime() < pullCutoff(referenceTime, unpulledDays).getTime();
}

export interface ImageDeleteFailure {
  imageId?: { imageDigest?: string; imageTag?: string };
  failureCode?: string;
  failureReason?: string;
}

/**
 * Failures that mean nothing went wrong: an image already gone (another sweep, ECR's own lifecycle rule), and a
 * platform image that a multi-platform image still in use refers to, which stays until that image goes.
 */
const EXPECTED_DELETE_FAILURES = new Set(['ImageNotFound', 'ImageReferencedByManifestList']);

export function unexpectedDeleteFailures(failures: readonly ImageDeleteFailure[]): ImageDeleteFailure[] {
  return failures.filter((failure) => !EXPECTED_DELETE_FAILURES.has(failure.failureCode ?? ''));
}

export class ImageDeleteFailed extends Error {
  name = 'ImageDeleteFailed';
  constructor(repositoryName: string, failures: readonly ImageDeleteFailure[]) {
    const first = failures[0];
    super(
      `${failures.length} image(s) in ${repositoryName} could not be deleted, first ${first.imageId?.imageDigest}: ` +
        `${first.failureCode} ${first.failureReason ?? ''}`.trim(),
    );
  }
}
