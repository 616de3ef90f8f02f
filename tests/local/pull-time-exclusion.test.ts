// Whether an --aws sweep may read manifests: only when ECR's pull time update exclusions name its caller, since
// reading a manifest (BatchGetImage) as anyone else records a pull.
import { mockClient } from 'aws-sdk-client-mock';
import { ECRClient, ListPullTimeUpdateExclusionsCommand } from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { excludablePrincipal, isExcluded, manifestAccess } from '../../local/pull-time-exclusion';

const ROLE_SESSION = 'arn:aws:sts::123456789012:assumed-role/platform-admin/alice@example.com';

describe('the principal behind a caller', () => {
  it('is the role of an assumed-role session, and an IAM user itself', () => {
    expect(excludablePrincipal(ROLE_SESSION)).toEqual({ arn: 'arn:aws:iam::123456789012:role/platform-admin', kind: 'role', name: 'platform-admin' });
    expect(excludablePrincipal('arn:aws-us-gov:iam::123456789012:user/ops/bob')).toEqual({
      arn: 'arn:aws-us-gov:iam::123456789012:user/ops/bob',
      kind: 'user',
      name: 'bob',
    });
  });

  it('is none for the root user or a federated user, which ECR cannot exclude', () => {
    expect(excludablePrincipal('arn:aws:iam::123456789012:root')).toBeUndefined();
    expect(excludablePrincipal('arn:aws:sts::123456789012:federated-user/carol')).toBeUndefined();
  });

  it('is excluded when the list names its role, whatever the role path, in the same account', () => {
    expect(isExcluded(ROLE_SESSION, ['arn:aws:iam::123456789012:role/admins/platform-admin'])).toBe(true);
    expect(isExcluded(ROLE_SESSION, ['arn:aws:iam::123456789012:role/platform-admin-2'])).toBe(false);
    expect(isExcluded(ROLE_SESSION, ['arn:aws:iam::210987654321:role/platform-admin'])).toBe(false);
    expect(isExcluded(ROLE_SESSION, ['arn:aws:iam::123456789012:user/platform-admin'])).toBe(false);
  });
});

describe('manifest access of an --aws run', () => {
  const sts = mockClient(STSClient);
  const ecrMock = mockClient(ECRClient);
  const ecr = new ECRClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const account = { region: 'eu-west-1' };
  beforeEach(() => {
    sts.reset();
    ecrMock.reset();
  });
  afterAll(() => {
    sts.restore();
    ecrMock.restore();
  });

  it('reads manifests when an exclusion on a later page names the caller', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: ROLE_SESSION });
    ecrMock
      .on(ListPullTimeUpdateExclusionsCommand, { nextToken: undefined })
      .resolves({ pullTimeUpdateExclusions: ['arn:aws:iam::123456789012:role/other'], nextToken: 't2' })
      .on(ListPullTimeUpdateExclusionsCommand, { nextToken: 't2' })
      .resolves({ pullTimeUpdateExclusions: ['arn:aws:iam::123456789012:role/platform-admin'] });
    expect(await manifestAccess(ecr, account)).toEqual({ readManifests: true });
  });

  it('does not when no exclusion names the caller, and gives the command that registers one', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: ROLE_SESSION });
    ecrMock.on(ListPullTimeUpdateExclusionsCommand).resolves({ pullTimeUpdateExclusions: [] });
    expect(await manifestAccess(ecr, account)).toEqual({
      readManifests: false,
      reason: expect.stringContaining('aws ecr register-pull-time-update-exclusion --principal-arn arn:aws:iam::123456789012:role/platform-admin'),
    });
  });

  it('does not when STS cannot say who the caller is, or ECR will not list its exclusions', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('no'), { name: 'CredentialsProviderError' }));
    expect(await manifestAccess(ecr, account)).toEqual({ readManifests: false, reason: expect.stringContaining('CredentialsProviderError') });
    sts.on(GetCallerIdentityCommand).resolves({ Arn: ROLE_SESSION });
    ecrMock.on(ListPullTimeUpdateExclusionsCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    expect(await manifestAccess(ecr, account)).toEqual({ readManifests: false, reason: expect.stringContaining('AccessDeniedException') });
  });
});
