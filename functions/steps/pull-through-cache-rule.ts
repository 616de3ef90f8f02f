// The stack's pull-through cache rules, as a CloudFormation custom resource (Custom::PullThroughCacheRule), in place
// of AWS::ECR::PullThroughCacheRule, whose create fails on a prefix that has a rule already (one kept from an earlier
// stack, or made by hand) and whose every change of upstream or credentials is a replacement that fails the same
// way. Create and Update make the registry's rule for the prefix what the rules file says, adopting one that exists
// (functions/lib/pull-through-cache-rule-change.ts); Delete deletes it, and CloudFormation sends Delete only when
// the stack does not retain its rules (DeletionPolicy). The physical id is the prefix.
import {
  CreatePullThroughCacheRuleCommand,
  DeletePullThroughCacheRuleCommand,
  DescribePullThroughCacheRulesCommand,
  UpdatePullThroughCacheRuleCommand,
  ValidatePullThroughCacheRuleCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ECR_REPOSITORY_PREFIX } from '../lib/cached-repositories';
import type { CustomResourceResult } from '../lib/custom-resource';
import { ruleChange, type RuleSettings } from '../lib/pull-through-cache-rule-change';
import { upstreamRegistryOf } from '../lib/pull-through-cache-rules';
import type { Step } from '../lib/step';

const NOT_FOUND = 'PullThroughCacheRuleNotFoundException';

/** The resource's properties, as the template gives them (CloudFormation passes every value as a string). */
export function ruleProperties(properties: Record<string, unknown>): RuleSettings {
  const text = (key: string) => (typeof properties[key] === 'string' && properties[key] !== '' ? (properties[key] as string) : undefined);
  const ecrRepositoryPrefix = text('EcrRepositoryPrefix');
  const upstreamRegistryUrl = text('UpstreamRegistryUrl');
  if (!ecrRepositoryPrefix || !upstreamRegistryUrl) throw new Error('Custom::PullThroughCacheRule needs EcrRepositoryPrefix and UpstreamRegistryUrl');
  const credentialArn = text('CredentialArn');
  return { ecrRepositoryPrefix, upstreamRegistryUrl, ...(credentialArn ? { credentialArn } : {}) };
}

async function describeRule(ecr: ECRClient, ecrRepositoryPrefix: string): Promise<RuleSettings | undefined> {
  try {
    const { pullThroughCacheRules = [] } = await ecr.send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: [ecrRepositoryPrefix] }));
    const [rule] = pullThroughCacheRules;
    if (!rule?.upstreamRegistryUrl) return undefined;
    return { ecrRepositoryPrefix, upstreamRegistryUrl: rule.upstreamRegistryUrl, ...(rule.credentialArn ? { credentialArn: rule.credentialArn } : {}) };
  } catch (error) {
    if ((error as Error).name === NOT_FOUND) return undefined;
    throw error;
  }
}

const createRule = (ecr: ECRClient, rule: RuleSettings) =>
  ecr.send(new CreatePullThroughCacheRuleCommand({ ...rule, upstreamRegistry: upstreamRegistryOf(rule.upstreamRegistryUrl) }));

export const pullThroughCacheRule: Step<CloudFormationCustomResourceEvent, CustomResourceResult> = {
  name: 'pullThroughCacheRule',
  permissions: [
    {
      actions: [
        'ecr:CreatePullThroughCacheRule',
        'ecr:DeletePullThroughCacheRule',
        'ecr:DescribePullThroughCacheRules',
        'ecr:UpdatePullThroughCacheRule',
        'ecr:ValidatePullThroughCacheRule',
      ],
      on: 'any',
    },
    // ECR makes these calls with the caller's rights: the service-linked role with a registry's first rule, and the
    // secret's value when a rule with credentials is created or changed (the resource schema of
    // AWS::ECR::PullThroughCacheRule lists both among its handlers' permissions).
    {
      actions: ['iam:CreateServiceLinkedRole'],
      on: 'pullThroughCacheServiceLinkedRole',
      condition: { StringEquals: { 'iam:AWSServiceName': 'pullthroughcache.ecr.amazonaws.com' } },
    },
    { actions: ['secretsmanager:GetSecretValue'], on: 'pullThroughCacheCredentials' },
  ],
  async run(event, { ecr, logger }) {
    if (event.RequestType === 'Delete') {
      const ecrRepositoryPrefix = event.PhysicalResourceId;
      // A Create that failed made nothing: its physical id names no prefix.
      if (ECR_REPOSITORY_PREFIX.test(ecrRepositoryPrefix)) {
        try {
          await ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix }));
          logger.info('pull-through cache rule deleted', { ecrRepositoryPrefix });
        } catch (error) {
          if ((error as Error).name !== NOT_FOUND) throw error;
        }
      }
      return { PhysicalResourceId: ecrRepositoryPrefix };
    }
    const wanted = ruleProperties(event.ResourceProperties);
    const { ecrRepositoryPrefix } = wanted;
    const existing = await describeRule(ecr, ecrRepositoryPrefix);
    const change = ruleChange(existing, wanted);
    if (change === 'create') await createRule(ecr, wanted);
    if (change === 'updateCredentials') {
      await ecr.send(new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix, credentialArn: wanted.credentialArn }));
    }
    if (change === 'replace') {
      // The gap ECR allows no shorter: nothing runs between the two calls.
      await ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix }));
      await createRule(ecr, wanted);
    }
    const { isValid, failure } = wanted.credentialArn
      ? await ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix }))
      : { isValid: true, failure: undefined };
    const fields = { ecrRepositoryPrefix, upstreamRegistryUrl: wanted.upstreamRegistryUrl, change, adopted: event.RequestType === 'Create' && existing !== undefined };
    if (isValid === false) logger.warn('ECR cannot pull through the rule with its credentials', { ...fields, failure });
    else logger.info('pull-through cache rule as configured', fields);
    return { PhysicalResourceId: ecrRepositoryPrefix, Data: { EcrRepositoryPrefix: ecrRepositoryPrefix, CredentialsValid: String(isValid !== false) } };
  },
};
