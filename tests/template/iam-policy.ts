// Enough of IAM's policy evaluation to read a policy document as IAM does: an Allow statement grants a request
// when its Action matches (case-insensitive, `*` and `?` wildcards), its Resource matches (case-sensitive, the same
// wildcards) and every condition of its Condition block holds (StringEquals, StringLike, their ...IfExists forms;
// policy variables such as ${aws:PrincipalAccount} taken from the request). An explicit Deny wins. A condition
// operator it does not know is an error, never a silent match.

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Request {
  action: string;
  resource: string;
  /** Condition keys and policy variables of the request, e.g. {'iam:PermissionsBoundary': ARN, 'aws:PrincipalAccount': ID}. */
  context?: Record<string, string>;
}

const list = (value: string | string[]) => ([] as string[]).concat(value);

function wildcard(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '').test(value);
}

/** ${aws:PrincipalAccount} and the like, from the request; an unknown variable matches nothing. */
function withVariables(text: string, context: Record<string, string>): string | undefined {
  let unknown = false;
  const replaced = text.replace(/\$\{([^}]+)\}/g, (_, key: string) => context[key] ?? ((unknown = true), ''));
  return unknown ? undefined : replaced;
}

function conditionHolds(operator: string, key: string, expected: string | string[], context: Record<string, string>): boolean {
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const actual = context[key];
  if (actual === undefined) return ifExists;
  const values = list(expected).map((v) => withVariables(v, context)).filter((v): v is string => v !== undefined);
  if (base === 'StringEquals') return values.includes(actual);
  if (base === 'StringLike') return values.some((v) => wildcard(v, actual, false));
  throw new Error(`condition operator ${operator} is not known to this reader`);
}

export function statementMatches(statement: PolicyStatement, { action, resource, context = {} }: Request): boolean {
  if (!list(statement.Action).some((pattern) => wildcard(pattern, action, true))) return false;
  if (!list(statement.Resource).some((pattern) => wildcard(pattern, resource, false))) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, expected, context)),
  );
}

/** Whether the statements allow the request: some Allow matches and no Deny does. */
export function allows(statements: PolicyStatement[], request: Request): boolean {
  const matching = statements.filter((s) => statementMatches(s, request));
  return matching.some((s) => s.Effect === 'Allow') && !matching.some((s) => s.Effect === 'Deny');
}
