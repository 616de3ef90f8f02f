import { toBatches } from '../../functions/lib/batches';

describe('splitting a list into batches', () => {
  it('makes full batches when the size divides the list', () => {
    expect(toBatches([1, 2, 3, 4, 5, 6], 3)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('puts the remainder in a last, smaller batch', () => {
    expect(toBatches(['a', 'b', 'c', 'd', 'e'], 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('makes one batch when the list is smaller than the size', () => {
    expect(toBatches(['a', 'b'], 100)).toEqual([['a', 'b']]);
  });

  it('makes batches of one', () => {
    expect(toBatches(['a', 'b', 'c'], 1)).toEqual([['a'], ['b'], ['c']]);
  });

  it('makes no batch from an empty list', () => {
    expect(toBatches([], 50)).toEqual([]);
  });

  it('keeps 250 items in 100/100/50', () => {
    const items = Array.from({ length: 250 }, (_, i) => i);
    const batches = toBatches(items, 100);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat()).toEqual(items);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses batch size %p', (size) => {
    expect(() => toBatches([1, 2], size)).toThrow(RangeError);
  });

  it('does not change the list it splits', () => {
    const items = [1, 2, 3];
    toBatches(items, 2);
    expect(items).toEqual([1, 2, 3]);
  });
});
