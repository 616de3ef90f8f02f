// The stack's pull-through cache rules through the life of a stack, against the embedded ECR: the rules file made
// into the stack's resources (deploy/derived.ts), and CloudFormation's requests for them played as CloudFormation
// sends them to the custom resource (functions/steps/pull-through-cache-rule.ts): Create for a new resource, Update
// when its properties change, Delete only where its DeletionPolicy (or, for a replaced one, UpdateReplacePolicy) is
// Delete. The step's ECR client is the real SDK client, talking to the embedded endpoint.
import {
  CreatePullThroughCacheRuleCommand,
  DeletePullThroughCacheRuleCommand,
  ECRClient,
  UpdatePullThroughCacheRuleCommand,
  ValidatePullThroughCacheRuleCommand,
  type CreatePullThroughCacheRuleCommandInput,
} from '@aws-sdk/client-ecr';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { pullThroughCacheRuleResources } from '../../deploy/derived';
import type { CustomResourceResult } from '../../functions/lib/custom-resource';
import { checkPullThroughCacheRules, type PullThroughCacheRuleConfig } from '../../functions/lib/pull-through-cache-rules';
import { pullThroughCacheRule } from '../../functions/steps/pull-through-cache-rule';
import { DEFAULT_RUN_SETTINGS } from '../../local/runner';
import { startEcrEndpoint, type EcrEndpoint } from '../../local/ecr/server';
import { LocalStepLogger, localMetrics, type LogLine } from '../../local/step-log';

