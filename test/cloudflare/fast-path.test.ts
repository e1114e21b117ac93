import t from 'tap'
import type { FastifyReply } from 'fastify'
import { SettledAnswers } from '../../src/cloudflare/fast-path.js'
import type { VideoRecord } from '../../src/schemas/store.js'

t.test('a settled answer holds for its video, store revision and url base only', async (t) => {
  const answers = new SettledAnswers()
  const reply = { serialize: (value: unknown) => JSON.stringify(value) } as unknown as FastifyReply
  const video = { downloads: {} } as unknown as VideoRecord
  const other = { downloads: {} } as unknown as VideoRecord
  t.equal(answers.find(video, 1, 'http://a'), undefined, 'none kept yet')
  const kept = answers.keep(reply, video, 1, 'http://a', { result: {} }, { default: 'ready' })
  t.same(kept, { revision: 1, base: 'http://a', body: '{"result":{}}', shown: { default: 'ready' } })
  t.equal(answers.find(video, 1, 'http://a'), kept)
  t.equal(answers.find(video, 2, 'http://a'), undefined, 'the store changed')
  t.equal(answers.find(video, 1, 'http://b'), undefined, 'another url base')
  t.equal(answers.find(other, 1, 'http://a'), undefined, 'another video')
})
