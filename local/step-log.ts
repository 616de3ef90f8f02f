// What the steps of a local run log and publish: every structured log line is kept for the caller (the plan is
// read from them) and, with --verbose, printed as on Lambda but to the stream given (the command line's stderr),
// with the EMF metrics beside them, so that stdout holds only the report.
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItem } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { SERVICE_NAME, createMetrics } from '../functions/lib/logger';
import type { StepMetrics } from '../functions/lib/step';

/** One structured log line, as the Powertools logger would print it. */
export type LogLine = Record<string, unknown>;

/** A Powertools Logger that hands each line to `onLine` and prints it to `printTo`, when there is one. */
export class LocalStepLogger extends Logger {
  constructor(
    options: ConstructorOptions,
    private readonly lines: { onLine?: (line: LogLine) => void; printTo?: NodeJS.WritableStream },
  ) {
    super({ serviceName: SERVICE_NAME, logLevel: 'INFO', ...options });
  }

  protected printLog(_logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    const line = log.getAttributes() as LogLine;
    // The base constructor may log before `lines` is set.
    this.lines?.onLine?.(line);
    this.lines?.printTo?.write(`${JSON.stringify(line, this.getJsonReplacer())}\n`);
  }
}

/** Metrics as EMF lines printed to `printTo` (with --verbose), or none at all; dimensions as on Lambda. */
export function localMetrics(stage: string, printTo?: NodeJS.WritableStream): StepMetrics {
  if (!printTo) return { addDimension: () => undefined, addMetric: () => undefined, publishStoredMetrics: () => undefined };
  const metrics = createMetrics(stage);
  return {
    addDimension: (name, value) => metrics.addDimension(name, value),
    addMetric: (name, unit, value) => metrics.addMetric(name, unit, value),
    publishStoredMetrics: () => {
      if (metrics.hasStoredMetrics()) printTo.write(`${JSON.stringify(metrics.serializeMetrics())}\n`);
      // As Powertools' own publishStoredMetrics: the dimensions added go with the metrics they were added for.
      metrics.clearMetrics();
      metrics.clearDimensions();
    },
  };
}
