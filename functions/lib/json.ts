// Checking parsed JSON (or YAML) that this code did not write.

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Why the text of a file named `*.json` is not JSON, or undefined (for a valid one, or a file of another name). The
 * YAML reader that reads both kinds of file would take a trailing comma or a comment, and name YAML in its error.
 */
export function jsonFileProblem(text: string, fileName: string | undefined): string | undefined {
  if (!fileName?.toLowerCase().endsWith('.json')) return undefined;
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
}
