import { mockClient } from 'aws-sdk-client-mock';
import { ECRClient, InvalidParameterException, PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { putLifecyclePolicy } from '../../../functions/steps/put-lifecycle-policy';
import { lifecyclePolicyText } from '../../../functions/lib/lifecycle-policy';
import { context, rejectionOf, configure } from './helpers';

const ecr = mockClient(ECRClient);
beforeEach(() => ecr.reset());
afterAll(() => ecr.restore());

describe("putting the tool's lifecycle policy", () => {
  it('puts the keep-latest-1 policy by default', async () => {
    ecr.on(PutLifecyclePolicyCommand).resolves({});
    expect(await putLifecyclePolicy.run({ repositoryName: 'quay/coreos/etcd', ecrRepositoryPrefixes: ['quay'] }, context)).toEqual({});
    const calls = ecr.commandCalls(PutLifecyclePolicyCommand);
    expect(calls).toHaveLength(1);
    const { repositoryName, lifecyclePolicyText: text } = calls[0].args[0].input;
    expect(repositoryName).toBe('quay/coreos/etcd');
    expect(JSON.parse(text!)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: 'ecr-lifecycle-manager: keep the latest 1 image',
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
          action: { type: 'expire' },
        },
      ],
    });
  });

  it("puts exactly the policy text for the stage's keepImages", async () => {
    configure({ keepImages: 3 });
    ecr.on(PutLifecyclePolicyCommand).resolves({});
    await putLifecyclePolicy.run({ repositoryName: 'quay/a', ecrRepositoryPrefixes: ['quay'] }, context);
    const text = ecr.commandCalls(PutLifecyclePolicyCommand)[0].args[0].input.lifecyclePolicyText;
    expect(text).toBe(lifecyclePolicyText(3));
    expect(JSON.parse(text!).rules[0].selection.countNumber).toBe(3);
  });

  it("puts the policy with the keepImages of the repository's prefix in the settings file", async () => {
    configure({ keepImages: 2, repositorySettings: { prefixes: { 'docker-hub': { keepImages: 5 } }, exclude: [] } });
    ecr.on(PutLifecyclePolicyCommand).resolves({});
    await putLifecyclePolicy.run({ repositoryName: 'docker-hub/library/nginx', ecrRepositoryPrefixes: ['docker-hub', 'quay'] }, context);
    await putLifecyclePolicy.run({ repositoryName: 'quay/a', ecrRepositoryPrefixes: ['docker-hub', 'quay'] }, context);
    const texts = ecr.commandCalls(PutLifecyclePolicyCommand).map((call) => call.args[0].input.lifecyclePolicyText);
    expect(texts).toEqual([lifecyclePolicyText(5), lifecyclePolicyText(2)]);
  });

  it("lets ECR's rejection propagate under its own name", async () => {
    ecr.on(PutLifecyclePolicyCommand).rejects(new InvalidParameterException({ message: 'Lifecycle policy validation failure', $metadata: {} }));
    expect((await rejectionOf(putLifecyclePolicy.run({ repositoryName: 'quay/a', ecrRepositoryPrefixes: ['quay'] }, context))).name).toBe('InvalidParameterException');
  });
});
