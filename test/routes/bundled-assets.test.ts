import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { BUNDLED_ASSETS } from '../../src/paths.js'
import { bundledAssets } from '../../src/routes/bundled-assets.js'

t.test('the bundled assets are read once a process and folder: the same object for every build', async (t) => {
  const first = await bundledAssets(BUNDLED_ASSETS)
  t.equal(await bundledAssets(BUNDLED_ASSETS), first, 'kept')
  t.match(first.media.get('default'), { contentType: 'video/mp4', extension: '.mp4', etag: /^"[A-Za-z0-9_-]{27}"$/ })
  t.match(first.media.get('audio'), { contentType: 'audio/mp4', extension: '.m4a' })
  t.ok(first.thumbnail.length > 0, 'the thumbnail')
})

t.test('a folder that cannot be read fails its build, and is read again by the next one', async (t) => {
  const folder = t.testdir({})
  await t.rejects(bundledAssets(folder), { code: 'ENOENT' }, 'no media in it yet')
  for (const name of ['default.mp4', 'audio.m4a', 'thumbnail.jpg']) await copyFile(join(BUNDLED_ASSETS, name), join(folder, name))
  const assets = await bundledAssets(folder)
  t.equal(assets.media.get('default')?.bytes.length, (await bundledAssets(BUNDLED_ASSETS)).media.get('default')?.bytes.length, 'read once the files are there')
})
