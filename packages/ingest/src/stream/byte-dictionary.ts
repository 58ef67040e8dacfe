import { Data, Utf8, makeData } from 'apache-arrow';
import { grownTo } from './grow';

/**
 * Distinct keys looked up by their bytes: an open-addressing hash table (FNV-1a, linear probing) over keys
 * kept once, back to back, in a byte pool — which is also the data buffer of the Utf8 dictionary Arrow
 * needs, so neither a lookup nor the dictionary costs a string. Codes are 0, 1, 2, … in first-seen order.
 */
export class ByteDictionary {
  /** slot → code, -1 for empty; size a power of two, at most half full */
  private slots = new Int32Array(1024).fill(-1);
  private pool = new Uint8Array(1 << 16);
  private poolUsed = 0;
  /** code → start of its key in the pool; starts[size] is the end of the last key */
  private starts = new Int32Array(1025);
  size = 0;

  /** Whether key `code` has the bytes [start, end). */
  keyEquals(code: number, bytes: Uint8Array, start: number, end: number): boolean {
    const from = this.starts[code];
    if (this.starts[code + 1] - from !== end - start) return false;
    const pool = this.pool;
    for (let i = 0; i < end - start; i++) if (pool[from + i] !== bytes[start + i]) return false;
    return true;
  }

  /**
   * The code of the key bytes[start, end), added if new; h ← (h ⊕ byte) · 16777619 from 2166136261 (FNV-1a, 32 bit).
   */
  codeOf(bytes: Uint8Array, start: number, end: number): number {
    let h = 2166136261;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 16777619);
    const mask = this.slots.length - 1;
    let slot = h & mask;
    for (;;) {
      const code = this.slots[slot];
      if (code === -1) break;
      if (this.keyEquals(code, bytes, start, end)) return code;
      slot = (slot + 1) & mask;
    }
    const code = this.insert(bytes, start, end);
    this.slots[slot] = code;
    if (this.size * 2 > this.slots.length) this.rehash();
    return code;
  }

  private insert(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (this.poolUsed + length > this.pool.length) {
      // dictionaries handed out earlier keep views on the old pool, whose bytes never change
      this.pool = grownTo(this.pool.subarray(0, this.poolUsed), Math.max(this.pool.length * 2, this.poolUsed + length));
    }
    this.pool.set(bytes.subarray(start, end), this.poolUsed);
    this.poolUsed += length;
    if (this.size + 2 > this.starts.length) this.starts = grownTo(this.starts, this.starts.length * 2);
    this.starts[this.size + 1] = this.poolUsed;
    return this.size++;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let code = 0; code < this.size; code++) {
      let h = 2166136261;
      for (let i = this.starts[code]; i < this.starts[code + 1]; i++) h = Math.imul(h ^ this.pool[i], 16777619);
      let slot = h & mask;
      while (slots[slot] !== -1) slot = (slot + 1) & mask;
      slots[slot] = code;
    }
    this.slots = slots;
  }

  /** The keys so far as Utf8 data: offsets are the key starts, the data is the pool. */
  toUtf8(): Data<Utf8> {
    return makeData({
      type: new Utf8(),
      length: this.size,
      nullCount: 0,
      valueOffsets: this.starts.slice(0, this.size + 1),
      data: this.pool.subarray(0, this.poolUsed),
    });
  }
}
