// `ecr-lifecycle params`: every stage setting as the schema defines it (functions/lib/settings.ts), as text for a
// terminal or as the Markdown table docs/configuration.md shows.
import { SETTINGS, SETTING_NAMES } from '../functions/lib/settings';

const shown = (value: unknown) => (value === '' ? "''" : String(value));

export function settingsTable(): string {
  return SETTING_NAMES.map((name) => {
    const setting = SETTINGS[name];
    return `${name} (default ${shown(setting.default)})\n  ${setting.meaning}\n  allowed: ${setting.expected}\n`;
  }).join('');
}

export function settingsMarkdownTable(): string {
  const rows = SETTING_NAMES.map((name) => {
    const setting = SETTINGS[name];
    return `| \`${name}\` | \`${shown(setting.default)}\` | ${setting.expected} | ${setting.meaning} |`;
  });
  return ['| Setting | Default | Allowed | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n') + '\n';
}
