// ECR's pull time update exclusions: the IAM principals whose pulls (BatchGetImage) do not update an image's
// lastRecordedPullTime. Register, Deregister and List, with ECR's checks and errors, over the registry's list.
import { EcrError, invalidParameter } from './errors';
import type { Paginator } from './pagination';
import { isPrincipalArn, MAX_PRINCIPAL_ARN_LENGTH, PRINCIPAL_ARN } from './principals';
import type { PullTimeUpdateExclusionOperation } from './registry-file';
import { requiredString, type Input } from './request';
import type { RegistryStore } from './store';

export class PullTimeUpdateExclusions {
  readonly handlers: Record<PullTimeUpdateExclusionOperation, (input: Input) => Record<string, unknown>>;

  constructor(
    private readonly store: RegistryStore,
    private readonly now: () => number,
    paginator: Paginator,
    registryId: string,
  ) {
    const excluded = () => store.pullTimeUpdateExclusions;
    this.handlers = {
      RegisterPullTimeUpdateExclusion: (input) => {
        const principalArn = readPrincipalArn(input);
        if (excluded().has(principalArn) || store.stackExclusions.has(principalArn)) {
          throw new EcrError(
            'ExclusionAlreadyExistsException',
            `The principal '${principalArn}' is already excluded from pull time updates in the registry with id '${registryId}'`,
          );
        }
        excluded().add(principalArn);
        return { principalArn, createdAt: this.now() / 1000 };
      },
      DeregisterPullTimeUpdateExclusion: (input) => {
        const principalArn = readPrincipalArn(input);
        if (!excluded().delete(principalArn)) {
          throw new EcrError(
            'ExclusionNotFoundException',
            `The principal '${principalArn}' is not excluded from pull time updates in the registry with id '${registryId}'`,
          );
        }
        return { principalArn };
      },
      ListPullTimeUpdateExclusions: (input) => {
        const all = [...new Set([...store.stackExclusions, ...excluded()])];
        const page = paginator.page(all, (arn) => arn, 'ListPullTimeUpdateExclusions', input);
        return { pullTimeUpdateExclusions: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
      },
    };
  }

  /** Whether a pull by this caller updates lastRecordedPullTime: always, unless it is an excluded principal. */
  recordsPullBy(principalArn: string | undefined): boolean {
    return principalArn === undefined || !(this.store.pullTimeUpdateExclusions.has(principalArn) || this.store.stackExclusions.has(principalArn));
  }
}

function readPrincipalArn(input: Input): string {
  const arn = requiredString(input, 'principalArn');
  if (arn.length < 1) throw invalidParameter('principalArn', 'Member must have length greater than or equal to 1');
  if (arn.length > MAX_PRINCIPAL_ARN_LENGTH) {
    throw invalidParameter('principalArn', `Member must have length less than or equal to ${MAX_PRINCIPAL_ARN_LENGTH}`);
  }
  if (!isPrincipalArn(arn)) {
    throw invalidParameter('principalArn', `Member must satisfy regular expression pattern: ${PRINCIPAL_ARN.source.slice(1, -1)}`);
  }
  return arn;
}
