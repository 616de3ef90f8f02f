// The embedded ECR's calls that change pull-through cache rules, as ECR answers them (the ECR API reference and
// service model): CreatePullThroughCacheRule refuses a prefix that has a rule (PullThroughCacheRuleAlreadyExists-
// Exception), an upstream ECR does not support, an upstream that needs credentials without them, and a 51st rule;
// UpdatePullThroughCacheRule changes only the credentials; ValidatePullThroughCacheRule says whether the rule can
// pull; Update, Validate and Delete of a prefix without a rule answer PullThroughCacheRuleNotFoundException.
// DescribePullThroughCacheRules is in operations.ts. Secrets are not modelled: any well-formed ARN is taken.
import { ROOT_PREFIX } from '../../functions/lib/cached-repositories';
import { CREDENTIAL_SECRET_PREFIX, MAX_RULES, UPSTREAMS, upstreamRegistryOf } from '../../functions/lib/pull-through-cache-rules';
import { EcrError, invalidParameter } from './errors';
import { optionalString, requiredString, type Input } from './request';
import type { PullThroughCacheRuleEntry } from './registry-file';
import type { RegistryStore } from './store';

type Output = Record<string, unknown>;

export const PULL_THROUGH_CACHE_RULE_OPERATIONS = [
  'CreatePullThroughCacheRule',
  'UpdatePullThroughCacheRule',
  'ValidatePullThroughCacheRule',
  'DeletePullThroughCacheRule',
] as const;
export type PullThroughCacheRuleOperation = (typeof PULL_THROUGH_CACHE_RULE_OPERATIONS)[number];

