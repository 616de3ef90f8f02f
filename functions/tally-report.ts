// Lambda handler of the tallyReport step (functions/steps/tally-report.ts).
import { lambdaHandler } from './lib/handler';
import { tallyReport } from './steps/tally-report';

export const handler = lambdaHandler(tallyReport);
