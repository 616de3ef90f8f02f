// Starts the sweep state machine for one new cached repository, named after the event so that a repeated delivery
// starts nothing new. Events of another shape are logged and dropped: retrying them could never help.
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { lambdaHandler } from './lib/handler';
import { logger } from './lib/logger';
import { decideRepositoryEvent } from './lib/repository-event';
import { sfnClient } from './lib/sfn-client';

export const ecrActions: string[] = [];

export const handler = lambdaHandler(async (event: unknown) => {
  const decision = decideRepositoryEvent(event);
  if (!decision.start) {
    logger.warn('event dropped', { decision: 'drop', reason: decision.reason });
    return { started: false, reason: decision.reason };
  }
  const { repositoryName, executionName } = decision;
  const stateMachineArn = process.env.STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new Error('STATE_MACHINE_ARN is not set');
  try {
    const { executionArn } = await sfnClient().send(
      new StartExecutionCommand({ stateMachineArn, name: executionName, input: JSON.stringify({ repositoryName }) }),
    );
    logger.info('sweep started for repository', { repositoryName, executionName, executionArn, decision: 'start', shape: decision.shape });
    return { started: true, executionName };
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
    logger.info('sweep already started for this event', { repositoryName, executionName, decision: 'duplicate' });
    return { started: false, reason: 'an execution of that name exists', executionName };
  }
});
