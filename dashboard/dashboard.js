// The dashboard of stream-downloads-mock: plain ES modules, no build step, no other host. It holds
// no data of its own: everything comes from the admin API (./videos, ./clock, ./faults,
// ./journal, ./polling/{video}) with the admin token, and live changes from ./events
// (Server-Sent Events, read with fetch so that the token goes in a header, never in a URL).
import { stateAt } from './progress.js'

const TOKEN_KEY = 'stream-downloads-mock:admin-token'
/** Re-read interval while the server has no event stream (or it is down), ms. */
const FALLBACK_MS = 2000
/** Least time between two re-reads caused by events, ms: a busy client makes many. */
const EVENT_REFRESH_MS = 400
/** Videos a page shows (the admin API's `limit`); *Previous page* and *Next page* move by as many. */
const PAGE_SIZE = 50
const EVENT_TYPES = 'download.transition,clock.change,fault.taken,journal.entry'
const TYPE_NAMES = { default: 'MP4', audio: 'M4A' }
const UNITS = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 }

const $ = (id) => document.getElementById(id)
const state = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? '',
  open: false,
  clocks: new Map(),
  /** performance.now() when the clocks were read. */
  readAt: 0,
  /** Downloads drawn, by "video/type": their record (anchored at the read) and account. */
  drawn: new Map(),
  accounts: [],
  /** The first video of the page shown (the admin API's `offset`), and how many there are in all. */
  offset: 0,
  total: 0,
  live: false,
  lastEventId: undefined,
  stream: undefined,
  fallback: undefined
}

class Unauthorized extends Error {}

