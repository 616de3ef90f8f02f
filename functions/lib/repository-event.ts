// Turns the EventBridge events that announce a new cached repository into one sweep execution for that repository.
// Three shapes: CloudTrail's record of a person's CreateRepository call, CloudTrail's service event for a
// repository that a pull-through cache created, and ECR's own `ECR Pull Through Cache Action`.
import { createHash } from 'node:crypto';
import { isRepositoryName } from './cached-repositories';
import { isObject } from './json';

export type RepositoryEventDecision =
  | { start: true; repositoryName: string; executionName: string; shape: string }
  | { start: false; reason: string };

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

export const API_CALL = 'AWS API Call via CloudTrail';
export const SERVICE_EVENT = 'AWS Service Event via CloudTrail';
export const PULL_THROUGH_CACHE_ACTION = 'ECR Pull Through Cache Action';

export function decideRepositoryEvent(event: unknown): RepositoryEventDecision {
  if (!isObject(event) || !isObject(event.detail)) return { start: false, reason: 'not an EventBridge event with a detail' };
  const detailType = event['detail-type'];
  const detail = event.detail;

  if (detailType === API_CALL || detailType === SERVICE_EVENT) {
    if (detail.eventSource !== 'ecr.amazonaws.com' || detail.eventName !== 'CreateRepository') {
      return { start: false, reason: `not an ECR CreateRepository record (${String(detail.eventSource)} ${String(detail.eventName)})` };
    }
    if (detail.errorCode !== undefined) return { start: false, reason: `the CreateRepository call failed (${String(detail.errorCode)})` };
    const where = detailType === API_CALL ? detail.requestParameters : detail.serviceEventDetails;
    // Either shape may carry the name in either place; CloudTrail has moved it before.
    const repositoryName =
      text(isObject(where) ? where.repositoryName : undefined) ??
      text(isObject(detail.requestParameters) ? detail.requestParameters.repositoryName : undefined) ??
      text(isObject(detail.serviceEventDetails) ? detail.serviceEventDetails.repositoryName : undefined);
    if (!repositoryName) return { start: false, reason: 'the CreateRepository record names no repository' };
    if (!isRepositoryName(repositoryName)) return { start: false, reason: `${JSON.stringify(repositoryName)} is not an ECR repository name` };
    // CloudTrail's eventID stays the same however often the record is delivered.
    const id = text(detail.eventID) ?? text(event.id);
    if (!id) return { start: false, reason: 'the event has no id to deduplicate it by' };
    return { start: true, repositoryName, executionName: executionName('created', repositoryName, id), shape: String(detailType) };
  }

  if (detailType === PULL_THROUGH_CACHE_ACTION) {
    const repositoryName = text(detail['repository-name']);
    if (!repositoryName) return { start: false, reason: 'the pull-through cache action names no repository' };
    if (!isRepositoryName(repositoryName)) return { start: false, reason: `${JSON.stringify(repositoryName)} is not an ECR repository name` };
    // These fire on every cache pull: at most one execution per repository per day.
    const day = text(event.time)?.slice(0, 10);
    if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return { start: false, reason: 'the pull-through cache action has no time' };
    return { start: true, repositoryName, executionName: executionName('pulled', repositoryName, day), shape: PULL_THROUGH_CACHE_ACTION };
  }

  return { start: false, reason: `unexpected detail-type ${JSON.stringify(detailType)}` };
}

/**
 * Execution names are at most 80 characters of [A-Za-z0-9-_]; a repository name can be 256 characters of others,
 * so the name carries a readable head of it and a hash of the whole.
 */
function executionName(kind: string, repositoryName: string, discriminator: string): string {
  const hash = createHash('sha256').update(`${repositoryName}\n${discriminator}`).digest('hex').slice(0, 16);
  const readable = repositoryName.replace(/[^A-Za-z0-9-_]/g, '-').slice(0, 40);
  return `${kind}-${readable}-${hash}`;
}
