// The plan of a local sweep (`sweep --plan FILE`): every cached repository the sweep considered, what it did (or,
// in a dry run, would do) there, the images it expired, and, for each repository that ends under the tool's policy,
// the images ECR's next lifecycle evaluation then expires. The action comes from the per-repository results the
// Distributed Map hands the tally, the images from expireUnpulledImages' 'repository outcome' log lines.
import { EVALUATION_NOTE_TEXT, type EvaluationNote, type EvaluationNoteCode } from '../functions/lib/lifecycle-evaluation';
import { pageOutcomes, type RepositoryResult } from '../functions/lib/report';
import {
  ACTION_BY_POLICY,
  REPOSITORY_OUTCOME,
  type ExpiredImage,
  type PolicyExpiredImage,
  type RepositoryAction,
} from '../functions/lib/repository-outcome';
import { expireUnpulledImages } from '../functions/steps/expire-unpulled-images';
import type { SweepRun } from '../functions/steps/list-pull-through-cache-prefixes';
import type { ExecutionEvent } from './runner';
import type { LogLine } from './step-log';

/**
 * Counts end in `Count`, lists do not; bytes are stored bytes, the blobs no image left in the repository references
 * (ECR's own imageSizeInBytes stays on each image).
 */
export interface PlannedRepository {
  repositoryName: string;
  action: RepositoryAction;
  imagesExpiredCount: number;
  bytesExpired: number;
  imagesExpired: ExpiredImage[];
  /** Under the tool's policy (put-policy, managed): what ECR's next evaluation expires after the sweep. */
  policyImagesExpiredCount?: number;
  policyBytesExpired?: number;
  policyExpires?: PolicyExpiredImage[];
  /** Cases of policyExpires that ECR does not document, and the images they concern. */
  policyNotes?: EvaluationNote[];
  error?: string;
}

export interface Plan {
  referenceTime: string;
  dryRun: boolean;
  /**
   * Whether every manifest was read. When not (an --aws caller not excluded from pull time updates), bytes are sums of
   * ECR's imageSizeInBytes, an upper bound, and an index's manifests are deleted a call after it: ECR may refuse some.
   */
  manifestsRead: boolean;
  imagesExpiredCount: number;
  bytesExpired: number;
  policyImagesExpiredCount: number;
  policyBytesExpired: number;
  /** Of policyImagesExpiredCount, those in use: pulled (never pulled: pushed) within unpulledDays. keepInUse keeps them. */
  policyImagesInUseCount: number;
  /** What each case of the repositories' policyNotes means and what the evaluation assumed; only those met. */
  policyNoteTexts?: Partial<Record<EvaluationNoteCode, string>>;
  repositories: PlannedRepository[];
}

/** What the tally state is entered with: the run, and one page of the Map's results with the batches it was given. */
interface TallyStateInput {
  run: SweepRun;
  page: { batches: string[][] };
  results: unknown[];
}

function actionOf(result: RepositoryResult): RepositoryAction {
  if ('error' in result) return 'failed';
  if ('skipped' in result) return 'skipped';
  return ACTION_BY_POLICY[result.lifecyclePolicy];
}

const UNDER_TOOL_POLICY: readonly RepositoryAction[] = ['put-policy', 'managed'];

