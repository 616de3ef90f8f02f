// Reads the fenced blocks of a Markdown page, and pairs each command block with the output the page quotes for it
// (the rules are in command-blocks.test.ts).

export interface Fence {
  /** The info string: bash, text, json, yaml, or empty. */
  info: string;
  /** The block's lines, without the indentation of its opening fence. */
  body: string;
  /** The line of the opening fence, counted from 1. */
  line: number;
}

export interface CommandBlock {
  commands: string;
  /** The output block's lines that hold something; empty when the page quotes no output. */
  expected: string[];
  line: number;
}

const KNOWN_INFO = new Set(['bash', 'text', 'json', 'yaml', '']);
const NOT_RUN = /^# needs \S/;

export function parseFences(markdown: string): Fence[] {
  const lines = markdown.split('\n');
  const fences: Fence[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^( *)(`{3,})([^`\s]*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, ticks, info] = open;
    const close = lines.findIndex((line, j) => j > i && new RegExp(`^ *${ticks}\`*\\s*$`).test(line));
    if (close < 0) throw new Error(`line ${i + 1}: a fence that is never closed`);
    const body = lines.slice(i + 1, close).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()));
    fences.push({ info, body: body.join('\n'), line: i + 1 });
    i = close;
  }
  return fences;
}

/** The command blocks to run, each with the output that follows it; a page that breaks the rules throws. */
export function runnableBlocks(fences: Fence[], page: string): CommandBlock[] {
  const blocks: CommandBlock[] = [];
  let last: { block?: CommandBlock; notRun: boolean } | undefined;
  for (const fence of fences) {
    const where = `${page}:${fence.line}`;
    if (!KNOWN_INFO.has(fence.info)) throw new Error(`${where}: a \`\`\`${fence.info} block; commands go in \`\`\`bash, output in \`\`\`text`);
    if (fence.info === 'bash') {
      const notRun = NOT_RUN.test(fence.body);
      const block = notRun ? undefined : { commands: fence.body, expected: [], line: fence.line };
      if (block) blocks.push(block);
      last = { block, notRun };
    } else if (fence.info === 'text') {
      if (!last) throw new Error(`${where}: output quoted before any command block`);
      if (last.notRun) throw new Error(`${where}: output quoted for a command block that is not run`);
      if (last.block!.expected.length > 0) throw new Error(`${where}: a second output block for one command block`);
      last.block!.expected = fence.body.split('\n').map((line) => line.trimEnd()).filter((line) => line !== '');
      if (last.block!.expected.length === 0) throw new Error(`${where}: an empty output block`);
    }
  }
  return blocks;
}

/** A line of an output block that stands for lines of the output the page leaves out. */
export const LEFT_OUT = '...';

/** What the command printed, as a page quotes it: its lines without blank ones and without npm's own notices. */
function quotable(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '' && !/^npm warn /.test(line));
}

/**
 * How the output differs from the page's quote of it, or undefined where it does not. The quote is the whole output,
 * line for line, except where a `...` line stands for lines left out (any number, none included).
 */
export function quoteMismatch(expected: string[], output: string): string | undefined {
  const actual = quotable(output);
  const segments: string[][] = [[]];
  for (const line of expected) {
    if (line.trim() === LEFT_OUT) segments.push([]);
    else segments[segments.length - 1].push(line);
  }
  const matchesAt = (segment: string[], at: number) => at >= 0 && segment.every((line, i) => actual[at + i] === line);
  const last = segments.length - 1;
  let from = 0;
  for (let s = 0; s <= last; s += 1) {
    const segment = segments[s];
    let at: number;
    if (s === 0) at = 0;
    else if (s === last) at = actual.length - segment.length;
    else at = actual.findIndex((_, i) => i >= from && matchesAt(segment, i));
    const ends = s !== last || at + segment.length === actual.length;
    if (at < from || !matchesAt(segment, at) || !ends) {
      const where = s === 0 ? 'from the first line' : s === last ? 'to the last line' : 'after the lines before it';
      return `the quote's lines ${JSON.stringify(segment)} are not the output ${where}${last === 0 ? ' (a quote that leaves lines out says so with a "..." line)' : ''}`;
    }
    from = at + segment.length;
  }
  return undefined;
}