const secret = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/${name}`;
const DOCKER_HUB = { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: secret('docker-hub') };
const QUAY = { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' };
const RULES_FILE = [DOCKER_HUB, QUAY];

interface Resource {
  Type: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties: Record<string, unknown>;
}

/** The stack's custom resources for a rules file, as packaging makes them. */
function template(rules: PullThroughCacheRuleConfig[], retainRules = true): Record<string, Resource> {
  const resources = pullThroughCacheRuleResources(checkPullThroughCacheRules(rules), () => '{}', { retainRules }) as Record<string, Resource>;
  return Object.fromEntries(Object.entries(resources).filter(([, r]) => r.Type === 'Custom::PullThroughCacheRule'));
}

/** CloudFormation's side: the stack's resources, and the requests a deploy or a remove sends for them. */
class StackOfRules {
  private readonly resources = new Map<string, { resource: Resource; physicalId: string }>();
  private requests = 0;

  constructor(private readonly send: (event: CloudFormationCustomResourceEvent) => Promise<CustomResourceResult>) {}

  private event(logicalId: string, resource: Resource, fields: object): CloudFormationCustomResourceEvent {
    this.requests += 1;
    return {
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:ecr-lifecycle-manager-dev-pullThroughCacheRule',
      ResponseURL: 'https://example.com/response',
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/ecr-lifecycle-manager-dev/1',
      RequestId: `request-${this.requests}`,
      LogicalResourceId: logicalId,
      ResourceType: resource.Type,
      ResourceProperties: { ServiceToken: 'token', ...resource.Properties },
      ...fields,
    } as CloudFormationCustomResourceEvent;
  }

  async deploy(resources: Record<string, Resource>): Promise<void> {
    for (const [logicalId, resource] of Object.entries(resources)) {
      const current = this.resources.get(logicalId);
      if (!current) {
        const { PhysicalResourceId } = await this.send(this.event(logicalId, resource, { RequestType: 'Create' }));
        this.resources.set(logicalId, { resource, physicalId: PhysicalResourceId });
      } else if (JSON.stringify(current.resource.Properties) !== JSON.stringify(resource.Properties)) {
        const { PhysicalResourceId } = await this.send(
          this.event(logicalId, resource, { RequestType: 'Update', PhysicalResourceId: current.physicalId, OldResourceProperties: current.resource.Properties }),
        );
        // A new physical id replaces the resource: the old one is deleted unless the policy keeps it.
        if (PhysicalResourceId !== current.physicalId && current.resource.UpdateReplacePolicy === 'Delete') {
          await this.send(this.event(logicalId, current.resource, { RequestType: 'Delete', PhysicalResourceId: current.physicalId }));
        }
        this.resources.set(logicalId, { resource, physicalId: PhysicalResourceId });
      }
    }
    for (const logicalId of [...this.resources.keys()].filter((id) => !(id in resources))) await this.delete(logicalId);
  }

  async remove(): Promise<void> {
    for (const logicalId of [...this.resources.keys()]) await this.delete(logicalId);
  }

  owns(): string[] {
    return [...this.resources.values()].map((r) => r.physicalId).sort();
  }

  private async delete(logicalId: string): Promise<void> {
    const { resource, physicalId } = this.resources.get(logicalId)!;
    if (resource.DeletionPolicy === 'Delete') {
      await this.send(this.event(logicalId, resource, { RequestType: 'Delete', PhysicalResourceId: physicalId }));
    }
    this.resources.delete(logicalId);
  }
}

let endpoint: EcrEndpoint;
let ecr: ECRClient;
let lines: LogLine[];
let stack: StackOfRules;

beforeEach(async () => {
  endpoint = await startEcrEndpoint({ pullThroughCacheRules: [], repositories: [] });
  ecr = new ECRClient(endpoint.clientOptions);
  lines = [];
  const logger = new LocalStepLogger({ persistentKeys: { function_name: 'pullThroughCacheRule' } }, { onLine: (line) => lines.push(line) });
  const context = { ecr, logger, settings: DEFAULT_RUN_SETTINGS, metrics: localMetrics('dev'), readManifests: false };
  stack = new StackOfRules((event) => pullThroughCacheRule.run(event, context));
});

afterEach(async () => {
  ecr.destroy();
  await endpoint.close();
});

const rules = () => endpoint.registry().pullThroughCacheRules;
/** The calls that change a rule, by operation. */
const changes = () => ({
  create: endpoint.calls.CreatePullThroughCacheRule,
  update: endpoint.calls.UpdatePullThroughCacheRule,
  delete: endpoint.calls.DeletePullThroughCacheRule,
});

describe("the stack's pull-through cache rules", () => {
  it('are created on the first deploy', async () => {
    await stack.deploy(template(RULES_FILE));
    expect(rules()).toEqual(RULES_FILE);
    expect(stack.owns()).toEqual(['docker-hub', 'quay']);
    expect(changes()).toEqual({ create: 2, update: 0, delete: 0 });
  });

  it('stay when the stack is removed, and are adopted, not created, when it is deployed again: never missing in between', async () => {
    await stack.deploy(template(RULES_FILE));
    await stack.remove();
    expect(rules()).toEqual(RULES_FILE);
    expect(stack.owns()).toEqual([]);

    await stack.deploy(template(RULES_FILE));
    expect(rules()).toEqual(RULES_FILE);
    expect(stack.owns()).toEqual(['docker-hub', 'quay']);
    expect(changes()).toEqual({ create: 2, update: 0, delete: 0 });
    expect(lines.filter((l) => l.adopted === true).map((l) => l.ecrRepositoryPrefix)).toEqual(['docker-hub', 'quay']);

    // Owned again: a second remove keeps them again.
    await stack.remove();
    expect(rules()).toEqual(RULES_FILE);
  });

  it('adopt a rule made by hand with the same upstream, and give it the credentials of the file in place', async () => {
    await stack.deploy(template([{ ...DOCKER_HUB, credentialArn: secret('made-by-hand') }]));
    const before = changes();
    await stack.remove();
    await stack.deploy(template([DOCKER_HUB]));
    expect(rules()).toEqual([DOCKER_HUB]);
    expect(changes()).toEqual({ ...before, update: before.update + 1 });
  });

  it('change a credential in place, with UpdatePullThroughCacheRule: the rule is never deleted', async () => {
    await stack.deploy(template(RULES_FILE));
    const rotated = { ...DOCKER_HUB, credentialArn: secret('docker-hub-rotated') };
    await stack.deploy(template([rotated, QUAY]));
    expect(rules()).toEqual([rotated, QUAY]);
    expect(changes()).toEqual({ create: 2, update: 1, delete: 0 });
    expect(stack.owns()).toEqual(['docker-hub', 'quay']);
  });

  it('change an upstream by deleting the rule and creating it again at once, the one gap ECR allows', async () => {
    await stack.deploy(template(RULES_FILE));
    const moved = { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'public.ecr.aws' };
    await stack.deploy(template([DOCKER_HUB, moved]));
    expect(rules()).toEqual([DOCKER_HUB, moved]);
    expect(changes()).toEqual({ create: 3, update: 0, delete: 1 });
    expect(lines.find((l) => l.ecrRepositoryPrefix === 'quay' && l.change === 'replace')).toBeDefined();
  });

  it('are deleted with the stack when retainPullThroughCacheRules is false, a missing one included', async () => {
    await stack.deploy(template(RULES_FILE, false));
    await ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'quay' }));
    await stack.remove();
    expect(rules()).toEqual([]);
  });

  it('keep a rule whose prefix left the file, while the stack keeps its rules', async () => {
    await stack.deploy(template(RULES_FILE));
    await stack.deploy(template([DOCKER_HUB]));
    expect(rules()).toEqual(RULES_FILE);
    expect(stack.owns()).toEqual(['docker-hub']);
  });
});

describe("the embedded ECR's pull-through cache rule calls, as ECR answers them", () => {
  const create = (input: CreatePullThroughCacheRuleCommandInput) => ecr.send(new CreatePullThroughCacheRuleCommand(input));

  it('refuse a second rule for a prefix with PullThroughCacheRuleAlreadyExistsException', async () => {
    await create(QUAY);
    await expect(create(QUAY)).rejects.toMatchObject({ name: 'PullThroughCacheRuleAlreadyExistsException' });
  });

  it('refuse an upstream that needs credentials without them, and one ECR does not support', async () => {
    await expect(create({ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' })).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(create({ ecrRepositoryPrefix: 'gcr', upstreamRegistryUrl: 'gcr.io' })).rejects.toMatchObject({ name: 'UnsupportedUpstreamRegistryException' });
    expect(rules()).toEqual([]);
  });

  it('update, validate and delete only a rule that exists', async () => {
    for (const command of [
      new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'quay', credentialArn: secret('quay') }),
      new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'quay' }),
      new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'quay' }),
    ]) {
      await expect(ecr.send(command as never)).rejects.toMatchObject({ name: 'PullThroughCacheRuleNotFoundException' });
    }
    await create(DOCKER_HUB);
    const updated = await ecr.send(new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'docker-hub', credentialArn: secret('other') }));
    expect(updated).toMatchObject({ ecrRepositoryPrefix: 'docker-hub', credentialArn: secret('other'), updatedAt: expect.any(Date) });
    expect(await ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'docker-hub' }))).toMatchObject({ isValid: true });
    expect(await ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'docker-hub' }))).toMatchObject({ upstreamRegistryUrl: 'registry-1.docker.io' });
    expect(rules()).toEqual([]);
  });
});
