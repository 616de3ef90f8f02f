// The start port of the event step, and its Lambda side: StartExecution on the sweep state machine that
// serverless.yml names in STATE_MACHINE_ARN, read once at cold start.
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

/** StartExecution on the sweep state machine: on Lambda through Step Functions, locally a run on this machine. */
export interface SweepStarter {
  /** `alreadyExists` when an execution of that name exists (StartExecution's ExecutionAlreadyExists). */
  startExecution(request: { name: string; input: string }): Promise<{ executionArn: string } | { alreadyExists: true }>;
}

export function sfnSweepStarter(client: SFNClient, stateMachineArn: string): SweepStarter {
  return {
    async startExecution({ name, input }) {
      try {
        const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, name, input }));
        return { executionArn: executionArn ?? '' };
      } catch (error) {
        if (error instanceof ExecutionAlreadyExists) return { alreadyExists: true };
        throw error;
      }
    },
  };
}

/** Refuses to start without the state machine, rather than start nothing silently on every event. */
export function sweepStarterFromEnvironment(env: NodeJS.ProcessEnv = process.env): SweepStarter {
  const stateMachineArn = env.STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new Error('STATE_MACHINE_ARN is not set');
  return sfnSweepStarter(new SFNClient({ maxAttempts: 6 }), stateMachineArn);
}
