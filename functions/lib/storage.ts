// Storage figures a person reads in a sweep's report: a byte count in binary units, and what no longer storing
// those bytes saves a month at ECR's storage price.

/**
 * ECR's storage price as this tool assumes it (FACTS.md: a secondary source, not a price list read at run time).
 * The price is quoted per "GB" without saying which one; the GB is read here as 2^30 bytes, which gives the
 * smaller of the two estimates (10^9 bytes would give about 7% more), so a saving is never overstated.
 */
export const ECR_STORAGE_PRICE = {
  usdPerGbMonth: 0.1,
  region: 'us-east-1',
  bytesPerGb: 2 ** 30,
} as const;

/** The assumption behind every saving figure, in words, to print beside it. */
export const STORAGE_PRICE_ASSUMPTION =
  `at ECR's storage price of $${ECR_STORAGE_PRICE.usdPerGbMonth.toFixed(2)} per GB-month ` +
  `(${ECR_STORAGE_PRICE.region}; GB read as 2^30 bytes)`;

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

function checkBytes(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`not a byte count: ${bytes}`);
}

/** `bytes` in one unit: one decimal below 100 of it, none from 100 on. */
function inUnit(bytes: number, unit: number): string {
  const value = bytes / 1024 ** unit;
  return value < 99.95 ? value.toFixed(1) : Math.round(value).toString();
}

/**
 * Bytes in binary units with three significant digits at most: `0 B`, `512 B`, `1.5 KiB`, `12.3 GiB`, `476 MiB`.
 * A figure that would round to 1024 of a unit is shown in the next one.
 */
export function formatBytes(bytes: number): string {
  checkBytes(bytes);
  if (bytes < 1024) return `${bytes} B`;
  let unit = 1;
  while (Number(inUnit(bytes, unit)) >= 1024 && unit < UNITS.length - 1) unit += 1;
  return `${inUnit(bytes, unit)} ${UNITS[unit]}`;
}

export interface MonthlySaving {
  /** Unrounded US dollars per month, for machine-readable output. */
  usdPerMonth: number;
  /** The figure with its assumption beside it: `about $1.23 a month at ECR's storage price of ...`. */
  text: string;
}

/** What storing `bytes` fewer costs less per month, under ECR_STORAGE_PRICE. */
export function monthlyStorageSaving(bytes: number): MonthlySaving {
  checkBytes(bytes);
  const usdPerMonth = (bytes / ECR_STORAGE_PRICE.bytesPerGb) * ECR_STORAGE_PRICE.usdPerGbMonth;
  let figure: string;
  if (usdPerMonth === 0) figure = '$0.00 a month';
  else if (usdPerMonth < 0.005) figure = 'less than $0.01 a month';
  else figure = `about $${usdPerMonth.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} a month`;
  return { usdPerMonth, text: `${figure} ${STORAGE_PRICE_ASSUMPTION}` };
}
