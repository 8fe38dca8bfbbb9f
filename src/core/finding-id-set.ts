/**
 * A set of finding ids held as 64-bit numbers: a finding id is 16 hex digits (findingId), so 8 bytes in a typed
 * array, sorted once and searched, instead of a string and a set slot each (about 60 bytes). The report job keeps
 * one over every finding a run found: 30,000 at 100,000 tokens. An id of another form is kept as it is.
 */
export interface FindingIdSet {
  readonly add: (id: string) => void;
  readonly has: (id: string) => boolean;
}

const HEX16 = /^[0-9a-f]{16}$/;

/** The id as a 64-bit number; null for an id that is not 16 lowercase hex digits. */
export function findingIdNumber(id: string): bigint | null {
  return HEX16.test(id) ? BigInt(`0x${id}`) : null;
}

/** The index of the first of `ids[0, n)` (sorted) not below `v`. */
export function lowerBound(ids: BigUint64Array, n: number, v: bigint): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ids[mid] as bigint) < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

export function findingIdSet(): FindingIdSet {
  let ids = new BigUint64Array(1024);
  let n = 0;
  let sorted = true;
  const other = new Set<string>();
  return {
    add(id) {
      const v = findingIdNumber(id);
      if (v === null) {
        other.add(id);
        return;
      }
      if (n === ids.length) {
        const more = new BigUint64Array(ids.length * 2);
        more.set(ids);
        ids = more;
      }
      ids[n] = v;
      n += 1;
      sorted = false;
    },
    has(id) {
      const v = findingIdNumber(id);
      if (v === null) {
        return other.has(id);
      }
      if (!sorted) {
        ids.subarray(0, n).sort();
        sorted = true;
      }
      const at = lowerBound(ids, n, v);
      return at < n && ids[at] === v;
    },
  };
}