/** Collects a plan from a running execution's events and log lines (RunOptions onEvent and onLog). */
export function planRecorder() {
  const results = new Map<string, RepositoryResult>();
  const expired = new Map<string, Map<string, ExpiredImage>>();
  /** The stored bytes each repository's attempts freed, added up. */
  const bytesExpired = new Map<string, number>();
  const policy = new Map<string, { policyExpires: PolicyExpiredImage[]; policyBytesExpired: number; policyNotes: EvaluationNote[] }>();
  let run: SweepRun | undefined;
  return {
    onEvent(event: ExecutionEvent): void {
      if (event.type !== 'StateEntered' || event.index !== undefined || event.state?.name !== 'TallyReport') return;
      const input = event.state.input as TallyStateInput;
      run = input.run;
      // A later result (the final attempt's) replaces an earlier one.
      for (const result of pageOutcomes({ batches: input.page.batches, results: input.results })) results.set(result.repositoryName, result);
    },
    onLog(line: LogLine): void {
      if (line.message !== REPOSITORY_OUTCOME || line.function_name !== expireUnpulledImages.name) return;
      const repositoryName = line.repositoryName as string;
      // Every attempt lists what it deleted: a repository tried twice lost the images of both.
      const images = expired.get(repositoryName) ?? new Map<string, ExpiredImage>();
      // An image with many tags may be spread over lines, each with a share of its tags.
      for (const image of line.imagesExpired as ExpiredImage[]) images.set(image.imageDigest, withTagsOf(images.get(image.imageDigest), image));
      expired.set(repositoryName, images);
      // Every line of an attempt carries its figures: the first one counts them.
      if (line.part === 1) bytesExpired.set(repositoryName, (bytesExpired.get(repositoryName) ?? 0) + (line.bytesExpired as number));
      // The policy's expirations are those after the last attempt's deletions: its first line starts them again.
      const before = line.part === 1 ? undefined : policy.get(repositoryName);
      const policyExpires = new Map((before?.policyExpires ?? []).map((image) => [image.imageDigest, image]));
      for (const image of line.policyExpires as PolicyExpiredImage[]) policyExpires.set(image.imageDigest, withTagsOf(policyExpires.get(image.imageDigest), image));
      policy.set(repositoryName, {
        policyExpires: [...policyExpires.values()],
        policyBytesExpired: line.policyBytesExpired as number,
        policyNotes: [...(before?.policyNotes ?? []), ...(line.policyNotes as EvaluationNote[])],
      });
    },
    /** The plan so far; `fallback` for an execution that failed before its first tally. */
    plan(fallback: { dryRun: boolean; referenceTime: string; manifestsRead: boolean }): Plan {
      const repositories = [...results.values()]
        .sort((a, b) => a.repositoryName.localeCompare(b.repositoryName))
        .map((result): PlannedRepository => {
          const imagesExpired = [...(expired.get(result.repositoryName)?.values() ?? [])];
          const action = actionOf(result);
          const { policyExpires = [], policyBytesExpired = 0, policyNotes = [] } = policy.get(result.repositoryName) ?? {};
          return {
            repositoryName: result.repositoryName,
            action,
            imagesExpiredCount: imagesExpired.length,
            bytesExpired: bytesExpired.get(result.repositoryName) ?? 0,
            imagesExpired,
            ...(UNDER_TOOL_POLICY.includes(action) ? { policyImagesExpiredCount: policyExpires.length, policyBytesExpired, policyExpires } : {}),
            ...(UNDER_TOOL_POLICY.includes(action) && policyNotes.length > 0 ? { policyNotes } : {}),
            ...('error' in result ? { error: result.error } : {}),
          };
        });
      const policyExpires = repositories.flatMap((r) => r.policyExpires ?? []);
      const codes = new Set(repositories.flatMap((r) => (r.policyNotes ?? []).map((note) => note.code)));
      return {
        referenceTime: run?.referenceTime ?? fallback.referenceTime,
        dryRun: run?.dryRun ?? fallback.dryRun,
        manifestsRead: fallback.manifestsRead,
        imagesExpiredCount: repositories.reduce((n, r) => n + r.imagesExpiredCount, 0),
        bytesExpired: repositories.reduce((n, r) => n + r.bytesExpired, 0),
        policyImagesExpiredCount: policyExpires.length,
        policyBytesExpired: repositories.reduce((n, r) => n + (r.policyBytesExpired ?? 0), 0),
        policyImagesInUseCount: policyExpires.filter((image) => image.inUse).length,
        ...(codes.size > 0 ? { policyNoteTexts: Object.fromEntries([...codes].map((code) => [code, EVALUATION_NOTE_TEXT[code]])) } : {}),
        repositories,
      };
    },
  };
}

/** An image as one line lists it, with the tags an earlier line listed of it too. */
function withTagsOf<T extends ExpiredImage>(seen: T | undefined, image: T): T {
  return { ...image, imageTags: [...new Set([...(seen?.imageTags ?? []), ...image.imageTags])] };
}
