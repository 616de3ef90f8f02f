// Lambda handler of the putLifecyclePolicy step (functions/steps/put-lifecycle-policy.ts).
import { lambdaHandler } from './lib/handler';
import { putLifecyclePolicy } from './steps/put-lifecycle-policy';

export const handler = lambdaHandler(putLifecyclePolicy);
