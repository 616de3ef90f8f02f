// The plan of a local sweep (`sweep --plan FILE`): every cached repository the sweep considered, what it did (or,
// in a dry run, would do) there, and the images it expired. The action comes from the per-repository results the
// Distributed Map hands the tally, the images from the steps' 'repository outcome' log lines.
import type { RepositoryCheck } from '../functions/lib/lifecycle-policy';
import { pageOutcomes, type RepositoryResult } from '../functions/lib/report';
import { ACTION_BY_POLICY, REPOSITORY_OUTCOME, bytesOf, type ExpiredImage, type RepositoryAction } from '../functions/lib/repository-outcome';
import { checkLifecyclePolicy } from '../functions/steps/check-lifecycle-policy';
import { expireUnpulledImages } from '../functions/steps/expire-unpulled-images';
import { putLifecyclePolicy } from '../functions/steps/put-lifecycle-policy';
import type { SweepRun } from '../functions/steps/list-pull-through-cache-prefixes';
import type { ExecutionEvent } from './runner';
import type { LogLine } from './step-log';

export interface PlannedRepository {
  repositoryName: string;
  action: RepositoryAction;
  imagesExpired: ExpiredImage[];
  bytesExpired: number;
  error?: string;
  /**
   * On a failed repository: the tool's policy was put (in a dry run: would be) before the failure, for a
   * repository that had none or an outdated one of the tool's.
   */
  lifecyclePolicyPut?: true;
}

export interface Plan {
  referenceTime: string;
  dryRun: boolean;
  imagesExpired: number;
  bytesExpired: number;
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

/** Collects a plan from a running execution's events and log lines (RunOptions onEvent and onLog). */
export function planRecorder() {
  const results = new Map<string, RepositoryResult>();
  const expired = new Map<string, Map<string, ExpiredImage>>();
  /** Repositories whose check found no policy of the tool's, and those given it. */
  const policyDue = new Set<string>();
  const policyPut = new Set<string>();
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
      const repositoryName = line.repositoryName as string;
      if (line.function_name === checkLifecyclePolicy.name && ACTION_BY_POLICY[line.lifecyclePolicy as RepositoryCheck] === 'put-policy') {
        policyDue.add(repositoryName);
      }
      if (line.function_name === putLifecyclePolicy.name) policyPut.add(repositoryName);
      if (line.message !== REPOSITORY_OUTCOME || line.function_name !== expireUnpulledImages.name) return;
      // Every attempt lists what it deleted: a repository tried twice lost the images of both.
      const images = expired.get(line.repositoryName as string) ?? new Map<string, ExpiredImage>();
      for (const image of line.imagesExpired as ExpiredImage[]) images.set(image.imageDigest, image);
      expired.set(line.repositoryName as string, images);
    },
    /** The plan so far; `fallback` for an execution that failed before its first tally. */
    plan(fallback: { dryRun: boolean; referenceTime: string }): Plan {
      const dryRun = run?.dryRun ?? fallback.dryRun;
      const repositories = [...results.values()]
        .sort((a, b) => a.repositoryName.localeCompare(b.repositoryName))
        .map((result): PlannedRepository => {
          const imagesExpired = [...(expired.get(result.repositoryName)?.values() ?? [])];
          return {
            repositoryName: result.repositoryName,
            action: actionOf(result),
            imagesExpired,
            bytesExpired: bytesOf(imagesExpired),
            ...('error' in result ? { error: result.error } : {}),
            ...('error' in result && (dryRun ? policyDue : policyPut).has(result.repositoryName) ? { lifecyclePolicyPut: true as const } : {}),
          };
        });
      return {
        referenceTime: run?.referenceTime ?? fallback.referenceTime,
        dryRun,
        imagesExpired: repositories.reduce((n, r) => n + r.imagesExpired.length, 0),
        bytesExpired: repositories.reduce((n, r) => n + r.bytesExpired, 0),
        repositories,
      };
    },
  };
}
