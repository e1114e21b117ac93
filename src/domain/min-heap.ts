/** A binary min-heap ordered by a numeric key: O(log n) push and pop. */
export class MinHeap<T> {
  private readonly items: T[]
  private readonly keyOf: (item: T) => number

  /**
   * A heap of `items` (taken over, not copied), ordered in O(n) by Floyd's method: filling a heap
   * of 100,000 one push at a time costs O(n log n) when the keys come in falling order.
   */
  constructor (keyOf: (item: T) => number, items: T[] = []) {
    this.keyOf = keyOf
    this.items = items
    this.heapify()
  }

  get size (): number {
    return this.items.length
  }

  /** The item with the smallest key, without removing it. */
  peek (): T | undefined {
    return this.items[0]
  }

  push (item: T): void {
    const items = this.items
    items.push(item)
    let index = items.length - 1
    const key = this.keyOf(item)
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (this.keyOf(items[parent] as T) <= key) break
      items[index] = items[parent] as T
      index = parent
    }
    items[index] = item
  }

  /** Removes and returns the item with the smallest key. */
  pop (): T | undefined {
    const items = this.items
    const top = items[0]
    const last = items.pop()
    if (items.length === 0 || last === undefined) return top
    this.siftDown(0, last)
    return top
  }

  /**
   * Keeps only the items `keep` accepts, and restores the heap order in O(n) (Floyd's method).
   * Returns how many items were removed.
   */
  retain (keep: (item: T) => boolean): number {
    const items = this.items
    const before = items.length
    let kept = 0
    for (const item of items) if (keep(item)) items[kept++] = item
    items.length = kept
    this.heapify()
    return before - kept
  }

  /** Restores the heap order of the whole array in O(n) (Floyd's method). */
  private heapify (): void {
    const items = this.items
    for (let index = (items.length >> 1) - 1; index >= 0; index--) this.siftDown(index, items[index] as T)
  }

  /** Puts `item` at `index` and moves it down until both its children have keys at least its own. */
  private siftDown (start: number, item: T): void {
    const items = this.items
    const key = this.keyOf(item)
    let index = start
    for (;;) {
      const left = index * 2 + 1
      if (left >= items.length) break
      const right = left + 1
      const child = right < items.length && this.keyOf(items[right] as T) < this.keyOf(items[left] as T) ? right : left
      if (this.keyOf(items[child] as T) >= key) break
      items[index] = items[child] as T
      index = child
    }
    items[index] = item
  }

  clear (): void {
    this.items.length = 0
  }
}
