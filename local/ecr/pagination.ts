// Paging the way ECR pages: maxResults bounds, opaque nextTokens, and tokens this endpoint never issued refused.
// A token carries the last key returned rather than an offset, so items deleted between pages (BatchDeleteImage
// while paging DescribeImages) never make a later page skip an item that still exists.
import { createHmac, randomBytes } from 'node:crypto';
import { EcrError, invalidParameter, serialization } from './errors';

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export class Paginator {
  // Per endpoint, so a token is only good at the endpoint (and for the listing) that issued it.
  private readonly secret = randomBytes(32);

  /**
   * One page of `items` (any order; paged in `keyOf` order). `scope` ties a token to one listing, e.g.
   * `DescribeImages:repo`, so a token from another listing is refused as ECR would.
   */
  page<T>(
    items: T[],
    keyOf: (item: T) => string,
    scope: string,
    request: { maxResults?: unknown; nextToken?: unknown },
    defaultMaxResults = 100,
  ): Page<T> {
    const maxResults = readMaxResults(request.maxResults) ?? defaultMaxResults;
    const after = request.nextToken === undefined ? undefined : this.open(request.nextToken, scope);
    const sorted = [...items].sort((a, b) => compare(keyOf(a), keyOf(b)));
    const remaining = after === undefined ? sorted : sorted.filter((item) => compare(keyOf(item), after) > 0);
    const pageItems = remaining.slice(0, maxResults);
    const more = remaining.length > maxResults;
    return { items: pageItems, nextToken: more ? this.issue(scope, keyOf(pageItems[pageItems.length - 1])) : undefined };
  }

  private issue(scope: string, lastKey: string): string {
    const payload = Buffer.from(JSON.stringify({ k: lastKey, n: randomBytes(6).toString('hex') })).toString('base64url');
    return `${payload}.${this.mac(scope, payload)}`;
  }

  private open(token: unknown, scope: string): string {
    if (typeof token !== 'string') throw serialization('nextToken must be a string');
    const [payload, mac, extra] = token.split('.');
    if (extra === undefined && payload && mac && mac === this.mac(scope, payload)) {
      const key = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { k: string }).k;
      return key;
    }
    throw new EcrError('InvalidParameterException', 'Invalid parameter at \'nextToken\': the token is not valid');
  }

  private mac(scope: string, payload: string): string {
    return createHmac('sha256', this.secret).update(`${scope}\n${payload}`).digest('base64url').slice(0, 22);
  }
}

/** `maxResults` as the model bounds it (1..1000); undefined when the request leaves it out. */
export function readMaxResults(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization('maxResults must be an integer');
  if (value < 1) throw invalidParameter('maxResults', 'Member must have value greater than or equal to 1');
  if (value > 1000) throw invalidParameter('maxResults', 'Member must have value less than or equal to 1000');
  return value;
}

// Code-unit order, independent of locale, so every page sees the same order.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
