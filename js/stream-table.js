// StreamTable: stream id → value, for the tables that change on every request
// (a connection's live streams, the bytes consumed since the last flush, the
// pulls scheduled for this turn).
//
// Why not a Map: V8 rebuilds a Map's hash table as entries come and go, and the
// table it leaves behind keeps a pointer to its successor (for live iterators).
// Once one of those tables has been promoted to the old generation, every later
// table is reachable from it during scavenges, so each one is promoted too,
// with every stream it holds. Measured on the `small` bench scenario: ~1.6 MB
// promoted per scavenge, 20 mark-compacts in 6 s and 40 % more CPU per
// request, switching on or off with unrelated changes to heap layout.
//
// So: open addressing with linear probing over a Uint32Array of ids and a
// plain array of values, grown by doubling (never shrunk: its size is bounded
// by the streams that were open at once), deletion by backward shift (no
// tombstones, so no rebuilds). Stream ids are never 0, which marks a free slot.

const FREE = 0;
const FIBONACCI = 0x9e3779b1; // 2^32 / golden ratio: spreads consecutive odd ids over the table
const FIRST_CAPACITY = 16;
// Every table starts on these one-slot arrays, shared and never written (set() grows
// first), so an idle connection's tables cost no typed array or backing store of
// their own (1,000 idle connections: ~0.4 KiB each less).
const EMPTY_IDS = new Uint32Array(1);
const EMPTY_VALUES = [undefined];

export class StreamTable {
  constructor() {
    this._ids = EMPTY_IDS;
    this._values = EMPTY_VALUES;
    this._shift = 0; // 32 - log2(capacity): the hash is the product's top bits (masked, for capacity 1)
    this._mask = 0;
    /** Number of entries. */
    this.size = 0;
  }

  /** The slot holding `id`, or the free slot where it would go. */
  _slot(id) {
    const ids = this._ids, mask = this._mask;
    let i = (Math.imul(id, FIBONACCI) >>> this._shift) & mask;
    for (;;) {
      const k = ids[i];
      if (k === id || k === FREE) return i;
      i = (i + 1) & mask;
    }
  }

  get(id) {
    const i = this._slot(id);
    return this._ids[i] === id ? this._values[i] : undefined;
  }

  has(id) { return this._ids[this._slot(id)] === id; }

  set(id, value) {
    let i = this._slot(id);
    if (this._ids[i] !== id) {
      if (2 * (this.size + 1) > this._ids.length) { this._grow(); i = this._slot(id); }
      this._ids[i] = id;
      this.size++;
    }
    this._values[i] = value;
    return this;
  }

  delete(id) {
    const ids = this._ids, values = this._values, mask = this._mask, shift = this._shift;
    let hole = this._slot(id);
    if (ids[hole] !== id) return false;
    // Backward shift: an entry later in the same run moves into the hole unless
    // its home slot lies after the hole (then it is still reachable from home).
    for (let j = (hole + 1) & mask; ids[j] !== FREE; j = (j + 1) & mask) {
      const home = (Math.imul(ids[j], FIBONACCI) >>> shift) & mask;
      const stays = hole < j ? home > hole && home <= j : home > hole || home <= j;
      if (!stays) {
        ids[hole] = ids[j];
        values[hole] = values[j];
        hole = j;
      }
    }
    ids[hole] = FREE;
    values[hole] = undefined;
    this.size--;
    return true;
  }

  /** The values in ascending id order; a snapshot, so callers may delete while they walk it. */
  values() { return this._sortedSlots().map((i) => this._values[i]); }

  /** [id, value] pairs in ascending id order; a snapshot. */
  entries() { return this._sortedSlots().map((i) => [this._ids[i], this._values[i]]); }

  /** Call `fn(value, id)` for every entry, in table order, without a snapshot: `fn` must not add or delete. */
  forEach(fn) {
    if (this.size === 0) return;
    const ids = this._ids, values = this._values;
    for (let i = 0; i < ids.length; i++) if (ids[i] !== FREE) fn(values[i], ids[i]);
  }

  clear() {
    if (this.size === 0) return;
    this._ids.fill(FREE);
    this._values.fill(undefined);
    this.size = 0;
  }

  _sortedSlots() {
    const slots = [];
    if (this.size === 0) return slots;
    for (let i = 0; i < this._ids.length; i++) if (this._ids[i] !== FREE) slots.push(i);
    return slots.sort((a, b) => this._ids[a] - this._ids[b]);
  }

  _grow() {
    const oldIds = this._ids, oldValues = this._values;
    const capacity = Math.max(FIRST_CAPACITY, oldIds.length * 2);
    this._ids = new Uint32Array(capacity);
    this._values = new Array(capacity).fill(undefined);
    this._shift = Math.clz32(capacity) + 1; // 32 - log2(capacity), capacity a power of two
    this._mask = capacity - 1;
    for (let i = 0; i < oldIds.length; i++) {
      if (oldIds[i] !== FREE) {
        const j = this._slot(oldIds[i]);
        this._ids[j] = oldIds[i];
        this._values[j] = oldValues[i];
      }
    }
  }
}
