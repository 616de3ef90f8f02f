// Lambda handler of the startRepositorySweep step (functions/steps/start-repository-sweep.ts), which the
// EventBridge rules invoke; its Step Functions client and state machine are set up once, at cold start.
import { lambdaHandler } from './lib/handler';
import { createLogger } from './lib/logger';
import { sweepStarterFromEnvironment } from './lib/sfn-client';
import { startRepositorySweep } from './steps/start-repository-sweep';

export const handler = lambdaHandler(startRepositorySweep, { logger: createLogger(), sweeps: sweepStarterFromEnvironment() });
