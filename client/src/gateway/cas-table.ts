// memcached's 64-bit cas unique ↔ the API's ETag. An ETag is a string (not a 64-bit number), so
// the gateway numbers each (key, ETag) it hands out: a unique is never reused by a process, and a
// cas names exactly the version it was given for, so there is no false match. A unique this table
// no longer knows (forgotten past `capacity`, or given by another gateway process) matches no
// version: that cas answers EXISTS, and the client reads the item again, as after any lost race.

export interface Version {
  key: string;
  etag: string;
}

export class CasTable {
  private readonly byUnique = new Map<bigint, Version>();
  private readonly byVersion = new Map<string, bigint>();
  private next: bigint;

  constructor(
    private readonly capacity = 100_000,
    /** The first unique; a process starts from its clock so uniques of an earlier run are unknown, not reused. */
    first: bigint = BigInt(Date.now()) << 16n,
  ) {
    this.next = first;
  }

  /** The unique of this version of a key (the same one every time it is seen while remembered). */
  uniqueOf(key: string, etag: string): bigint {
    const id = `${etag}\u0000${key}`;
    const known = this.byVersion.get(id);
    if (known !== undefined) {
      // Most recently used last: the oldest is forgotten first.
      this.byVersion.delete(id);
      this.byVersion.set(id, known);
      return known;
    }
    this.next += 1n;
    const unique = this.next;
    this.byVersion.set(id, unique);
    this.byUnique.set(unique, { key, etag });
    while (this.byVersion.size > this.capacity) {
      const [oldest, oldUnique] = this.byVersion.entries().next().value as [string, bigint];
      this.byVersion.delete(oldest);
      this.byUnique.delete(oldUnique);
    }
    return unique;
  }

  /** The ETag a unique stands for on this key, or null when it stands for none (a cas that must fail). */
  etagOf(key: string, unique: bigint): string | null {
    const version = this.byUnique.get(unique);
    return version !== undefined && version.key === key ? version.etag : null;
  }
}
