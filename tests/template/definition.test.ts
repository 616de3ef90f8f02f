// statemachines/sweep.asl.yml checked by two independent validators of the Amazon States Language: asl-validator
// and AWS's own amazon-states-language-service (the one behind the AWS Toolkit's editor). The definition names its
// Lambda functions with Fn::GetAtt, which serverless-step-functions turns into ARNs; here a placeholder ARN stands in.
import * as fs from 'node:fs';
import * as path from 'node:path';
import aslValidator from 'asl-validator';
import { getLanguageService, TextDocument, type Diagnostic } from 'amazon-states-language-service';
import { parse } from 'yaml';
import { RESULT_FIGURES } from '../../functions/lib/report';
import { projectRoot } from './serverless';

const DEFINITION_FILE = path.join(projectRoot, 'statemachines', 'sweep.asl.yml');
const placeholderArn = (functionKey: string) =>
  `arn:aws:lambda:eu-west-1:123456789012:function:ecr-lifecycle-manager-test-${functionKey}`;

type Definition = Record<string, any>;

/** The definition as Step Functions receives it: Fn::GetAtt [key, Arn] replaced by a Lambda ARN. */
function loadDefinition(): Definition {
  const parsed = parse(fs.readFileSync(DEFINITION_FILE, 'utf8'));
  return JSON.parse(JSON.stringify(parsed), (_key, value) => {
    const getAtt = value && typeof value === 'object' ? value['Fn::GetAtt'] : undefined;
    if (Array.isArray(getAtt)) {
      if (getAtt[1] !== 'Arn') throw new Error(`Fn::GetAtt ${getAtt.join('.')} is not a function ARN`);
      return placeholderArn(getAtt[0]);
    }
    return value;
  }) as Definition;
}

function aslValidatorErrors(definition: Definition): string {
  const { isValid, errorsText } = aslValidator(definition);
  return isValid ? '' : errorsText('\n');
}

async function languageServiceProblems(definition: Definition): Promise<string[]> {
  const service = getLanguageService({});
  const document = TextDocument.create('file:///sweep.asl.json', 'json', 1, JSON.stringify(definition, null, 2));
  const diagnostics: Diagnostic[] = await service.doValidation(document, service.parseJSONDocument(document));
  // Severity 1 is an error and 2 a warning; both mean something ECR users would trip over at deploy or run time.
  return diagnostics
    .filter((d) => d.severity === undefined || d.severity <= 2)
    .map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
}

/** Every state at any depth. */
function allStates(machine: Definition): [string, Definition][] {
  return Object.entries(machine.States as Record<string, Definition>).flatMap(([name, state]) => [
    [name, state] as [string, Definition],
    ...(state.ItemProcessor ?? state.Iterator ? allStates(state.ItemProcessor ?? state.Iterator) : []),
    ...((state.Branches ?? []) as Definition[]).flatMap((b) => allStates(b)),
  ]);
}

describe('the sweep definition', () => {
  test("returns each repository's figures in the order the tally names them", () => {
    const perRepository = loadDefinition().States.ManageRepositories.ItemProcessor.States.ManageEachRepository.ItemProcessor.States;
    const argumentsOf = (state: Definition) => /^States\.Array\((.*)\)$/s.exec(state.Parameters['figures.$'])![1].split(',').map((a: string) => a.trim());
    expect(argumentsOf(perRepository.ReportRepository)).toEqual(RESULT_FIGURES.map((name) => `$.expiry.${name}`));
    const alone = argumentsOf(perRepository.LeaveRepositoryAlone);
    expect(alone).toHaveLength(RESULT_FIGURES.length);
    RESULT_FIGURES.forEach((name, i) => expect(alone[i]).toBe(name === 'imagesBefore' || name === 'bytesBefore' ? `$.stored.${name}` : '0'));
    expect(perRepository.LeaveExcludedRepositoryAlone.Parameters.figures).toEqual(RESULT_FIGURES.map(() => 0));
  });

  test('names every Lambda task with Fn::GetAtt of a function key, so one file serves AWS and local runs', () => {
    const tasks = allStates(loadDefinition()).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const [name, task] of tasks) {
      expect({ name, resource: task.Resource }).toEqual({ name, resource: expect.stringMatching(/^arn:aws:lambda:/) });
    }
  });

  test('is valid according to asl-validator', () => {
    expect(aslValidatorErrors(loadDefinition())).toBe('');
  });

  test('is valid according to amazon-states-language-service', async () => {
    expect(await languageServiceProblems(loadDefinition())).toEqual([]);
  });

  // The validators are only worth running if they catch a broken definition.
  test('a transition to a state that does not exist is caught by both validators', async () => {
    const broken = loadDefinition();
    broken.States[broken.StartAt].Next = 'NoSuchState';
    expect(aslValidatorErrors(broken)).not.toBe('');
    expect((await languageServiceProblems(broken)).join('\n')).toMatch(/existing state/);
  });

  test('a Map state with neither Next nor End is caught by both validators', async () => {
    const broken = loadDefinition();
    const [, map] = allStates(broken).find(([, s]) => s.Type === 'Map' && (s.Next || s.End)) ?? [];
    expect(map).toBeDefined();
    delete map!.Next;
    delete map!.End;
    expect(aslValidatorErrors(broken)).not.toBe('');
    expect(await languageServiceProblems(broken)).not.toEqual([]);
  });
});
