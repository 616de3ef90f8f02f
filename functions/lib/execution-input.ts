// What a sweep execution accepts as input: nothing (the schedule), {"dryRun": true} (a manual run),
// {"repositoryName": ...} (one new repository), and {"referenceTime": ISO} to judge pull age as of another instant.
import { z } from 'zod';
import { isRepositoryName } from './cached-repositories';

const schema = z.strictObject({
  dryRun: z.boolean().optional(),
  referenceTime: z.iso.datetime({ offset: true }).optional(),
  repositoryName: z.string().refine(isRepositoryName, 'not a valid ECR repository name').optional(),
});

export type ExecutionInput = z.infer<typeof schema>;

export class InvalidExecutionInput extends Error {
  name = 'InvalidExecutionInput';
}

export function parseExecutionInput(input: unknown): ExecutionInput {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join('.') : 'input';
    throw new InvalidExecutionInput(`${where}: ${issue.message}`);
  }
  return parsed.data;
}
