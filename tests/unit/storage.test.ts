import { formatBytes, monthlyStorageSaving } from '../../functions/lib/storage';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

describe('bytes in human units', () => {
  it.each<[number, string]>([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [KiB, '1.0 KiB'],
    [1.5 * KiB, '1.5 KiB'],
    [476 * MiB, '476 MiB'],
    [Math.round(12.3 * GiB), '12.3 GiB'],
    [2 * 1024 * GiB, '2.0 TiB'],
  ])('shows %d bytes as %s', (bytes, shown) => {
    expect(formatBytes(bytes)).toBe(shown);
  });

  it('keeps one decimal just below 100 of a unit and drops it from 100 on', () => {
    expect(formatBytes(Math.round(99.9 * MiB))).toBe('99.9 MiB');
    expect(formatBytes(Math.round(99.96 * MiB))).toBe('100 MiB');
  });

  it('moves to the next unit rather than showing 1024 of one', () => {
    expect(formatBytes(MiB - 1)).toBe('1.0 MiB');
    expect(formatBytes(GiB - 10 * KiB)).toBe('1.0 GiB');
  });

  it('shows the largest size a registry file can hold', () => {
    expect(formatBytes(Number.MAX_SAFE_INTEGER)).toBe('8.0 PiB');
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 53])('refuses %d, which is no byte count', (bytes) => {
    expect(() => formatBytes(bytes)).toThrow(RangeError);
  });
});

describe('the monthly saving of storage no longer used', () => {
  it('charges $0.10 for each 2^30 bytes a month', () => {
    expect(monthlyStorageSaving(5 * GiB).usdPerMonth).toBeCloseTo(0.5, 10);
    expect(monthlyStorageSaving(5 * GiB).text).toMatch(/^about \$0\.50 a month /);
  });

  it('reads a GB as 2^30 bytes, so 10^9 bytes save less than a tenth of a dollar', () => {
    expect(monthlyStorageSaving(1e9).usdPerMonth).toBeLessThan(0.1);
    expect(monthlyStorageSaving(1e9).text).toMatch(/^about \$0\.09 a month /);
  });

  it('states the price, region and gigabyte it assumes beside the figure', () => {
    const { text } = monthlyStorageSaving(3 * 1024 * GiB);
    expect(text).toMatch(/^about \$307\.20 a month /);
    expect(text).toContain('$0.10 per GB-month');
    expect(text).toContain('us-east-1');
    expect(text).toContain('2^30 bytes');
  });

  it('says nothing is saved for no bytes, and less than a cent for a few', () => {
    expect(monthlyStorageSaving(0)).toMatchObject({ usdPerMonth: 0, text: expect.stringMatching(/^\$0\.00 a month /) });
    expect(monthlyStorageSaving(MiB).text).toMatch(/^less than \$0\.01 a month /);
  });

  it('groups thousands in large savings', () => {
    expect(monthlyStorageSaving(20_000 * GiB).text).toMatch(/^about \$2,000\.00 a month /);
  });
});
