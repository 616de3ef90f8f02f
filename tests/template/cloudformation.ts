// Just enough of CloudFormation's intrinsic functions to read the packaged template as a deployed stack would see
// it: pseudo parameters, Ref, Fn::GetAtt ... Arn, Fn::Sub and Fn::Join, in one made-up account and a region (the
// region packaging used, eu-west-1 unless a test packaged another).
import type { Resource, Template } from './serverless';

export const PARTITION = 'aws';
export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';

export class Stack {
  private readonly pseudo: Record<string, string>;

  constructor(
    readonly template: Template,
    readonly region: string = REGION,
  ) {
    this.pseudo = { 'AWS::Partition': PARTITION, 'AWS::Region': region, 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com' };
  }

  get resources(): Record<string, Resource> {
    return this.template.Resources;
  }

  resource(logicalId: string): Resource {
    const r = this.resources[logicalId];
    if (!r) throw new Error(`template has no resource ${logicalId}`);
    return r;
  }

  ofType(type: string): [string, Resource][] {
    return Object.entries(this.resources).filter(([, r]) => r.Type === type);
  }

  /** What Ref returns for a resource of the template. */
  ref(logicalId: string): string {
    if (logicalId in this.pseudo) return this.pseudo[logicalId];
    // A stack parameter: its default, which is what this project deploys with.
    const parameter = this.template.Parameters?.[logicalId];
    if (parameter) return parameter.Default ?? '';
    const r = this.resource(logicalId);
    switch (r.Type) {
      case 'AWS::StepFunctions::StateMachine':
        return this.arn(logicalId);
      case 'AWS::Lambda::Function':
        return this.resolve(r.Properties?.FunctionName) as string;
      case 'AWS::Logs::LogGroup':
        return this.resolve(r.Properties?.LogGroupName) as string;
      default:
        return logicalId;
    }
  }

  /** What Fn::GetAtt [logicalId, Arn] returns. */
  arn(logicalId: string): string {
    const r = this.resource(logicalId);
    const p = r.Properties ?? {};
    const prefix = `arn:${PARTITION}`;
    const region = this.region;
    switch (r.Type) {
      case 'AWS::Lambda::Function':
        return `${prefix}:lambda:${region}:${ACCOUNT}:function:${this.resolve(p.FunctionName)}`;
      case 'AWS::Logs::LogGroup':
        // A log group's Arn attribute ends in ":*".
        return `${prefix}:logs:${region}:${ACCOUNT}:log-group:${this.resolve(p.LogGroupName)}:*`;
      case 'AWS::IAM::Role':
        return `${prefix}:iam::${ACCOUNT}:role/${generatedName(logicalId)}`;
      case 'AWS::StepFunctions::StateMachine':
        return `${prefix}:states:${region}:${ACCOUNT}:stateMachine:${this.resolve(p.StateMachineName)}`;
      // Resources whose names CloudFormation generates.
      case 'AWS::SQS::Queue':
        return `${prefix}:sqs:${region}:${ACCOUNT}:${generatedName(logicalId)}`;
      case 'AWS::Events::Rule':
        return `${prefix}:events:${region}:${ACCOUNT}:rule/${generatedName(logicalId)}`;
      default:
        throw new Error(`no Arn for ${logicalId} (${r.Type}) in this resolver`);
    }
  }

  /** The logical id that a Fn::GetAtt [id, Arn] or Ref points at, if the value is one. */
  static target(value: unknown): string | undefined {
    if (isObject(value) && Array.isArray(value['Fn::GetAtt'])) return value['Fn::GetAtt'][0] as string;
    if (isObject(value) && typeof value.Ref === 'string') return value.Ref;
    return undefined;
  }

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys;
      const arg = value[fn];
      if (fn === 'Ref') return this.ref(arg as string);
      if (fn === 'Fn::GetAtt') {
        const [id, attribute] = typeof arg === 'string' ? arg.split('.') : (arg as string[]);
        if (attribute !== 'Arn') throw new Error(`Fn::GetAtt ${id}.${attribute} is not resolved here`);
        return this.arn(id);
      }
      if (fn === 'Fn::Join') {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map((p) => this.resolve(p)).join(separator);
      }
      if (fn === 'Fn::Sub') {
        const [text, variables] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
        return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
          if (name in variables) return String(this.resolve(variables[name]));
          if (name in this.pseudo) return this.pseudo[name];
          const [id, attribute] = name.split('.');
          if (attribute === 'Arn') return this.arn(id);
          if (attribute === undefined) return this.ref(id);
          throw new Error(`Fn::Sub variable ${name} is not resolved here`);
        });
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }
}

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * The name CloudFormation gives a resource the template names not: the stack's name (the framework's
 * <service>-<stage>, as packaged here), the logical id and a random suffix.
 */
export function generatedName(logicalId: string): string {
  return `ecr-lifecycle-manager-dev-${logicalId}-1A2B3C4D5E6F`;
}

/** Every statement of a role's inline policies, resolved, with Action and Resource always lists. */
export function roleStatements(stack: Stack, roleLogicalId: string): Statement[] {
  const role = stack.resource(roleLogicalId);
  if (role.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is a ${role.Type}, not a role`);
  if (role.Properties?.ManagedPolicyArns?.length) {
    throw new Error(`${roleLogicalId} has managed policies, which this check cannot see into`);
  }
  const policies = (role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: unknown[] } }[];
  return policies.flatMap((policy) =>
    policy.PolicyDocument.Statement.map((raw) => {
      const s = stack.resolve(raw) as Record<string, unknown>;
      if (s.NotAction !== undefined || s.NotResource !== undefined) {
        throw new Error(`${roleLogicalId} uses NotAction/NotResource`);
      }
      return {
        Effect: s.Effect as 'Allow' | 'Deny',
        Action: ([] as string[]).concat(s.Action as string | string[]),
        Resource: ([] as string[]).concat(s.Resource as string | string[]),
        ...(s.Condition ? { Condition: s.Condition as Statement['Condition'] } : {}),
      };
    }),
  );
}

/** The logical id of the role a resource's RoleArn / Role property points at. */
export function roleOf(resource: Resource, property: 'Role' | 'RoleArn'): string {
  const id = Stack.target(resource.Properties?.[property]);
  if (!id) throw new Error(`${property} is not a reference to a role of this template`);
  return id;
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
