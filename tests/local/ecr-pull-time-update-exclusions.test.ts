// Pull time update exclusions on the embedded ECR: Register, Deregister and List as the real @aws-sdk/client-ecr
// sees them, and the list written back with the registry.
import {
  BatchGetImageCommand,
  DeregisterPullTimeUpdateExclusionCommand,
  ECRClient,
  ListPullTimeUpdateExclusionsCommand,
  RegisterPullTimeUpdateExclusionCommand,
} from '@aws-sdk/client-ecr';
import type { Registry } from '../../local/ecr/registry-file';
import { startEcrEndpoint, type EcrEndpoint } from '../../local/ecr/server';
import { client, clientAs, digest } from './ecr-fixtures';
import { rejectionOf } from '../rejection';

const NOW = '2026-12-01T00:00:00.000Z';
const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
const READER = role('ecr-lifecycle-manager-read-manifests');

const file = (extra: Partial<Registry> = {}): Registry => ({
  pullThroughCacheRules: [{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' }],
  repositories: [
    { repositoryName: 'docker-hub/library/nginx', images: [{ imageDigest: digest(1), imageTags: ['1.27'], imagePushedAt: '2026-10-01T00:00:00Z' }] },
  ],
  ...extra,
});

let endpoint: EcrEndpoint;
let ecr: ECRClient;
const start = async (registry: Registry) => {
  endpoint = await startEcrEndpoint(registry, { now: () => Date.parse(NOW) });
  ecr = client(endpoint.url, 1);
};
afterEach(async () => {
  ecr.destroy();
  await endpoint.close();
});

const register = (principalArn: string) => ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn }));
const deregister = (principalArn: string) => ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn }));
const list = (maxResults?: number, nextToken?: string) => ecr.send(new ListPullTimeUpdateExclusionsCommand({ maxResults, nextToken }));

describe('RegisterPullTimeUpdateExclusion and DeregisterPullTimeUpdateExclusion', () => {
  beforeEach(() => start(file()));

  it('registers a principal with the time it did, and refuses it a second time', async () => {
    const out = await register(READER);
    expect({ principalArn: out.principalArn, createdAt: out.createdAt }).toEqual({ principalArn: READER, createdAt: new Date(NOW) });
    expect((await rejectionOf(register(READER))).name).toBe('ExclusionAlreadyExistsException');
    expect((await list()).pullTimeUpdateExclusions).toEqual([READER]);
  });

  it('deregisters a registered principal, and answers one it does not hold as not found', async () => {
    await register(READER);
    expect((await deregister(READER)).principalArn).toBe(READER);
    expect((await rejectionOf(deregister(READER))).name).toBe('ExclusionNotFoundException');
    expect((await list()).pullTimeUpdateExclusions).toEqual([]);
  });

  it.each([
    ['an IAM group', 'arn:aws:iam::123456789012:group/admins', 'Member must satisfy regular expression pattern'],
    ['an assumed-role session', 'arn:aws:sts::123456789012:assumed-role/reader/session', 'Member must satisfy regular expression pattern'],
    ['an account id of 11 digits', 'arn:aws:iam::12345678901:role/reader', 'Member must satisfy regular expression pattern'],
    ['an ARN of 201 characters', role('r'.repeat(201 - role('').length)), 'Member must have length less than or equal to 200'],
  ])('refuses %s with InvalidParameterException', async (_, arn, constraint) => {
    const error = await rejectionOf(register(arn));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain(`Invalid parameter at 'principalArn' failed to satisfy constraint: '${constraint}`);
    expect((await rejectionOf(deregister(arn))).name).toBe('InvalidParameterException');
  });

  it('accepts a user, a role with a path and another partition, up to 200 characters', async () => {
    const arns = ['arn:aws:iam::123456789012:user/ci', 'arn:aws-us-gov:iam::123456789012:role/teams/platform/reader', role('r'.repeat(200 - role('').length))];
    for (const arn of arns) await register(arn);
    expect((await list()).pullTimeUpdateExclusions?.sort()).toEqual([...arns].sort());
  });

  it('makes BatchGetImage by a newly excluded principal leave pull times alone, and record them again once deregistered', async () => {
    const reader = clientAs(endpoint.url, READER);
    const pull = async () => {
      await reader.send(new BatchGetImageCommand({ repositoryName: 'docker-hub/library/nginx', imageIds: [{ imageDigest: digest(1) }] }));
      return endpoint.registry().repositories[0].images![0].lastRecordedPullTime;
    };
    await register(READER);
    expect(await pull()).toBeUndefined();
    await deregister(READER);
    expect(await pull()).toBe(NOW);
    reader.destroy();
  });
});

describe('ListPullTimeUpdateExclusions', () => {
  const five = [5, 3, 1, 4, 2].map((n) => role(`reader-${n}`));
  beforeEach(() => start(file({ pullTimeUpdateExclusions: five })));

  it('pages the list by maxResults with nextToken', async () => {
    const first = await list(2);
    const second = await list(2, first.nextToken);
    const third = await list(2, second.nextToken);
    expect([first, second, third].map((page) => page.pullTimeUpdateExclusions)).toEqual([
      [role('reader-1'), role('reader-2')],
      [role('reader-3'), role('reader-4')],
      [role('reader-5')],
    ]);
    expect(third.nextToken).toBeUndefined();
    expect((await list()).pullTimeUpdateExclusions).toHaveLength(5);
  });

  it.each([[0], [1001]])('refuses maxResults %i, outside 1..1000', async (maxResults) => {
    expect((await rejectionOf(list(maxResults))).name).toBe('InvalidParameterException');
  });

  it('refuses a nextToken it did not issue for this listing', async () => {
    expect((await rejectionOf(list(2, 'not-a-token'))).name).toBe('InvalidParameterException');
  });
});

describe('the exclusions written back with the registry', () => {
  it('gives the list back as the file gave it while no call changed it, and with the changes after', async () => {
    const given = file({ pullTimeUpdateExclusions: [role('b'), role('a')] });
    await start(given);
    expect(endpoint.registry()).toEqual(given);
    await register(READER);
    await deregister(role('b'));
    expect(endpoint.registry().pullTimeUpdateExclusions).toEqual([role('a'), READER]);
  });

  it('adds a list to a file without one only while a principal is registered', async () => {
    await start(file());
    expect(endpoint.registry()).not.toHaveProperty('pullTimeUpdateExclusions');
    await register(READER);
    expect(endpoint.registry().pullTimeUpdateExclusions).toEqual([READER]);
    await deregister(READER);
    expect(endpoint.registry()).toEqual(file());
  });
});
