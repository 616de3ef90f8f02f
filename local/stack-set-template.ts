// The packaged stack made into a stack set's template: every function's code is read from the bucket of the region
// the stack runs in (`<prefix>-${AWS::Region}`, Fn::Sub), and the framework's deployment bucket goes, with its policy
// and the output that names it. The framework keeps the code in that bucket, in the packaging account; a stack set
// deploys to accounts that neither own nor can read it. Everything else stays as packaged: its names are the stage's
// and the region's, so they never collide between the accounts and regions a stack set deploys to.

/** The framework's deployment bucket: its logical ID in every template it packages. */
export const DEPLOYMENT_BUCKET = 'ServerlessDeploymentBucket';

export interface CloudFormationTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, any>; [attribute: string]: unknown }>;
  Outputs?: Record<string, unknown>;
  [section: string]: unknown;
}

/**
 * The stack set's template. `codeKeys` maps each artifact's file name, as the packaged template's S3Key ends
 * (`listCachedRepositories.zip`), to the object key it was published under. Throws when the packaged template has
 * a function whose artifact is not among them, or still names the deployment bucket once the code no longer does.
 */
export function stackSetTemplate(packaged: CloudFormationTemplate, codeKeys: Record<string, string>, bucketPrefix: string): CloudFormationTemplate {
  const template = structuredClone(packaged);
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const code = resource.Properties?.Code as { S3Key?: unknown } | undefined;
    if (typeof code?.S3Key !== 'string') throw new Error(`${logicalId} has no S3Key in its Code: not a packaged function`);
    const artifact = code.S3Key.slice(code.S3Key.lastIndexOf('/') + 1);
    const key = codeKeys[artifact];
    if (key === undefined) throw new Error(`${logicalId}'s code ${artifact} was not published`);
    resource.Properties!.Code = { S3Bucket: { 'Fn::Sub': `${bucketPrefix}-\${AWS::Region}` }, S3Key: key };
  }

  const removed = new Set([DEPLOYMENT_BUCKET]);
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::S3::BucketPolicy' && refersTo(resource, DEPLOYMENT_BUCKET)) removed.add(logicalId);
  }
  for (const logicalId of removed) delete template.Resources[logicalId];
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if ([...removed].some((id) => refersTo(output, id))) delete template.Outputs![name];
  }

  const left = Object.entries({ ...template.Resources, ...template.Outputs }).filter(([, value]) => [...removed].some((id) => refersTo(value, id)));
  if (left.length > 0) throw new Error(`still refers to the deployment bucket: ${left.map(([name]) => name).join(', ')}`);
  return template;
}

/**
 * Where the template names an AWS account, if it does: a value holding twelve digits on their own, as an account ID
 * stands in an ARN. A stack set's template deploys unchanged to every account, so an account-specific value (a
 * rules file's credentialArn with its account filled in, an alarm topic's ARN) belongs in each account's own
 * parameters or placeholders instead. Answers the value's path and the ID.
 */
export function accountIdIn(value: unknown, at = ''): { at: string; accountId: string } | undefined {
  if (typeof value === 'string') {
    const accountId = /(?<!\d)\d{12}(?!\d)/.exec(value)?.[0];
    return accountId === undefined ? undefined : { at, accountId };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = accountIdIn(item, at === '' ? key : `${at}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/** Whether a piece of a template refers to a resource: Ref, Fn::GetAtt, DependsOn or a Fn::Sub variable. */
export function refersTo(value: unknown, logicalId: string): boolean {
  if (Array.isArray(value)) return value.some((item) => refersTo(item, logicalId));
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, item]) => {
    if (key === 'Ref' || key === 'DependsOn') return item === logicalId || (Array.isArray(item) && item.includes(logicalId));
    if (key === 'Fn::GetAtt') {
      const target = typeof item === 'string' ? item.split('.')[0] : (item as unknown[])[0];
      return target === logicalId;
    }
    if (key === 'Fn::Sub') {
      const text = typeof item === 'string' ? item : (item as unknown[])[0];
      if (typeof text === 'string' && new RegExp(`\\$\\{${logicalId}(\\.[^}]*)?\\}`).test(text)) return true;
    }
    return refersTo(item, logicalId);
  });
}
