// The documentation's table of stage settings is the schema's: a setting added, renamed or given another range there
// fails here until docs/configuration.md says the same.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTING_NAMES } from '../../functions/lib/settings';
import { settingsMarkdownTable, settingsTable } from '../../local/settings-table';

const configurationPage = readFileSync(path.join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');

test("the configuration page's table is the settings schema", () => {
  expect(configurationPage).toContain(settingsMarkdownTable());
});

test('the params listing names every setting with its default and what it accepts', () => {
  const listing = settingsTable();
  for (const name of SETTING_NAMES) expect(listing).toMatch(new RegExp(`^${name} \\(default .+\\)$`, 'm'));
  expect(listing).toContain('keepImages (default 1)');
  expect(listing).toContain('allowed: a whole number from 1 to 1000');
});
