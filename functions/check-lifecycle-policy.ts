// Lambda handler of the checkLifecyclePolicy step (functions/steps/check-lifecycle-policy.ts).
import { lambdaHandler } from './lib/handler';
import { checkLifecyclePolicy } from './steps/check-lifecycle-policy';

export const handler = lambdaHandler(checkLifecyclePolicy);
