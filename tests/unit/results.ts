// Per-repository results as the tests write them, and as the definition returns them.
import { RESULT_FIGURES, type RepositoryResult, type ReturnedResult } from '../../functions/lib/report';

/** ReportRepository's policy figures at zero, for a repository the tests give no policy expirations. */
export const noPolicyExpirations = { policyImagesExpired: 0, policyBytesExpired: 0, policyImagesInUse: 0, policyNotes: 0 };

/** A result as a test writes it: figures by name; a failure that deleted nothing may leave its deletions out. */
export type TestResult = RepositoryResult | { repositoryName: string; error: string };

/** The result as the definition's terminal Pass states return it: figures in the order of RESULT_FIGURES. */
export function returned(result: TestResult): ReturnedResult {
  if ('error' in result) return { imagesExpired: 0, bytesExpired: 0, ...result };
  if (!('lifecyclePolicy' in result)) return result;
  const { repositoryName, lifecyclePolicy } = result;
  return { repositoryName, lifecyclePolicy, figures: RESULT_FIGURES.map((name) => result[name]) };
}
