// Whether an --aws run may read manifests. BatchGetImage records a pull (lastRecordedPullTime) unless the caller's
// principal is excluded from pull time updates: a sweep that read manifests as anyone else would make every image
// look pulled and stop pull-age expiry. The caller is who STS says it is; its exclusion is ECR's list.
import { ListPullTimeUpdateExclusionsCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { EcrClientOptions } from '../functions/lib/ecr-client';

/**
 * The IAM principal behind a caller ARN as ECR's exclusions name it: an assumed role's session is its role (STS
 * does not give the role's path, so the role is matched by name), an IAM user is itself. Anything else (the root
 * user, a federated user) cannot be excluded.
 */
export function excludablePrincipal(callerArn: string): { arn: string; kind: 'role' | 'user'; name: string } | undefined {
  const match = /^arn:([a-z-]+):(sts|iam)::(\d{12}):(assumed-role|user)\/(.+)$/.exec(callerArn);
  if (!match) return undefined;
  const [, partition, service, account, kind, rest] = match;
  if (kind === 'assumed-role' && service === 'sts') {
    const role = rest.split('/')[0];
    return { arn: `arn:${partition}:iam::${account}:role/${role}`, kind: 'role', name: role };
  }
  if (kind === 'user' && service === 'iam') return { arn: callerArn, kind: 'user', name: rest.split('/').pop()! };
  return undefined;
}

/** Whether ECR's exclusion list names the caller: the same account, kind and name, whatever the path. */
export function isExcluded(callerArn: string, exclusions: readonly string[]): boolean {
  const caller = excludablePrincipal(callerArn);
  if (!caller) return false;
  const account = caller.arn.split(':')[4];
  return exclusions.some((arn) => {
    const excluded = /^arn:[a-z-]+:iam::(\d{12}):(role|user)\/(?:.+\/)?([^/]+)$/.exec(arn);
    return excluded !== null && excluded[1] === account && excluded[2] === caller.kind && excluded[3] === caller.name;
  });
}

export type ManifestAccess = { readManifests: true } | { readManifests: false; reason: string };

/** Whether the caller of `account` may read manifests without recording pulls, and if not, why and what to run. */
export async function manifestAccess(ecr: ECRClient, account: EcrClientOptions): Promise<ManifestAccess> {
  const sts = new STSClient({ ...(account.profile ? { profile: account.profile } : {}), ...(account.region ? { region: account.region } : {}) });
  let callerArn: string | undefined;
  try {
    callerArn = (await sts.send(new GetCallerIdentityCommand({}))).Arn;
  } catch (error) {
    return { readManifests: false, reason: `who the caller is cannot be told (STS GetCallerIdentity: ${(error as Error).name})` };
  } finally {
    sts.destroy();
  }
  const principal = callerArn === undefined ? undefined : excludablePrincipal(callerArn);
  if (!callerArn || !principal) return { readManifests: false, reason: `${callerArn ?? 'the caller'} is no IAM role or user, which ECR can exclude` };
  const exclusions: string[] = [];
  try {
    let nextToken: string | undefined;
    do {
      const page = await ecr.send(new ListPullTimeUpdateExclusionsCommand({ nextToken }));
      exclusions.push(...(page.pullTimeUpdateExclusions ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    return { readManifests: false, reason: `ECR's pull time update exclusions cannot be listed (${(error as Error).name})` };
  }
  if (isExcluded(callerArn, exclusions)) return { readManifests: true };
  return {
    readManifests: false,
    reason:
      `${principal.arn} is not excluded from pull time updates; to read manifests, register it first: ` +
      `aws ecr register-pull-time-update-exclusion --principal-arn ${principal.arn}`,
  };
}