/** One admin API call: the envelope's result, or an Error with the envelope's first message. */
async function api (method, path, body) {
  const headers = { accept: 'application/json' }
  if (state.token !== '') headers['x-mock-admin-token'] = state.token
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(`./${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' })
  if (response.status === 401) throw new Unauthorized('the admin token is missing or wrong')
  const envelope = await response.json().catch(() => null)
  if (!response.ok || envelope?.success !== true) throw new Error(envelope?.errors?.[0]?.message ?? `HTTP ${response.status}`)
  return envelope.result
}

/** An element with attributes (on* and dataset aside) and children. */
function h (tag, attributes = {}, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    if (name === 'text') element.textContent = value
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  element.append(...children)
  return element
}

/** The child of `parent` keyed `key`, made by `make` when missing; `seen` collects the keys kept. */
function keyed (parent, key, make, seen) {
  seen.add(key)
  for (const child of parent.children) if (child.dataset.key === key) return child
  const made = make()
  made.dataset.key = key
  parent.append(made)
  return made
}

/** Removes the keyed children of `parent` not in `seen`. */
function prune (parent, seen) {
  for (const child of [...parent.children]) if (child.dataset.key !== undefined && !seen.has(child.dataset.key)) child.remove()
}

/** Keeps one unkeyed placeholder child in `parent` while `empty`, and none otherwise. */
function placeholder (parent, empty, make) {
  const present = [...parent.children].find((child) => child.dataset.key === undefined)
  if (empty && present === undefined) parent.append(make())
  if (!empty) present?.remove()
}

function say (message, isError = false) {
  const notice = $('notice')
  notice.textContent = message
  notice.className = isError ? 'error' : ''
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`

/** An account's mock time now, from its clock as read and the wall time since (while it runs). */
function mockNow (account) {
  const clock = state.clocks.get(account)
  if (clock === undefined) return 0
  const running = clock.ticking && !clock.frozen
  return clock.nowMs + (running ? clock.rate * (performance.now() - state.readAt) : 0)
}

// ---- reading the state -------------------------------------------------------------------------

let reading
let again = false
let lastRead = 0
/** Events came while a read ran: one more read, EVENT_REFRESH_MS after it ends. */
let eventsDuringRead = false

/** Re-reads everything shown; calls while a read runs make one more read after it. */
async function refresh () {
  if (!state.open) return
  if (reading !== undefined) {
    again = true
    return await reading
  }
  reading = (async () => {
    try {
      do {
        again = false
        await readAll()
      } while (again && state.open)
    } catch (error) {
      if (error instanceof Unauthorized) lock('The admin token was refused.')
      else say(`Could not read the state: ${error.message}`, true)
    } finally {
      reading = undefined
      lastRead = performance.now()
      if (eventsDuringRead) {
        eventsDuringRead = false
        refreshSoon()
      }
    }
  })()
  return await reading
}

let eventTimer
/** A refresh soon, at most one per EVENT_REFRESH_MS however many events come. */
function refreshSoon () {
  if (eventTimer !== undefined) return
  // Not `again`: under a steady flow of events that would read back to back, never resting.
  if (reading !== undefined) {
    eventsDuringRead = true
    return
  }
  const wait = Math.max(0, EVENT_REFRESH_MS - (performance.now() - lastRead))
  eventTimer = setTimeout(() => {
    eventTimer = undefined
    void refresh()
  }, wait)
}

async function readAll () {
  const filter = $('account-filter').value
  const [{ videos: shown, total }, { rules }, journal] = await Promise.all([
    api('GET', `videos?limit=${PAGE_SIZE}&offset=${state.offset}${filter === '' ? '' : `&account=${filter}`}`),
    api('GET', 'faults'),
    api('GET', 'journal?limit=20')
  ])
  // Fewer videos than before (deleted, reset): the last page that has some, read again.
  if (state.offset > 0 && state.offset >= total) {
    state.offset = Math.max(0, Math.ceil(total / PAGE_SIZE) - 1) * PAGE_SIZE
    again = true
    return
  }
  state.total = total
  const accounts = [...new Set(shown.map((video) => video.account))].sort()
  // The menu offers the accounts of the page shown (all of them may be many), and the one chosen.
  if (filter === '') state.accounts = accounts
  const clocks = await Promise.all(accounts.map((account) => api('GET', `clock?account=${account}`)))
  if (!state.open) return
  state.clocks = new Map(accounts.map((account, index) => [account, clocks[index]]))
  state.readAt = performance.now()
  drawAccounts(accounts, shown)
  drawFilter()
  drawFaults(rules)
  drawJournal(journal.entries)
  const downloads = shown.reduce((sum, video) => sum + Object.keys(video.downloads).length, 0)
  $('counts').textContent = `${total} video${total === 1 ? '' : 's'}` +
    (total === 0 ? '' : `; ${state.offset + 1}–${state.offset + shown.length} shown, with ${downloads} download${downloads === 1 ? '' : 's'}`)
  drawPager()
  frame()
}

/** The page controls: where the page is, and whether there is one before or after it. */
function drawPager () {
  const pages = Math.max(1, Math.ceil(state.total / PAGE_SIZE))
  $('page-info').textContent = `Page ${Math.floor(state.offset / PAGE_SIZE) + 1} of ${pages}`
  const focused = document.activeElement
  $('page-prev').disabled = state.offset === 0
  $('page-next').disabled = state.offset + PAGE_SIZE >= state.total
  // A control that just became disabled would drop the focus to the page's start: keep it in the pager.
  if (focused?.disabled === true && focused.closest('#pager') !== null) $(focused.id === 'page-prev' ? 'page-next' : 'page-prev').focus()
}

/** Shows the page `by` pages on (or back), and says which. */
async function turnPage (by) {
  state.offset = Math.max(0, state.offset + by * PAGE_SIZE)
  await refresh()
  say(`${$('page-info').textContent}.`)
}

// ---- drawing -----------------------------------------------------------------------------------

function drawFilter () {
  for (const select of [$('account-filter'), $('fault-account')]) {
    const seen = new Set([''])
    for (const account of state.accounts) keyed(select, account, () => h('option', { value: account, text: account }), seen)
    for (const option of [...select.options]) if (option.value !== '' && !seen.has(option.dataset.key)) option.remove()
  }
}

function button (action, text, label, extra = {}) {
  return h('button', { type: 'button', 'data-action': action, 'aria-label': label, class: extra.quiet ? 'quiet' : undefined, text })
}

function makeAccount (account) {
  const id = `acct-${account}`
  const step = h('input', { id: `${id}-step`, type: 'number', min: 0, step: 'any', value: 5 })
  const unit = h('select', { id: `${id}-unit`, 'aria-label': 'Step unit' }, ...Object.keys(UNITS).map((name) => h('option', { value: name, selected: name === 's', text: name })))
  const rate = h('input', { id: `${id}-rate`, type: 'number', min: 0, max: 1000, step: 'any', value: 1 })
  return h('section', { class: 'account', 'data-account': account, 'aria-labelledby': `${id}-title` },
    h('h3', { id: `${id}-title`, text: `Account ${account}` }),
    h('div', { class: 'clock', role: 'group', 'aria-label': `Clock of account ${account}` },
      h('output', { 'data-role': 'clock', 'aria-label': 'Mock time' }),
      button('freeze', 'Freeze', `Freeze (clock of account ${account})`),
      button('resume', 'Resume', `Resume (clock of account ${account})`),
      h('label', { for: step.id, text: 'Step by' }), step, unit,
      button('step', 'Step', `Step (clock of account ${account})`),
      h('label', { for: rate.id, text: 'Rate' }), rate,
      button('rate', 'Set rate', `Set rate (clock of account ${account})`),
      button('reset', 'Reset account', `Reset account (${account})`, { quiet: true })),
    h('div', { 'data-role': 'videos' }))
}

function makeVideo (video) {
  return h('article', { class: 'video', 'data-video': video.id, 'aria-label': `Video ${video.id}` },
    h('h4', {}, h('span', { text: video.id }), button('polling', 'Polling report', `Polling report (video ${video.id})`, { quiet: true })),
    h('div', { 'data-role': 'downloads' }))
}

function makeDownload (video, type) {
  const name = `${TYPE_NAMES[type]} download of video ${video}`
  return h('div', { class: 'download', 'data-type': type, role: 'group', 'aria-label': name },
    h('span', { text: TYPE_NAMES[type] }),
    h('progress', { max: 100, value: 0, 'aria-label': `${name}, percent complete` }),
    h('span', { class: 'status', 'data-role': 'status' }),
    h('span', { class: 'settings', 'data-role': 'settings' }),
    h('div', { class: 'actions' },
      button('fail', 'Fail now', `Fail now (${name})`),
      button('hold', 'Hold here', `Hold here (${name})`),
      button('release', 'Release', `Release (${name})`),
      button('ready', 'Make ready', `Make ready (${name})`),
      button('delete', 'Delete', `Delete (${name})`, { quiet: true })))
}

function settingsText (download) {
  const parts = [download.model]
  if (download.model === 'time') parts.push(`${download.speed} %/s`)
  if (download.model === 'polls') parts.push(`${download.step} %/poll`)
  if (download.failAt !== undefined) parts.push(`fails at ${download.failAt} %`)
  if (download.holdAt !== undefined) parts.push(`holds at ${download.holdAt} %`)
  return parts.join(' · ')
}

function drawAccounts (accounts, videos) {
  const root = $('accounts')
  const seenAccounts = new Set()
  state.drawn = new Map()
  for (const account of accounts) {
    const section = keyed(root, account, () => makeAccount(account), seenAccounts)
    const list = section.querySelector('[data-role="videos"]')
    const seenVideos = new Set()
    for (const video of videos) {
      if (video.account !== account) continue
      const article = keyed(list, video.id, () => makeVideo(video), seenVideos)
      const downloads = article.querySelector('[data-role="downloads"]')
      const seenTypes = new Set()
      for (const type of ['default', 'audio']) {
        const download = video.downloads[type]
        if (download === undefined) continue
        const row = keyed(downloads, type, () => makeDownload(video.id, type), seenTypes)
        const record = { ...download, percent: download.percentComplete, since: state.clocks.get(account).nowMs }
        state.drawn.set(`${video.id}/${type}`, { record, account, row })
        row.querySelector('[data-role="settings"]').textContent = settingsText(download)
        const can = { fail: download.status !== 'error', hold: download.status === 'inprogress', release: download.holdAt !== undefined, ready: download.status !== 'ready', delete: true }
        for (const control of row.querySelectorAll('button[data-action]')) control.disabled = !can[control.dataset.action]
      }
      prune(downloads, seenTypes)
      placeholder(downloads, seenTypes.size === 0, () => h('p', { class: 'muted', text: 'No downloads' }))
    }
    prune(list, seenVideos)
  }
  prune(root, seenAccounts)
}

/** Moves the bars and clocks on to now, between reads, by the server's own progress rule. */
function frame () {
  for (const section of $('accounts').children) {
    const account = section.dataset.account
    const clock = state.clocks.get(account)
    if (clock === undefined) continue
    const how = clock.frozen ? 'frozen' : clock.ticking ? `running ×${clock.rate}` : 'stopped (no ticker)'
    section.querySelector('[data-role="clock"]').textContent = `mock time ${seconds(mockNow(account))}, ${how}`
  }
  for (const { record, account, row } of state.drawn.values()) {
    const shown = stateAt(record, mockNow(account))
    const bar = row.querySelector('progress')
    bar.value = shown.percentComplete
    bar.setAttribute('aria-valuetext', `${shown.percentComplete} %, ${shown.status}`)
    const status = row.querySelector('[data-role="status"]')
    status.textContent = `${shown.status} ${shown.percentComplete} %`
    status.className = `status status-${shown.status}`
  }
}

function drawFaults (rules) {
  const body = $('faults')
  const seen = new Set()
  for (const rule of rules) {
    const row = keyed(body, rule.id, () => h('tr', {}, h('td', { text: rule.id }), h('td'), h('td'), h('td'),
      h('td', {}, button('delete-fault', 'Delete', `Delete (fault rule ${rule.id})`, { quiet: true }))), seen)
    row.dataset.fault = rule.id
    const match = Object.entries(rule.match ?? {}).map(([key, value]) => `${key} ${value}`).join(', ') || 'every request'
    const effect = [rule.status && `status ${rule.status}`, rule.latencyMs && `${rule.latencyMs} ms late`, rule.drop && 'drop'].filter(Boolean).join(', ')
    row.cells[1].textContent = match
    row.cells[2].textContent = effect + (rule.remaining === null ? '' : ` (${rule.remaining} left)`)
    row.cells[3].textContent = String(rule.hits)
  }
  prune(body, seen)
  placeholder(body, rules.length === 0, () => h('tr', {}, h('td', { colspan: 5, class: 'muted', text: 'No fault rules' })))
}

function drawJournal (entries) {
  $('journal').replaceChildren(...entries.slice().reverse().map((entry) => h('tr', {},
    h('td', { text: entry.seq }),
    h('td', { text: entry.at.slice(11, 23) }),
    h('td', { class: 'path', text: `${entry.method} ${entry.path}` }),
    h('td', { text: `${entry.status}${entry.forced === undefined ? '' : ` (${entry.forced})`}` }))))
  if (entries.length === 0) $('journal').append(h('tr', {}, h('td', { colspan: 4, class: 'muted', text: 'No requests yet' })))
}

// ---- controls ----------------------------------------------------------------------------------

/** Runs an action, says how it went, then re-reads the state. */
async function act (done, action) {
  try {
    await action()
    say(done)
  } catch (error) {
    if (error instanceof Unauthorized) return lock('The admin token was refused.')
    say(`Refused: ${error.message}`, true)
  }
  await refresh()
}

function numberOf (input) {
  const value = input.valueAsNumber
  if (!Number.isFinite(value)) throw new Error(`${input.labels?.[0]?.textContent ?? input.id}: a number is needed`)
  return value
}

function onBoardClick (event) {
  const control = event.target.closest('button[data-action]')
  if (control === null) return
  const action = control.dataset.action
  const account = control.closest('[data-account]')?.dataset.account
  const video = control.closest('[data-video]')?.dataset.video
  const type = control.closest('[data-type]')?.dataset.type
  const download = `videos/${video}/downloads/${type}`
  const name = `${TYPE_NAMES[type]} of ${video}`
  const input = (suffix) => $(`acct-${account}-${suffix}`)
  switch (action) {
    case 'freeze': return act(`Froze the clock of ${account}.`, () => api('POST', 'clock/freeze', { account }))
    case 'resume': return act(`Resumed the clock of ${account}.`, () => api('POST', 'clock/resume', { account }))
    case 'step': return act(`Stepped the clock of ${account}.`, () => {
      const ms = Math.round(numberOf(input('step')) * UNITS[input('unit').value])
      return api('POST', 'clock/advance', { ms, account })
    })
    case 'rate': return act(`Set the clock rate of ${account}.`, () => api('PUT', 'clock/rate', { rate: numberOf(input('rate')), account }))
    case 'reset': return act(`Reset account ${account}.`, () => api('POST', 'reset', { account }))
    case 'fail': return act(`Failed the ${name}.`, () => api('PATCH', download, { status: 'error' }))
    case 'hold': return act(`Holding the ${name}.`, () => {
      const drawn = state.drawn.get(`${video}/${type}`)
      const percent = stateAt(drawn.record, mockNow(drawn.account)).percentComplete
      return api('PATCH', download, { percentComplete: percent, holdAt: percent })
    })
    case 'release': return act(`Released the ${name}.`, () => api('PATCH', download, { holdAt: null }))
    case 'ready': return act(`Made the ${name} ready.`, () => api('PATCH', download, { status: 'ready' }))
    case 'delete': return act(`Deleted the ${name}.`, () => api('DELETE', download))
    case 'delete-fault': {
      const id = control.closest('[data-fault]').dataset.fault
      return act(`Deleted fault rule ${id}.`, () => api('DELETE', `faults/${id}`))
    }
    case 'polling': return showPolling(video)
  }
}

async function showPolling (video) {
  try {
    const report = await api('GET', `polling/${video}`)
    $('polling-video').textContent = `Video ${video}`
    $('polling').textContent = JSON.stringify(report, null, 2)
    say(`Polling report of ${video} shown below.`)
  } catch (error) {
    if (error instanceof Unauthorized) return lock('The admin token was refused.')
    say(`Refused: ${error.message}`, true)
  }
}

function faultFromForm () {
  const rule = { match: {} }
  for (const [field, id] of [['method', 'fault-method'], ['account', 'fault-account'], ['video', 'fault-video'], ['type', 'fault-type']]) {
    const value = $(id).value.trim()
    if (value !== '') rule.match[field] = value
  }
  for (const [field, id] of [['status', 'fault-status'], ['latencyMs', 'fault-latency'], ['times', 'fault-times']]) {
    if ($(id).value !== '') rule[field] = numberOf($(id))
  }
  if ($('fault-drop').checked) rule.drop = true
  return rule
}

// ---- the event stream ----------------------------------------------------------------------------

function setLive (live, text) {
  state.live = live
  $('live').textContent = text
  if (live) {
    clearInterval(state.fallback)
    state.fallback = undefined
  } else if (state.fallback === undefined && state.open) {
    state.fallback = setInterval(() => { void refresh() }, FALLBACK_MS)
  }
}

/** Follows ./events until it ends, then reconnects (Last-Event-ID); without one, re-reads on a timer. */
async function follow () {
  if (!state.open || state.stream !== undefined) return
  const controller = new AbortController()
  state.stream = controller
  const headers = { accept: 'text/event-stream' }
  if (state.token !== '') headers['x-mock-admin-token'] = state.token
  if (state.lastEventId !== undefined) headers['last-event-id'] = state.lastEventId
  let retryMs = 1000
  try {
    const response = await fetch(`./events?types=${EVENT_TYPES}`, { headers, signal: controller.signal, cache: 'no-store' })
    if (response.status === 401) return lock('The admin token was refused.')
    if (!response.ok || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      // No event stream on this server (404), or none free (409): re-read on a timer meanwhile.
      setLive(false, `Live: re-reading every ${FALLBACK_MS / 1000} s (no event stream)`)
      retryMs = response.status === 404 ? 0 : 10_000
      return
    }
    setLive(true, 'Live: event stream')
    void refresh()
    await readEvents(response.body)
  } catch {
    // A network error or the abort of lock(): reconnect unless locked.
  } finally {
    state.stream = undefined
    if (state.open) {
      if (state.live) setLive(false, 'Reconnecting…')
      if (retryMs > 0) setTimeout(() => { void follow() }, retryMs)
    }
  }
}

async function readEvents (body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += value.replace(/\r\n?/g, '\n')
    let end
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      onFrame(buffer.slice(0, end))
      buffer = buffer.slice(end + 2)
    }
  }
}

