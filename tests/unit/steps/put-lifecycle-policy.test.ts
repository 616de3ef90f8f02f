import { mockClient } from 'aws-sdk-client-mock';
import { ECRClient, InvalidParameterException, PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { putLifecyclePolicy } from '../../../functions/steps/put-lifecycle-policy';
import { lifecyclePolicyText } from '../../../functions/lib/lifecycle-policy';
import { context } from './helpers';
import { rejectionOf } from '../../rejection';

const ecr = mockClient(ECRClient);
beforeEach(() => ecr.reset());
afterAll(() => ecr.restore());

describe("putting the tool's lifecycle policy", () => {
  it('puts the keep-latest-1 policy for a count of 1', async () => {
    ecr.on(PutLifecyclePolicyCommand).resolves({});
    expect(await putLifecyclePolicy.run({ repositoryName: 'quay/coreos/etcd', keepImages: 1 }, context)).toEqual({});
    const calls = ecr.commandCalls(PutLifecyclePolicyCommand);
    expect(calls).toHaveLength(1);
    const { repositoryName, lifecyclePolicyText: text } = calls[0].args[0].input;
    expect(repositoryName).toBe('quay/coreos/etcd');
    expect(JSON.parse(text!)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: 'ecr-lifecycle-manager: keep the latest 1 tagged image',
          selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: 1 },
          action: { type: 'expire' },
        },
      ],
    });
  });

  it('puts exactly the policy text for the count it is given, whatever the stage says', async () => {
    ecr.on(PutLifecyclePolicyCommand).resolves({});
    await putLifecyclePolicy.run({ repositoryName: 'quay/a', keepImages: 3 }, context);
    await putLifecyclePolicy.run({ repositoryName: 'quay/b', keepImages: 17 }, context);
    const texts = ecr.commandCalls(PutLifecyclePolicyCommand).map((call) => call.args[0].input.lifecyclePolicyText);
    expect(texts).toEqual([lifecyclePolicyText(3), lifecyclePolicyText(17)]);
    expect(texts.map((text) => JSON.parse(text!).rules[0].selection.countNumber)).toEqual([3, 17]);
  });

  it("lets ECR's rejection propagate under its own name", async () => {
    ecr.on(PutLifecyclePolicyCommand).rejects(new InvalidParameterException({ message: 'Lifecycle policy validation failure', $metadata: {} }));
    expect((await rejectionOf(putLifecyclePolicy.run({ repositoryName: 'quay/a', keepImages: 1 }, context))).name).toBe('InvalidParameterException');
  });
});
