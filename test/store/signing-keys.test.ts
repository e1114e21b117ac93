import t from 'tap'
import { MAX_KEYS, MAX_WEBHOOKS, SigningBook } from '../../src/store/signing-keys.js'
import { retryDelayMs } from '../../src/domain/webhook-signature.js'

const id = (n: number): string => n.toString(16).padStart(32, '0')
const KEY = { created: 'x', n: 'AQAB', e: 'AQAB' }

t.test('the book: keys by account and by id, subscriptions, bounds, marks', async (t) => {
  const marks: string[] = []
  const book = new SigningBook({ keys: { [id(1)]: { [id(2)]: KEY } }, webhooks: { [id(1)]: { notificationUrl: 'http://x', secret: 's', modified: 'm' } } }, (mark) => marks.push(mark))
  t.same(book.findKey(id(2)), { account: id(1), key: KEY })
  t.equal(book.deleteKey(id(3), id(2)), false, 'another account\'s key')
  t.equal(book.deleteWebhook(id(3)), false)
  book.clearAccount(id(1))
  t.same(marks, [`key/${id(1)}/${id(2)}`, `webhook/${id(1)}`])
  t.same(book.toData(), {})
  for (let n = 0; n < MAX_KEYS; n++) book.addKey(id(n % 20), id(1000 + n), KEY)
  t.throws(() => book.addKey(id(99), id(1), KEY), /at most 10000 signing keys over all accounts/)
  for (let n = 0; n < MAX_WEBHOOKS; n++) book.setWebhook(id(n), { notificationUrl: 'http://x', secret: 's', modified: 'm' })
  book.setWebhook(id(0), { notificationUrl: 'http://y', secret: 's', modified: 'm' })
  t.throws(() => book.setWebhook(id(MAX_WEBHOOKS), { notificationUrl: 'http://x', secret: 's', modified: 'm' }), /at most 10000 webhook subscriptions/)
  book.clearAccounts()
  t.same(book.toData(), {})
})

t.test('webhook retries double, at most an hour apart', async (t) => {
  t.same([1, 2, 3].map((attempt) => retryDelayMs(1000, attempt)), [1000, 2000, 4000])
  t.equal(retryDelayMs(1000, 30), 3_600_000)
})

t.test('the book as the data file keeps it: keys and subscriptions when there are some', async (t) => {
  const book = new SigningBook({}, () => {})
  const webhook = { notificationUrl: 'http://x', secret: 's', modified: 'm' }
  book.addKey(id(1), id(2), KEY)
  book.setWebhook(id(1), webhook)
  t.same(book.toData(), { keys: { [id(1)]: { [id(2)]: KEY } }, webhooks: { [id(1)]: webhook } })
})
