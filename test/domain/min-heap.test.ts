import t from 'tap'
import { MinHeap } from '../../src/domain/min-heap.js'

t.test('pops in key order', async (t) => {
  const heap = new MinHeap<number>((n) => n)
  t.equal(heap.pop(), undefined)
  const values = [5, 3, 9, 1, 7, 3, 8, 2, 6, 4, 0]
  for (const value of values) heap.push(value)
  t.equal(heap.size, values.length)
  t.equal(heap.peek(), 0)
  const out: number[] = []
  for (let v = heap.pop(); v !== undefined; v = heap.pop()) out.push(v)
  t.same(out, [...values].sort((a, b) => a - b))
  heap.push(1)
  heap.clear()
  t.equal(heap.size, 0)
})

t.test('random input stays ordered', async (t) => {
  const heap = new MinHeap<{ at: number }>((item) => item.at)
  let seed = 42
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  for (let i = 0; i < 1000; i++) heap.push({ at: Math.floor(random() * 100) })
  let last = -1
  let ordered = true
  for (let item = heap.pop(); item !== undefined; item = heap.pop()) {
    if (item.at < last) ordered = false
    last = item.at
  }
  t.ok(ordered)
})

t.test('retain keeps the accepted items, in heap order', async (t) => {
  const heap = new MinHeap<number>((n) => n)
  const values = Array.from({ length: 200 }, (_, index) => (index * 37) % 200)
  for (const value of values) heap.push(value)
  t.equal(heap.retain((n) => n % 3 === 0), 133, 'how many were removed')
  t.equal(heap.size, 67)
  const out: number[] = []
  for (let v = heap.pop(); v !== undefined; v = heap.pop()) out.push(v)
  t.same(out, values.filter((n) => n % 3 === 0).sort((a, b) => a - b))
  t.equal(heap.retain(() => false), 0, 'an empty heap')
})

t.test('a heap made from items is ordered at once, whatever their order', async (t) => {
  for (const values of [[], [5], Array.from({ length: 500 }, (_, i) => 500 - i), Array.from({ length: 500 }, (_, i) => (i * 191) % 500)]) {
    const heap = new MinHeap<number>((n) => n, [...values])
    t.equal(heap.size, values.length)
    const out: number[] = []
    for (let v = heap.pop(); v !== undefined; v = heap.pop()) out.push(v)
    t.same(out, [...values].sort((a, b) => a - b), `${values.length} items`)
  }
})
