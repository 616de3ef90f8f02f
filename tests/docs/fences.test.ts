// How the documentation test reads a page: which blocks it runs, which output it expects of them, and which pages
// it refuses.
import { parseFences, quoteMismatch, runnableBlocks } from './fences';

const page = (...lines: string[]) => lines.join('\n');
const blocksOf = (markdown: string) => runnableBlocks(parseFences(markdown), 'page.md');

test('pairs a command block with the output block after it, prose in between', () => {
  const markdown = page('Run:', '', '```bash', 'npx ecr-lifecycle policy', '```', '', 'It prints:', '', '```text', '{"rules":[]}', '', '```');
  expect(blocksOf(markdown)).toEqual([{ commands: 'npx ecr-lifecycle policy', expected: ['{"rules":[]}'], line: 3 }]);
});

test('reads blocks inside list items without their indentation', () => {
  const markdown = page('1. Check:', '', '   ```bash', '   npx ecr-lifecycle rules --check', '   ```', '', '   ```text', '   all valid', '   ```');
  expect(blocksOf(markdown)).toEqual([{ commands: 'npx ecr-lifecycle rules --check', expected: ['all valid'], line: 3 }]);
});

test('does not run a block whose first line says what it needs', () => {
  const markdown = page('```bash', '# needs AWS credentials', 'npx serverless deploy', '```', '```bash', 'npm start', '```');
  expect(blocksOf(markdown).map((block) => block.commands)).toEqual(['npm start']);
});

test('runs a block whose comment only mentions a need further down', () => {
  const markdown = page('```bash', 'npm start   # needs nothing', '```');
  expect(blocksOf(markdown)).toHaveLength(1);
});

test('ignores JSON, YAML and unlabelled blocks', () => {
  const markdown = page('```json', '{}', '```', '```yaml', 'a: 1', '```', '```', 'progress', '```');
  expect(blocksOf(markdown)).toEqual([]);
});

test.each([
  ['output quoted for a command block that is not run', page('```bash', '# needs AWS credentials', 'aws ecr describe-repositories', '```', '```text', 'x', '```')],
  ['output quoted before any command block', page('```text', 'x', '```')],
  ['a second output block for one command block', page('```bash', 'true', '```', '```text', 'x', '```', '```text', 'y', '```')],
  ['an empty output block', page('```bash', 'true', '```', '```text', '', '```')],
  ['a ```sh block; commands go in ```bash, output in ```text', page('```sh', 'npm start', '```')],
  ['a fence that is never closed', page('```bash', 'npm start')],
])('refuses a page with %s', (problem, markdown) => {
  expect(() => blocksOf(markdown)).toThrow(`: ${problem}`);
});

test('takes a quote of the whole output, blank lines and npm\'s notices aside', () => {
  expect(quoteMismatch(['a', 'b'], 'npm warn EBADENGINE Unsupported engine\na\n\nb  \n')).toBeUndefined();
});

test('refuses a quote that leaves lines out without a "..." line', () => {
  expect(quoteMismatch(['a', 'c'], 'a\nb\nc')).toMatch(/are not the output from the first line .*"\.\.\." line/);
  expect(quoteMismatch(['a', 'b'], 'a\nb\nc')).toBeDefined();
  expect(quoteMismatch(['b', 'c'], 'a\nb\nc')).toBeDefined();
});

test('lets a "..." line stand for lines left out, at the start, in between or at the end', () => {
  expect(quoteMismatch(['...', 'c'], 'a\nb\nc')).toBeUndefined();
  expect(quoteMismatch(['a', '...', 'd'], 'a\nb\nc\nd')).toBeUndefined();
  expect(quoteMismatch(['a', '...'], 'a\nb')).toBeUndefined();
  expect(quoteMismatch(['a', '...', 'b', '...', 'd'], 'a\nb\nc\nd')).toBeUndefined();
  expect(quoteMismatch(['a', '...', 'b'], 'a\nb')).toBeUndefined();
});

test('still needs the quoted lines, each run of them together and in their order', () => {
  expect(quoteMismatch(['...', 'x', '...'], 'a\nb')).toMatch(/\["x"\] are not the output after the lines before it/);
  expect(quoteMismatch(['...', 'a', 'c', '...'], 'a\nb\nc')).toBeDefined();
  expect(quoteMismatch(['d', '...', 'a'], 'a\nb\nd')).toBeDefined();
  expect(quoteMismatch(['...', 'c'], 'a\nc\nb')).toMatch(/to the last line/);
});

test('matches whole lines, not parts of them', () => {
  expect(quoteMismatch(['images expired  1'], 'images expired  10')).toBeDefined();
});
