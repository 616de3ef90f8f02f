// Every link between the documentation's pages leads somewhere: the file exists, and the heading it names is there
// (anchors as GitHub makes them from headings).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const PAGES = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/** GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped, spaces as `-`. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(page: string): Set<string> {
  const text = readFileSync(path.join(ROOT, page), 'utf8').replace(/^ *```[\s\S]*?^ *```/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchor(match[1])));
}

function linksOf(page: string): string[] {
  const text = readFileSync(path.join(ROOT, page), 'utf8').replace(/^ *```[\s\S]*?^ *```/gm, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]).filter((target) => !/^[a-z]+:/.test(target));
}

test('turns headings into the anchors GitHub makes', () => {
  expect(anchor('Failures and Redrive')).toBe('failures-and-redrive');
  expect(anchor('The settings file: per-prefix settings')).toBe('the-settings-file-per-prefix-settings');
  expect(anchor('A 100,000-repository sweep on AWS, estimated')).toBe('a-100000-repository-sweep-on-aws-estimated');
});

test.each(PAGES)('every link of %s leads to a page and heading that exist', (page) => {
  const broken = linksOf(page).filter((target) => {
    const [file, fragment] = target.split('#');
    const linked = file === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), file));
    if (!existsSync(path.join(ROOT, linked))) return true;
    return fragment !== undefined && linked.endsWith('.md') && !anchorsOf(linked).has(fragment);
  });
  expect(broken).toEqual([]);
});
