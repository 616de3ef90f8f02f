// `ecr-lifecycle evaluate-policies`: ECR's next lifecycle evaluation, played on a registry file. Every repository
// with a stored policy (the tool's or a person's) loses the images its policy expires and archives those it
// transitions, as ECR does within 24 hours of a policy being put. ECR's own evaluation is no API call, so a
// repository's injected `faults` do not apply, and stay in the file for the next sweep.
import { EVALUATION_NOTE_TEXT, type EvaluationNoteCode } from '../functions/lib/lifecycle-evaluation';
import { formatBytes } from '../functions/lib/storage';
import { bytesFreed } from '../functions/lib/manifest-graph';
import { applyEvaluation, evaluatedImage, evaluateRepository } from './ecr/lifecycle';
import type { Registry } from './ecr/registry-file';
import { RegistryStore } from './ecr/store';

export interface PolicyEvaluationSummary {
  referenceTime: string;
  repositoriesEvaluated: number;
  imagesExpired: number;
  bytesExpired: number;
  imagesArchived: number;
  /** Each case ECR does not document that the evaluation met: how many images, in how many repositories. */
  undocumented: { code: EvaluationNoteCode; images: number; repositories: number }[];
}

/** The registry a day later, as ECR's evaluation leaves it, and what the evaluation did. */
export function evaluatePolicies(registry: Registry, now: Date): { registry: Registry; summary: PolicyEvaluationSummary } {
  const store = new RegistryStore(registry);
  const summary: PolicyEvaluationSummary = {
    referenceTime: now.toISOString(),
    repositoriesEvaluated: 0,
    imagesExpired: 0,
    bytesExpired: 0,
    imagesArchived: 0,
    undocumented: [],
  };
  const notes = new Map<EvaluationNoteCode, { images: number; repositories: number }>();
  for (const repo of store.repositories.values()) {
    if (repo.lifecyclePolicyText === undefined) continue;
    const images = [...repo.images.values()].map(evaluatedImage);
    const evaluation = evaluateRepository(repo, repo.lifecyclePolicyText, now);
    const { expired, archived } = applyEvaluation(repo, evaluation, now);
    summary.repositoriesEvaluated += 1;
    summary.imagesExpired += expired.length;
    summary.bytesExpired += bytesFreed(images, new Set(expired.map((image) => image.imageDigest)));
    summary.imagesArchived += archived.length;
    for (const note of evaluation.notes) {
      const seen = notes.get(note.code) ?? { images: 0, repositories: 0 };
      notes.set(note.code, { images: seen.images + note.imageDigests.length, repositories: seen.repositories + 1 });
    }
  }
  summary.undocumented = [...notes].map(([code, counts]) => ({ code, ...counts }));
  return { registry: store.toRegistry(), summary };
}

export function formatPolicyEvaluation(s: PolicyEvaluationSummary): string {
  const repositories = `${s.repositoriesEvaluated} ${s.repositoriesEvaluated === 1 ? 'repository' : 'repositories'}`;
  const lines = [
    `ECR's lifecycle evaluation as of ${s.referenceTime}, over ${repositories} with a lifecycle policy: ` +
      `${s.imagesExpired} images expired (${formatBytes(s.bytesExpired)}), ${s.imagesArchived} archived`,
    ...s.undocumented.map(
      (u) => `Not documented by ECR (${u.images} images in ${u.repositories} repositories): ${EVALUATION_NOTE_TEXT[u.code]}`,
    ),
  ];
  return lines.join('\n');
}