// The service model's patterns.
const PREFIX = /^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$/;
const CREDENTIAL_ARN = /^arn:aws(-\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr-pullthroughcache\/[a-zA-Z0-9/_+=.@-]+$/;

const epochSeconds = (ms: number): number => ms / 1000;

export class PullThroughCacheRuleOperations {
  /** When each rule was created and last updated (epoch ms); rules from the file date from the endpoint's start. */
  private readonly times = new Map<string, { createdAt: number; updatedAt: number }>();

  constructor(
    private readonly store: RegistryStore,
    private readonly registryId: string,
    private readonly now: () => number = Date.now,
  ) {}

  readonly handlers: Record<PullThroughCacheRuleOperation, (input: Input) => Output> = {
    CreatePullThroughCacheRule: (input) => this.create(input),
    UpdatePullThroughCacheRule: (input) => this.update(input),
    ValidatePullThroughCacheRule: (input) => this.validate(input),
    DeletePullThroughCacheRule: (input) => this.delete(input),
  };

  private create(input: Input): Output {
    const ecrRepositoryPrefix = prefixOf(input);
    const upstreamRegistryUrl = requiredString(input, 'upstreamRegistryUrl');
    const credentialArn = credentialArnOf(input);
    const upstreamRegistry = optionalString(input, 'upstreamRegistry') ?? upstreamRegistryOf(upstreamRegistryUrl);
    const supported = upstreamRegistryOf(upstreamRegistryUrl);
    if (!supported || supported !== upstreamRegistry) {
      throw new EcrError('UnsupportedUpstreamRegistryException', `The upstream registry '${upstreamRegistryUrl}' is not supported for pull through cache`);
    }
    if (this.store.rules.some((r) => r.ecrRepositoryPrefix === ecrRepositoryPrefix)) {
      throw new EcrError(
        'PullThroughCacheRuleAlreadyExistsException',
        `A pull through cache rule with prefix '${ecrRepositoryPrefix}' already exists in the registry with id '${this.registryId}'`,
      );
    }
    const needs = UPSTREAMS.find((u) => u.registry === supported)?.needs;
    if (needs === 'credentials' && !credentialArn) {
      throw invalidParameter('credentialArn', `The upstream registry '${upstreamRegistryUrl}' requires a credential ARN`);
    }
    if (this.store.rules.length >= MAX_RULES) {
      throw new EcrError('LimitExceededException', `The maximum number of pull through cache rules (${MAX_RULES}) has been reached for the registry with id '${this.registryId}'`);
    }
    const rule: PullThroughCacheRuleEntry = { ecrRepositoryPrefix, upstreamRegistryUrl, ...(credentialArn ? { credentialArn } : {}) };
    this.store.rules.push(rule);
    const at = this.now();
    this.times.set(ecrRepositoryPrefix, { createdAt: at, updatedAt: at });
    return { ...this.output(rule), upstreamRegistry: supported };
  }

  private update(input: Input): Output {
    const rule = this.rule(prefixOf(input));
    const credentialArn = credentialArnOf(input);
    if (credentialArn) rule.credentialArn = credentialArn;
    const times = this.timesOf(rule);
    times.updatedAt = this.now();
    return {
      ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
      registryId: this.registryId,
      updatedAt: epochSeconds(times.updatedAt),
      ...(rule.credentialArn ? { credentialArn: rule.credentialArn } : {}),
    };
  }

  /** A rule pulls when its upstream needs nothing, or it has the credentials its upstream needs. */
  private validate(input: Input): Output {
    const rule = this.rule(prefixOf(input));
    const needs = UPSTREAMS.find((u) => u.registry === upstreamRegistryOf(rule.upstreamRegistryUrl))?.needs;
    const isValid = needs !== 'credentials' || rule.credentialArn !== undefined;
    return {
      ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
      registryId: this.registryId,
      upstreamRegistryUrl: rule.upstreamRegistryUrl,
      ...(rule.credentialArn ? { credentialArn: rule.credentialArn } : {}),
      isValid,
      ...(isValid ? {} : { failure: `The upstream registry '${rule.upstreamRegistryUrl}' requires credentials` }),
    };
  }

  private delete(input: Input): Output {
    const rule = this.rule(prefixOf(input));
    const output = this.output(rule);
    this.store.rules.splice(this.store.rules.indexOf(rule), 1);
    this.times.delete(rule.ecrRepositoryPrefix);
    return output;
  }

  private rule(ecrRepositoryPrefix: string): PullThroughCacheRuleEntry {
    const rule = this.store.rules.find((r) => r.ecrRepositoryPrefix === ecrRepositoryPrefix);
    if (!rule) {
      throw new EcrError(
        'PullThroughCacheRuleNotFoundException',
        `The pull through cache rule with prefix '${ecrRepositoryPrefix}' does not exist in the registry with id '${this.registryId}'`,
      );
    }
    return rule;
  }

  private timesOf(rule: PullThroughCacheRuleEntry) {
    let times = this.times.get(rule.ecrRepositoryPrefix);
    if (!times) this.times.set(rule.ecrRepositoryPrefix, (times = { createdAt: this.store.createdAt, updatedAt: this.store.createdAt }));
    return times;
  }

  private output(rule: PullThroughCacheRuleEntry): Output {
    return {
      ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
      upstreamRegistryUrl: rule.upstreamRegistryUrl,
      createdAt: epochSeconds(this.timesOf(rule).createdAt),
      registryId: this.registryId,
      ...(rule.credentialArn ? { credentialArn: rule.credentialArn } : {}),
    };
  }
}

function prefixOf(input: Input): string {
  const prefix = requiredString(input, 'ecrRepositoryPrefix');
  if (prefix.length < 2 || prefix.length > 30 || !PREFIX.test(prefix)) {
    throw invalidParameter('ecrRepositoryPrefix', `Member must satisfy regular expression pattern and length 2..30, or be ${ROOT_PREFIX}`);
  }
  return prefix;
}

function credentialArnOf(input: Input): string | undefined {
  const arn = optionalString(input, 'credentialArn');
  if (arn === undefined) return undefined;
  if (arn.length < 50 || arn.length > 612 || !CREDENTIAL_ARN.test(arn)) {
    throw invalidParameter('credentialArn', `Member must be the ARN of a Secrets Manager secret named ${CREDENTIAL_SECRET_PREFIX}..., 50..612 characters`);
  }
  return arn;
}
