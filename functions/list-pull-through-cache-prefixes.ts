// Lambda handler of the listPullThroughCachePrefixes step (functions/steps/list-pull-through-cache-prefixes.ts).
import { lambdaHandler } from './lib/handler';
import { listPullThroughCachePrefixes } from './steps/list-pull-through-cache-prefixes';

export const handler = lambdaHandler(listPullThroughCachePrefixes);
