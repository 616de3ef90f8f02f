// ECR's error responses as AWS JSON 1.1 carries them, so the real SDK raises its own exception classes.
// The SDK reads the error code from the body's `__type` (it falls back to a header), and classifies
// ThrottlingException as throttling by name, not by status, so ECR's 400 is kept for it.
import { AwsJsonError } from './aws-json';
import { SERVER_ERROR_STATUS } from './operation-errors';

export class EcrError extends AwsJsonError {
  constructor(
    /** ECR's error code, e.g. RepositoryNotFoundException: sent as `__type`. */
    code: string,
    message: string,
  ) {
    // ECR answers 400 for its client errors; only server-side faults are 5xx (and the SDK retries those).
    super(code, message, SERVER_ERROR_STATUS[code] ?? 400);
  }
}

/** ECR's own wording for a request member that breaks the model's constraints. */
export function invalidParameter(member: string, constraint: string): EcrError {
  return new EcrError(
    'InvalidParameterException',
    `Invalid parameter at '${member}' failed to satisfy constraint: '${constraint}'`,
  );
}

export function repositoryNotFound(repositoryName: string, registryId: string): EcrError {
  return new EcrError(
    'RepositoryNotFoundException',
    `The repository with name '${repositoryName}' does not exist in the registry with id '${registryId}'`,
  );
}

/** AWS reports a member of the wrong JSON type before any constraint is checked. */
export function serialization(message: string): EcrError {
  return new EcrError('SerializationException', message);
}
