// A workflow step: a plain function of its input and an explicit context, with the permissions it needs declared
// beside it. The Lambda handler (functions/*.ts) builds the context once at cold start; the local runner builds one
// per step, pointed at the embedded endpoint. The stack's IAM roles are generated from `permissions`.
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RunSettings } from './settings';

/** What a step's IAM statement is granted on; the stack turns each into ARNs (deploy/). */
export type PermissionScope =
  /** Actions IAM has no resource type for, e.g. ecr:DescribePullThroughCacheRules. */
  | 'any'
  /** Every repository of the registry: repository/*. */
  | 'allRepositories'
  /** The repositories the stage manages: repository/* or, scoped, repository/<prefix>/* per configured prefix. */
  | 'managedRepositories'
  /** The sweep state machine itself. */
  | 'sweepStateMachine'
  /** The dead-letter queue of the repository events. */
  | 'repositoryEventsDeadLetterQueue'
  /** The pull-through cache's service-linked role, AWSServiceRoleForECRPullThroughCache, which ECR makes with the first rule. */
  | 'pullThroughCacheServiceLinkedRole'
  /** The Secrets Manager secrets a pull-through cache rule may name: secret:ecr-pullthroughcache/*. */
  | 'pullThroughCacheCredentials';

export interface Permission {
  actions: string[];
  on: PermissionScope;
  /** An IAM Condition block the grant carries, e.g. which service a service-linked role may be made for. */
  condition?: Record<string, Record<string, string | string[]>>;
}

/** The part of Powertools' Metrics a step uses; a local run without --verbose passes one that publishes nothing. */
export interface StepMetrics {
  /** A dimension of the metrics added until the next publishStoredMetrics, beside the service and stage. */
  addDimension(name: string, value: string): void;
  addMetric(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void;
  publishStoredMetrics(): void;
}

export interface StepContext {
  settings: RunSettings;
  ecr: ECRClient;
  /**
   * Whether the function's principal is excluded from pull time updates, so that reading manifests (BatchGetImage)
   * records no pull: the stack registers every role allowed to read them; a local run against AWS checks its caller.
   */
  readManifests: boolean;
  logger: Logger;
  metrics: StepMetrics;
}

/** Steps that call ECR take a StepContext; the event step takes its own (functions/steps/start-repository-sweep.ts). */
export interface Step<I, O, C = StepContext> {
  /** The function's key in serverless.yml, which the definition's Fn::GetAtt names. */
  name: string;
  permissions: Permission[];
  run(input: I, context: C): Promise<O>;
}

/** What the per-repository steps are given: the repository, and the run's prefixes that decide its settings. */
export interface RepositoryInput {
  repositoryName: string;
  /** The run's pull-through cache prefixes: the longest one the repository lies under decides its settings. */
  ecrRepositoryPrefixes: string[];
}

/** The action that reads manifests, and records a pull unless the caller is excluded from pull time updates. */
export const READ_MANIFESTS_ACTION = 'ecr:BatchGetImage';

/** Whether a step reads manifests: the stack registers its role as excluded from pull time updates. */
export function readsManifests(step: { permissions: Permission[] }): boolean {
  return step.permissions.some(({ actions }) => actions.includes(READ_MANIFESTS_ACTION));
}
