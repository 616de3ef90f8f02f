// Describes the images of one repository under the tool's policy (with their manifests, where the function may read
// them), deletes those nobody pulled within unpulledDays of the run's reference time, an image index and the
// manifests only it lists taken as one image (in a dry run, only lists them), and works out what ECR's next
// evaluation of the tool's policy will expire among the rest, with the count that policy keeps (keepImages, or with
// keepInUse enough for every tagged image in use). Says whether that policy must be put, and logs the repository's
// outcome line. Only called for repositories that have no policy or the tool's. The same reads say what the
// repository stored before the sweep, for the figures of its cache; bytes are stored bytes, the distinct blobs.
import { BatchDeleteImageCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { toBatches } from '../lib/batches';
import { DELETE_BATCH_SIZE } from '../lib/limits';
import { policyForCount, type ToolPolicyCheck } from '../lib/lifecycle-policy';
import { bytesFreed, planExpiry, type ExpiryPlan } from '../lib/manifest-graph';
import { policyOutlook } from '../lib/policy-expirations';
import { describeAllImages, storedFigures, type StoredFigures, type StoredImage } from '../lib/repository-images';
import { ACTION_BY_POLICY, REPOSITORY_OUTCOME, expiredImage, outcomeLines, type ListedManifest } from '../lib/repository-outcome';
import { settingsOfRepository } from '../lib/repository-settings';
import type { RepositoryInput, Step } from '../lib/step';
import { ImageDeleteFailed, isUnpulled, pullCutoff, unexpectedDeleteFailures, type ImageDeleteFailure } from '../lib/unpulled-images';

interface ExpireInput extends RepositoryInput {
  dryRun: boolean;
  referenceTime: string;
  /** The check's answer: no policy, or the tool's (current or earlier). */
  lifecyclePolicy: ToolPolicyCheck;
  /** The count the stored policy of the tool's keeps, as the check read it; null for none. */
  keptImages: number | null;
}

/** Counts only: the images themselves go to the log lines, so that the state payload stays small. */
export interface ExpireOutput extends StoredFigures {
  /** MANAGED when the stored policy is the one the repository needs; NONE or OUTDATED: it must be put. */
  lifecyclePolicy: ToolPolicyCheck;
  /** The countNumber of the policy the repository needs. */
  keepImages: number;
  imagesExpired: number;
  bytesExpired: number;
  policyImagesExpired: number;
  policyBytesExpired: number;
  policyImagesInUse: number;
  /** How many cases ECR does not document the evaluation met (functions/lib/lifecycle-evaluation.ts); the log line names them. */
  policyNotes: number;
  /**
   * Set when deleting failed after some images were deleted: the repository fails with this error, and its
   * deletions, which no later try can find again, still count. A failure before any deletion is thrown instead.
   */
  error?: { Error: string; Cause: string };
}

export const expireUnpulledImages: Step<ExpireInput, ExpireOutput> = {
  name: 'expireUnpulledImages',
  permissions: [{ actions: ['ecr:DescribeImages', 'ecr:BatchGetImage', 'ecr:BatchDeleteImage'], on: 'managedRepositories' }],
  async run({ repositoryName, ecrRepositoryPrefixes, dryRun, referenceTime, lifecyclePolicy, keptImages }, { settings, ecr, logger, readManifests }) {
    const repository = settingsOfRepository(settings, ecrRepositoryPrefixes, repositoryName);
    if (repository.excluded) throw new Error(`${repositoryName} is excluded: its images are never read`);
    const reference = new Date(referenceTime);

    // The policy's expirations need every image, whether or not pull-age expiry is on.
    const images = await describeAllImages(ecr, repositoryName, { readManifests });
    const plan = planExpiry(images, (image) => isUnpulled(image, reference, repository.unpulledDays));
    const { deleted, failures, thrown } = dryRun
      ? { deleted: new Set(plan.rounds.flat().map((image) => image.imageDigest)), failures: [] }
      : await deleteImages(ecr, repositoryName, plan.rounds);
    const fate = manifestFate(plan, deleted);
    const expired = images.filter((image) => deleted.has(image.imageDigest)).map((image) => expiredImage(image, fate));
    const outlook = policyOutlook(images.filter((image) => !deleted.has(image.imageDigest)), repository, reference);
    const decided = policyForCount(lifecyclePolicy, keptImages, outlook.keepImages);
    const output: ExpireOutput = {
      lifecyclePolicy: decided,
      keepImages: outlook.keepImages,
      imagesExpired: expired.length,
      bytesExpired: bytesFreed(images, deleted),
      policyImagesExpired: outlook.policyExpires.length,
      policyBytesExpired: outlook.policyBytesExpired,
      policyImagesInUse: outlook.policyImagesInUse,
      policyNotes: outlook.policyNotes.length,
      ...storedFigures(images),
    };
    const failed = thrown ?? (failures.length > 0 ? new ImageDeleteFailed(repositoryName, failures) : undefined);
    // Counts before lists, and the lists split over lines: Logs Insights reads at most 200 fields of a line.
    const fields = {
      repositoryName,
      action: failed ? ('failed' as const) : ACTION_BY_POLICY[decided],
      dryRun,
      referenceTime,
      cutoff: pullCutoff(reference, repository.unpulledDays).toISOString(),
      keepImages: outlook.keepImages,
      imagesExpiredCount: output.imagesExpired,
      bytesExpired: output.bytesExpired,
      policyImagesExpired: output.policyImagesExpired,
      policyBytesExpired: output.policyBytesExpired,
      policyImagesInUse: output.policyImagesInUse,
      imagesBefore: output.imagesBefore,
      bytesBefore: output.bytesBefore,
      ...(failed ? { error: failed.name } : {}),
    };
    const lists = { imagesExpired: expired, policyExpires: outlook.policyExpires, policyNotes: outlook.policyNotes };
    for (const line of outcomeLines(fields, lists)) logger.info(REPOSITORY_OUTCOME, line);
    if (failed && deleted.size === 0) throw failed;
    return failed ? { ...output, error: { Error: failed.name, Cause: failed.message } } : output;
  },
};

/** What becomes of each stored manifest an index that goes lists: deleted, or kept and why. */
function manifestFate(plan: ExpiryPlan<StoredImage>, deleted: ReadonlySet<string>) {
  const kept = new Map(plan.kept.map(({ image, reason }) => [image.imageDigest, reason]));
  return (imageDigest: string): ListedManifest | undefined => {
    if (deleted.has(imageDigest)) return { imageDigest, expired: true };
    const keptBecause = kept.get(imageDigest);
    return keptBecause ? { imageDigest, expired: false, keptBecause } : undefined;
  };
}

/**
 * BatchDeleteImage, round after round (an index before the manifests only it lists: ECR refuses a manifest an index
 * still lists), 100 images a call; ECR lists a deleted image once per tag it had, so images are counted by digest.
 */
async function deleteImages(
  ecr: ECRClient,
  repositoryName: string,
  rounds: readonly StoredImage[][],
): Promise<{ deleted: Set<string>; failures: ImageDeleteFailure[]; thrown?: Error }> {
  const deleted = new Set<string>();
  const failures: ImageDeleteFailure[] = [];
  try {
    for (const round of rounds) {
      for (const batch of toBatches(round, DELETE_BATCH_SIZE)) {
        const result = await ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: batch.map(({ imageDigest }) => ({ imageDigest })) }));
        for (const id of result.imageIds ?? []) if (id.imageDigest) deleted.add(id.imageDigest);
        failures.push(...unexpectedDeleteFailures(result.failures ?? []));
      }
    }
  } catch (error) {
    // A call that failed past its retries: what the calls before it deleted is gone all the same.
    return { deleted, failures, thrown: error as Error };
  }
  return { deleted, failures };
}
