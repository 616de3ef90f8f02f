// What a sweep did to one repository, in the words of the plan (`sweep --plan`) and of the 'repository outcome'
// log lines that the saved queries of deploy/observability.yml read: an action, and the images it expired, split
// over as many lines as Logs Insights needs to read every field.
import { isImageIndex } from './lifecycle-evaluation';
import type { RepositoryCheck } from './lifecycle-policy';
import type { DescribedImage, KeptReason } from './manifest-graph';

/** The message of a repository's structured log lines (one, or several for a long list of images). */
export const REPOSITORY_OUTCOME = 'repository outcome';

export type RepositoryAction = 'put-policy' | 'managed' | 'left-alone' | 'excluded' | 'skipped' | 'failed';

/** What the check of a repository's lifecycle policy leads to. */
export const ACTION_BY_POLICY: Record<RepositoryCheck, RepositoryAction> = {
  NONE: 'put-policy',
  OUTDATED: 'put-policy',
  MANAGED: 'managed',
  USER_DEFINED: 'left-alone',
  EXCLUDED: 'excluded',
};

/**
 * An image expired (or, in a dry run, that would be), with the fields ECR's DescribeImages gave: imageSizeInBytes is
 * ECR's figure for the image alone (for an index, its largest manifest's), not what deleting it frees.
 */
export interface ExpiredImage {
  imageDigest: string;
  imageTags: string[];
  imagePushedAt?: string;
  lastRecordedPullTime?: string;
  imageSizeInBytes?: number;
  /** Set for an image index only. */
  imageManifestMediaType?: string;
  /** An image index's manifests that the repository stores: each goes with it, or stays and says why. */
  manifests?: ListedManifest[];
}

export interface ListedManifest {
  imageDigest: string;
  expired: boolean;
  keptBecause?: KeptReason;
}


/** An image that ECR's next lifecycle evaluation expires under the tool's policy, after the sweep's own deletions. */
export interface PolicyExpiredImage extends ExpiredImage {
  /** Pulled (never pulled: pushed) within unpulledDays of the reference time. */
  inUse: boolean;
}

/**
 * The fields of the plan; ECR's dates as ISO text, and only the ones ECR gave. An index lists its stored manifests
 * with what becomes of each: `fate` says it for each manifest of an index that goes.
 */
export function expiredImage(image: DescribedImage & { manifestDigests?: string[] }, fate?: (imageDigest: string) => ListedManifest | undefined): ExpiredImage {
  const manifests = isImageIndex(image) && fate ? (image.manifestDigests ?? []).flatMap((digest) => fate(digest) ?? []) : [];
  return {
    imageDigest: image.imageDigest,
    imageTags: image.imageTags ?? [],
    ...(image.imagePushedAt ? { imagePushedAt: new Date(image.imagePushedAt).toISOString() } : {}),
    ...(image.lastRecordedPullTime ? { lastRecordedPullTime: new Date(image.lastRecordedPullTime).toISOString() } : {}),
    ...(image.imageSizeInBytes === undefined ? {} : { imageSizeInBytes: image.imageSizeInBytes }),
    ...(isImageIndex(image) ? { imageManifestMediaType: image.imageManifestMediaType } : {}),
    ...(manifests.length > 0 ? { manifests } : {}),
  };
}

/**
 * CloudWatch Logs Insights discovers at most 200 fields in a JSON log event, and every element of an array is
 * fields of its own ("Supported logs and discovered fields"): past that, the fields after the limit are missing from
 * queries. An outcome line keeps its own fields under this, leaving room for the logger's (level, timestamp,
 * service, the function_* keys of the Lambda context, cold_start, xray_trace_id, sampling_rate).
 */
const LOGS_INSIGHTS_MAX_FIELDS = 200;
const LOGGER_FIELDS = 24;
const FIELDS_PER_LINE = LOGS_INSIGHTS_MAX_FIELDS - LOGGER_FIELDS;

/** The fields Logs Insights makes of a JSON value: one per scalar, arrays and objects flattened; an empty one counts one. */
function flattenedFieldCount(value: unknown): number {
  if (value === null || typeof value !== 'object') return 1;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.length === 0 ? 1 : children.reduce((n: number, child) => n + flattenedFieldCount(child), 0);
}

/** The repository's scalars of an outcome line: its name, action and counts come first on every line. */
export interface OutcomeFields {
  repositoryName: string;
  action: RepositoryAction;
  dryRun: boolean;
  referenceTime: string;
  [field: string]: string | number | boolean;
}

/**
 * The 'repository outcome' lines of one repository: its scalars (with its counts) on each line, `part` of `parts`,
 * then a share of each list (imagesExpired, policyExpires, ...), every list key on every line. An image with more
 * tags than one line holds is split over lines by its tags (the plan joins them again by imageDigest). Queries that
 * count repositories read `part = 1`.
 */
export function outcomeLines(fields: OutcomeFields, lists: Record<string, readonly object[]>): Record<string, unknown>[] {
  const keys = Object.keys(lists);
  // The scalars, part and parts, and each list's key (an empty list is one field).
  const room = FIELDS_PER_LINE - flattenedFieldCount(fields) - 2 - keys.length;
  const empty = () => Object.fromEntries(keys.map((key) => [key, [] as object[]]));
  const chunks: Record<string, object[]>[] = [empty()];
  let used = 0;
  for (const key of keys) {
    for (const piece of lists[key].flatMap((item) => piecesOf(item, room))) {
      const fieldsOfPiece = flattenedFieldCount(piece);
      if (used + fieldsOfPiece > room) {
        chunks.push(empty());
        used = 0;
      }
      chunks[chunks.length - 1][key].push(piece);
      used += fieldsOfPiece;
    }
  }
  return chunks.map((chunk, i) => ({ ...fields, part: i + 1, parts: chunks.length, ...chunk }));
}

/** An item as one piece, or, an image alone too big for a line, as several with its tags shared out. */
function piecesOf(item: object, room: number): object[] {
  const tags = (item as { imageTags?: unknown }).imageTags;
  if (flattenedFieldCount(item) <= room || !Array.isArray(tags)) return [item];
  const tagsPerPiece = room - flattenedFieldCount({ ...item, imageTags: [] });
  const pieces: object[] = [];
  for (let start = 0; start < tags.length; start += tagsPerPiece) pieces.push({ ...item, imageTags: tags.slice(start, start + tagsPerPiece) });
  return pieces;
}
