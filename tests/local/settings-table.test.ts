// The README's table of stage settings is the schema's: a setting added, renamed or given another range there
// fails here until the README says the same.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTING_NAMES } from '../../functions/lib/settings';
import { settingsMarkdownTable, settingsTable } from '../../local/settings-table';

const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

test("the README's configuration table is the settings schema", () => {
  expect(readme).toContain(settingsMarkdownTable());
});

test('the params listing names every setting with its default and what it accepts', () => {
  const listing = settingsTable();
  for (const name of SETTING_NAMES) expect(listing).toMatch(new RegExp(`^${name} \\(default .+\\)$`, 'm'));
  expect(listing).toContain('keepImages (default 1)');
  expect(listing).toContain('allowed: a whole number from 1 to 1000');
});
