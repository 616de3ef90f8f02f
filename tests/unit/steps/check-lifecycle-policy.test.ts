import { mockClient } from 'aws-sdk-client-mock';
import { ECRClient, GetLifecyclePolicyCommand, LifecyclePolicyNotFoundException, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { checkLifecyclePolicy } from '../../../functions/steps/check-lifecycle-policy';
import { lifecyclePolicyText } from '../../../functions/lib/lifecycle-policy';
import { context, serviceError, configure } from './helpers';
import { rejectionOf } from '../../rejection';

const ecr = mockClient(ECRClient);
beforeEach(() => ecr.reset());
afterAll(() => ecr.restore());

// The tool's keep-latest-1 policy as ECR returns it: its own spacing and key order.
const TOOL_POLICY_KEEP_1 = `{"rules":[{"rulePriority":1,"description":"ecr-lifecycle-manager: keep the latest 1 tagged image",
  "selection":{"tagStatus":"tagged","tagPatternList":["*"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`;
const PERSON_POLICY = `{"rules":[{"rulePriority":1,"description":"keep releases",
  "selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}`;

const PREFIXES = ['quay', 'docker-hub', 'team', 'team/cache'];
const check = (repositoryName: string) => checkLifecyclePolicy.run({ repositoryName, ecrRepositoryPrefixes: PREFIXES, dryRun: false, referenceTime: '2026-11-28T00:00:00Z' }, context);

describe('checking whose lifecycle policy a repository carries', () => {
  it('asks ECR for the policy of the repository it is given', async () => {
    ecr.on(GetLifecyclePolicyCommand).resolves({ lifecyclePolicyText: TOOL_POLICY_KEEP_1 });
    await check('quay/coreos/etcd');
    const calls = ecr.commandCalls(GetLifecyclePolicyCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({ repositoryName: 'quay/coreos/etcd' });
  });

  it('reports NONE for a repository without a policy', async () => {
    ecr.on(GetLifecyclePolicyCommand).rejects(new LifecyclePolicyNotFoundException({ message: 'none', $metadata: {} }));
    expect(await check('quay/a')).toEqual({ lifecyclePolicy: 'NONE', keptImages: null });
  });

  it("reports MANAGED for the tool's current policy", async () => {
    ecr.on(GetLifecyclePolicyCommand).resolves({ lifecyclePolicyText: TOOL_POLICY_KEEP_1 });
    expect(await check('quay/a')).toEqual({ lifecyclePolicy: 'MANAGED', keptImages: 1 });
  });

  it("reports OUTDATED for the tool's policy once the stage's keepImages changed", async () => {
    configure({ keepImages: 3 });
    ecr.on(GetLifecyclePolicyCommand).resolves({ lifecyclePolicyText: TOOL_POLICY_KEEP_1 });
    expect(await check('quay/a')).toEqual({ lifecyclePolicy: 'OUTDATED', keptImages: 1 });
  });

  it("reports the count a policy of the tool's keeps, any count, and none for an earlier form of it", async () => {
    ecr.on(GetLifecyclePolicyCommand).resolves({ lifecyclePolicyText: lifecyclePolicyText(7) });
    expect(await check('quay/a')).toEqual({ lifecyclePolicy: 'OUTDATED', keptImages: 7 });
    const earlier = JSON.stringify({ rules: [{ ...JSON.parse(lifecyclePolicyText(7)).rules[0], selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 7 } }] });
    ecr.on(GetLifecyclePolicyCommand).resolves({ lifecyclePolicyText: earlier });
    expect(await check('quay/a')).toEqual({ lifecyclePolicy: 'OUTDATED', keptImages: null });
  });

  it('reports USER_DEFINED for a repository with its own policy', async () => {
    ecr.on(GetLifecyclePolicyCommand).resolves({ lifecyclePolicyText: PERSON_POLICY });
    expect(await check('quay/a')).toEqual({ lifecyclePolicy: 'USER_DEFINED', keptImages: null });
  });

  it('reports EXCLUDED for a repository the settings file excludes, without asking ECR', async () => {
    configure({ repositorySettings: { prefixes: {}, exclude: ['quay/acme/*'] } });
    expect(await check('quay/acme/api')).toEqual({ lifecyclePolicy: 'EXCLUDED', keptImages: null });
    expect(ecr.commandCalls(GetLifecyclePolicyCommand)).toHaveLength(0);
  });

  it("judges the tool's policy by the keepImages of the longest prefix the repository lies under", async () => {
    configure({ repositorySettings: { prefixes: { team: { keepImages: 2 }, 'team/cache': { unpulledDays: 7 } }, exclude: [] } });
    ecr.on(GetLifecyclePolicyCommand).resolves({ lifecyclePolicyText: TOOL_POLICY_KEEP_1 });
    // team/cache sets no keepImages: the stage's 1 applies, not team's 2.
    expect(await check('team/cache/app')).toEqual({ lifecyclePolicy: 'MANAGED', keptImages: 1 });
    expect(await check('team/app')).toEqual({ lifecyclePolicy: 'OUTDATED', keptImages: 1 });
  });

  it('logs the outcome of an excluded repository, which no other step sees, and only then', async () => {
    const info = jest.spyOn(context.logger, 'info');
    configure({ repositorySettings: { prefixes: {}, exclude: ['quay/acme/*'] } });
    ecr.on(GetLifecyclePolicyCommand).resolves({ lifecyclePolicyText: PERSON_POLICY });
    await check('quay/acme/api');
    await check('quay/a');
    ecr.on(GetLifecyclePolicyCommand).resolves({ lifecyclePolicyText: TOOL_POLICY_KEEP_1 });
    await check('quay/b');
    const outcomes = info.mock.calls.filter(([message]) => message === 'repository outcome').map(([, fields]) => fields);
    expect(outcomes).toEqual([
      expect.objectContaining({ repositoryName: 'quay/acme/api', action: 'excluded', imagesExpired: [], bytesExpired: 0, dryRun: false }),
    ]);
    info.mockRestore();
  });

  it('lets a deleted repository propagate as RepositoryNotFoundException', async () => {
    ecr.on(GetLifecyclePolicyCommand).rejects(new RepositoryNotFoundException({ message: 'gone', $metadata: {} }));
    expect((await rejectionOf(check('quay/gone'))).name).toBe('RepositoryNotFoundException');
  });

  it('lets throttling propagate under its own name', async () => {
    ecr.on(GetLifecyclePolicyCommand).rejects(serviceError('ThrottlingException'));
    expect((await rejectionOf(check('quay/a'))).name).toBe('ThrottlingException');
  });
});
