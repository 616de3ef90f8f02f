// Lambda handler of the listCachedRepositories step (functions/steps/list-cached-repositories.ts).
import { lambdaHandler } from './lib/handler';
import { listCachedRepositories } from './steps/list-cached-repositories';

export const handler = lambdaHandler(listCachedRepositories);
