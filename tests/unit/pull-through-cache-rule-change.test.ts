import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { customResourceResponse } from '../../functions/lib/custom-resource';
import { ruleChange } from '../../functions/lib/pull-through-cache-rule-change';

const secret = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/${name}`;
const hub = { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: secret('a') };

describe('making a pull-through cache rule what the rules file says', () => {
  it('creates a rule for a prefix that has none', () => expect(ruleChange(undefined, hub)).toBe('create'));
  it('adopts a rule as it is when it matches, whatever case its upstream URL is written in', () => {
    expect(ruleChange({ ...hub, upstreamRegistryUrl: 'Registry-1.Docker.io' }, hub)).toBe('keep');
  });
  it('changes only the credentials in place', () => expect(ruleChange(hub, { ...hub, credentialArn: secret('b') })).toBe('updateCredentials'));
  it('gives credentials to a rule without any in place', () => expect(ruleChange({ ...hub, credentialArn: undefined }, hub)).toBe('updateCredentials'));
  it('replaces a rule whose upstream changes, or whose credentials the file drops', () => {
    expect(ruleChange(hub, { ...hub, upstreamRegistryUrl: 'ghcr.io' })).toBe('replace');
    expect(ruleChange({ ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io', credentialArn: secret('q') }, { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' })).toBe('replace');
  });
});

describe("a custom resource's answer to CloudFormation", () => {
  const base = { StackId: 'stack', RequestId: 'r1', LogicalResourceId: 'PullThroughCacheRuleQuay', ResponseURL: 'https://x', ServiceToken: 't', ResourceType: 'Custom::PullThroughCacheRule', ResourceProperties: { ServiceToken: 't' } };
  it('names the resource and carries its data on success', () => {
    const event = { ...base, RequestType: 'Create' } as CloudFormationCustomResourceEvent;
    expect(customResourceResponse(event, { PhysicalResourceId: 'quay', Data: { EcrRepositoryPrefix: 'quay' } })).toEqual({
      Status: 'SUCCESS', PhysicalResourceId: 'quay', StackId: 'stack', RequestId: 'r1', LogicalResourceId: 'PullThroughCacheRuleQuay', Data: { EcrRepositoryPrefix: 'quay' },
    });
  });
  it('fails a Create under an id that names no prefix, so that its rollback deletes nothing', () => {
    const event = { ...base, RequestType: 'Create' } as CloudFormationCustomResourceEvent;
    const failed = customResourceResponse(event, Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    expect(failed).toMatchObject({ Status: 'FAILED', Reason: 'AccessDeniedException: no', PhysicalResourceId: 'not-created:PullThroughCacheRuleQuay' });
  });
  it('fails an Update under the id it had', () => {
    const event = { ...base, RequestType: 'Update', PhysicalResourceId: 'quay', OldResourceProperties: {} } as CloudFormationCustomResourceEvent;
    expect(customResourceResponse(event, new Error('no'))).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'quay' });
  });
});