/** One Server-Sent Events frame: its id moves Last-Event-ID; any event (or gap) means a re-read. */
function onFrame (frame) {
  let name = 'message'
  let data = ''
  for (const line of frame.split('\n')) {
    if (line === '' || line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'id') state.lastEventId = value
    else if (field === 'event') name = value
    else if (field === 'data') data += data === '' ? value : `\n${value}`
  }
  if (data === '') return
  if (name === 'gap') state.lastEventId = undefined
  refreshSoon()
}

// ---- the token and the page's two states --------------------------------------------------------

/** Shows the token form and nothing else: no data stays on the page. */
function lock (message = '') {
  state.open = false
  state.stream?.abort()
  clearInterval(state.fallback)
  state.fallback = undefined
  $('accounts').replaceChildren()
  $('faults').replaceChildren()
  $('journal').replaceChildren()
  $('polling').textContent = ''
  $('board').hidden = true
  $('forget').hidden = true
  $('token-form').hidden = false
  $('token-error').textContent = message
  $('live').textContent = 'Not connected'
  if (message !== '') {
    state.token = ''
    sessionStorage.removeItem(TOKEN_KEY)
  }
  $('token').focus()
}

/** Opens the board when the admin API answers with the token given (or none, when none is set). */
async function open () {
  try {
    await api('GET', 'clock')
  } catch (error) {
    if (error instanceof Unauthorized) return lock(state.token === '' ? '' : 'The admin token was refused.')
    return say(`The admin API did not answer: ${error.message}`, true)
  }
  state.open = true
  $('token-form').hidden = true
  $('board').hidden = false
  $('forget').hidden = state.token === ''
  $('live').textContent = 'Connecting…'
  await refresh()
  void follow()
}

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault()
  state.token = $('token').value
  sessionStorage.setItem(TOKEN_KEY, state.token)
  $('token').value = ''
  void open()
})
$('forget').addEventListener('click', () => {
  state.token = ''
  sessionStorage.removeItem(TOKEN_KEY)
  lock()
})
$('accounts').addEventListener('click', (event) => { void onBoardClick(event) })
$('faults').addEventListener('click', (event) => { void onBoardClick(event) })
$('reset-all').addEventListener('click', () => { void act('Reset everything to the fixtures.', () => api('POST', 'reset', {})) })
$('account-filter').addEventListener('change', () => {
  state.offset = 0
  void refresh()
})
$('page-prev').addEventListener('click', () => { void turnPage(-1) })
$('page-next').addEventListener('click', () => { void turnPage(1) })
$('fault-form').addEventListener('submit', (event) => {
  event.preventDefault()
  void act('Added a fault rule.', () => api('POST', 'faults', faultFromForm()))
})
setInterval(frame, 100)
void open()
