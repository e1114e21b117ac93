/**
 * The error catalogue: every failure the mock answers with comes from here, with its HTTP status
 * and `errors` entries. On the Cloudflare surface, those Cloudflare uses (or, where Cloudflare's
 * answer is unknown, the one the README documents as the mock's choice); then the admin API's own
 * (code 10000 + status), and the answers fault rules and `Prefer` force. The domain's refusals
 * (RefusedChange) are mapped to entries here by the admin API's error handler.
 */

/** One entry of a Cloudflare envelope's `errors` array. */
export interface CloudflareErrorItem {
  code: number
  message: string
  error_chain?: Array<{ code: number, message: string }>
}

/** A failure that becomes a Cloudflare failure envelope: status, errors and extra headers. */
export class MockError extends Error {
  readonly statusCode: number
  readonly errors: CloudflareErrorItem[]
  readonly headers: Record<string, string>

  constructor (statusCode: number, errors: CloudflareErrorItem[], headers: Record<string, string> = {}) {
    super(errors.map((e) => `${e.code}: ${e.message}`).join('; '))
    this.name = 'MockError'
    this.statusCode = statusCode
    this.errors = errors
    this.headers = headers
  }
}

/**
 * A change refused because of its input, naming the field: invalid, a bound already reached
 * ('full'), its target missing ('not-found'), or against what stands ('conflict': a video with
 * downloads moved out of ready). The admin API answers 400, 409, 404 or 409.
 */
export class RefusedChange extends Error {
  readonly field: string
  readonly kind: 'invalid' | 'full' | 'not-found' | 'conflict'

  constructor (field: string, message: string, kind: 'invalid' | 'full' | 'not-found' | 'conflict' = 'invalid') {
    super(message)
    this.name = new.target.name
    this.field = field
    this.kind = kind
  }
}

/** The public API prefix that Cloudflare's routing messages name, whatever prefix was used. */
export const API_PREFIX = '/client/v4'

/** The admin API's prefix, kept apart from the Cloudflare surface. */
export const ADMIN_PREFIX = '/__mock'

/** One invalid field of a request (`body.ms`, `params.type`) and what is wrong with it. */
export interface FieldProblem {
  field: string
  problem: string
}

/** A problem at a JSON path of a document: a fixture or data file, or a request body read as one. */
export interface DocumentProblem {
  file: string
  jsonPath: string
  problem: string
}

/** Maps an HTTP status to the error the mock answers with when nothing more specific applies. */
const GENERIC_ERRORS: Record<number, CloudflareErrorItem> = {
  400: { code: 10400, message: 'Bad request' },
  401: { code: 10000, message: 'Authentication error' },
  403: { code: 10000, message: 'Authentication error' },
  404: { code: 10404, message: 'Not found' },
  408: { code: 10408, message: 'Request timeout' },
  409: { code: 10409, message: 'Conflict' },
  429: { code: 971, message: 'Please wait and consider throttling your request speed' },
  500: { code: 10001, message: 'Internal server error' },
  502: { code: 10502, message: 'Bad gateway' },
  503: { code: 10503, message: 'Service temporarily unavailable' },
  504: { code: 10504, message: 'Gateway timeout' }
}

/** The catalogue. Each entry builds the MockError for one case. */
export const Errors = {
  /** Malformed id, unknown download type or unknown route: Cloudflare's 7003 + 7000 pair. */
  routeNotFound (pathWithoutPrefix: string): MockError {
    return new MockError(400, [
      { code: 7003, message: `Could not route to ${API_PREFIX}${pathWithoutPrefix}, perhaps your object identifier is invalid?` },
      { code: 7000, message: 'No route for that URI' }
    ])
  },
  /** A method the path does not offer; `allow` lists the ones it does. */
  methodNotAllowed (method: string, allow: readonly string[]): MockError {
    return new MockError(405, [
      { code: 10000, message: `${method} method not allowed for the api_token authentication scheme` }
    ], { allow: allow.join(', ') })
  },
  missingCredentials (): MockError {
    return new MockError(400, [{ code: 9106, message: 'Missing X-Auth-Key, X-Auth-Email or Authorization headers' }])
  },
  malformedAuthorization (): MockError {
    return new MockError(400, [{
      code: 6003,
      message: 'Invalid request headers',
      error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }]
    }])
  },
  invalidToken (): MockError {
    return new MockError(403, [{ code: 9109, message: 'Invalid access token' }])
  },
  malformedJson (): MockError {
    return new MockError(400, [{ code: 6007, message: 'Malformed JSON in request body' }])
  },
  /** Valid JSON that is not an object (an array, a string, a number, null). Mock's choice. */
  bodyNotAnObject (): MockError {
    return new MockError(400, [{ code: 6007, message: 'Malformed JSON in request body' }, { code: 6008, message: 'The request body must be a JSON object' }])
  },
  unsupportedMediaType (contentType: string): MockError {
    return new MockError(415, [{ code: 6003, message: 'Invalid request headers', error_chain: [{ code: 6106, message: `Unsupported Content-Type: ${contentType}; send application/json or no body` }] }])
  },
  bodyTooLarge (limitBytes: number): MockError {
    return new MockError(413, [{ code: 10413, message: `Request body is larger than ${limitBytes} bytes` }])
  },
  headersTooLarge (): MockError {
    return new MockError(431, [{ code: 6003, message: 'Invalid request headers', error_chain: [{ code: 6100, message: 'Request headers are too large' }] }])
  },
  /** A request line Node cannot parse, or a request Node refuses before routing. */
  badRequest (): MockError {
    return Errors.forStatus(400, 'Bad request')
  },
  /** An HTTP/1.1 request without a Host header (RFC 9112 §3.2 requires one). Mock's choice. */
  missingHost (): MockError {
    return new MockError(400, [{ code: 10400, message: 'Bad request: an HTTP/1.1 request needs a Host header' }])
  },
  /** Request headers that did not all arrive within the headers timeout. Mock's choice. */
  headersTimeout (): MockError {
    return new MockError(408, [{ code: 10408, message: 'Request timeout: the request headers did not all arrive in time' }])
  },
  /** A media `?filename=` Cloudflare would refuse. */
  badMediaFilename (): MockError {
    return new MockError(400, [{ code: 10400, message: 'filename may hold only letters, digits, - and _ (at most 120 characters); the extension is added' }])
  },
  accountNotFound (): MockError {
    return new MockError(404, [{ code: 10003, message: 'Account not found' }])
  },
  videoNotFound (): MockError {
    return new MockError(404, [{ code: 10003, message: 'Video not found' }])
  },
  /** A video that would come into being (auto-create) past the store's bound *(mock's choice)*. */
  videoLimitReached (limit: number): MockError {
    return new MockError(409, [{ code: 10409, message: `The mock holds at most ${limit} videos; delete some or reset it` }])
  },
  /**
   * A download requested of a video that is not ready (Cloudflare documents no error body: the
   * mock's choice, a 409, as the video's state conflicts with the request).
   */
  videoNotReady (state: string): MockError {
    return new MockError(409, [{ code: 10409, message: `The video is not ready to stream (state: ${state}); a download can be created once it is ready` }])
  },
  /** A download requested of a video in `error` (mock's choice, as videoNotReady). */
  videoInError (errorReasonCode: string): MockError {
    return new MockError(409, [{ code: 10409, message: `The video is in error (${errorReasonCode}); it has no downloads` }])
  },
  /** The media of a video in `error`: 424, as Cloudflare's 2024-06-11 release note says of the delivery domain. */
  mediaOfFailedVideo (): MockError {
    return new MockError(424, [{ code: 10424, message: 'The video is in error: its media cannot be delivered' }])
  },
  /** A video a client brings in (copy, direct upload) past the store's bound: 413, as Cloudflare answers uploads over its limits. */
  videoStorageFull (limit: number): MockError {
    return new MockError(413, [{ code: 10413, message: `The account's storage is full: the mock holds at most ${limit} videos (MOCK_MAX_VIDEOS); delete some or reset it` }])
  },
  /** A direct upload over the upload url's bound (Cloudflare's 200 MB). */
  uploadTooLarge (limitBytes: number): MockError {
    return new MockError(413, [{ code: 10413, message: `The upload is larger than ${limitBytes} bytes (200 MB, Cloudflare's bound for a direct creator upload)` }])
  },
  /** A second upload to a one-time upload url (mock's choice). */
  uploadUrlUsed (): MockError {
    return new MockError(409, [{ code: 10409, message: 'This upload URL was used already: request another with POST /stream/direct_upload' }])
  },
  /** An upload url whose reservation is unknown, released, or ran out. */
  uploadUrlUnknown (): MockError {
    return new MockError(404, [{ code: 10003, message: 'Upload URL not found or expired' }])
  },
  /** An upload of another content type than a form's (JSON included: it would be parsed, not counted). */
  uploadNotMultipart (contentType: string): MockError {
    return new MockError(415, [{ code: 6003, message: 'Invalid request headers', error_chain: [{ code: 6106, message: `Unsupported Content-Type: ${contentType.slice(0, 80)}; a direct upload is multipart/form-data` }] }])
  },
  /** An upload with no file in it. */
  emptyUpload (): MockError {
    return new MockError(400, [{ code: 10400, message: 'The upload holds no file: POST the video as multipart/form-data' }])
  },
  /** A delivery url the mock does not serve (playback manifests, the preview page). */
  notServed (what: string): MockError {
    return new MockError(404, [{ code: 10404, message: `${what} is out of the mock's scope: not served` }])
  },
  mediaNotReady (): MockError {
    return new MockError(404, [{ code: 10003, message: 'Download not found or not ready' }])
  },
  rangeNotSatisfiable (size: number): MockError {
    return new MockError(416, [{ code: 10416, message: 'Requested range not satisfiable' }], { 'content-range': `bytes */${size}` })
  },
  // ---- Signed URLs, signing keys, webhooks (mock's choices where Cloudflare documents none) ----

  /** A media url whose token is refused: malformed, expired, not yet valid, revoked, badly signed, or for another video. */
  signedTokenRefused (reason: string): MockError {
    return new MockError(401, [{ code: 10401, message: `Signed URL token refused: ${reason}` }])
  },
  /** A plain-id media url of a video with requireSignedURLs. */
  signedUrlRequired (): MockError {
    return new MockError(401, [{ code: 10401, message: 'This video requires a signed URL token in place of its id' }])
  },
  /** A valid token without `downloadable` on a download url. */
  tokenNotDownloadable (): MockError {
    return new MockError(403, [{ code: 10403, message: 'The signed URL token does not allow downloads (no downloadable claim)' }])
  },
  /** A valid token whose access rules block the client. */
  accessRuleBlocked (): MockError {
    return new MockError(403, [{ code: 10403, message: 'The signed URL token\'s access rules block this client' }])
  },
  /** Past the API rate limit (MOCK_RATE_LIMIT=on): Cloudflare's 429 and code 971, with Retry-After. */
  rateLimited (retryAfterS: number): MockError {
    return new MockError(429, [{ code: 971, message: 'Please wait and consider throttling your request speed' }], { 'retry-after': String(retryAfterS) })
  },
  /** `DELETE /keys/{id}` of a key the account does not hold. */
  signingKeyNotFound (): MockError {
    return new MockError(404, [{ code: 10003, message: 'Signing key not found' }])
  },
  /** A bound of signing keys or webhook subscriptions reached; the message names it. */
  signingBoundReached (message: string): MockError {
    return new MockError(409, [{ code: 10409, message }])
  },

  /** The error for a status with no more specific catalogue entry (used for faults and framework errors). */
  forStatus (statusCode: number, message?: string): MockError {
    const generic = GENERIC_ERRORS[statusCode] ?? { code: 10000 + statusCode, message: message ?? `HTTP ${statusCode}` }
    return new MockError(statusCode, [{ code: generic.code, message: message ?? generic.message }])
  },
  internal (): MockError {
    return Errors.forStatus(500)
  },

  // ---- Forced answers: fault rules and Prefer ----

  /** The answer a fault rule or a `Prefer: code=` header forces: the rule's errors, else the catalogue's for the status. */
  forced (statusCode: number, headers: Record<string, string> = {}, errors?: CloudflareErrorItem[]): MockError {
    return new MockError(statusCode, errors ?? Errors.forStatus(statusCode).errors, headers)
  },

  // ---- The admin API (the mock's own: no Cloudflare counterpart) ----

  /** An admin request without the right X-Mock-Admin-Token; the admin API is not shown to it. */
  adminTokenRequired (): MockError {
    return new MockError(401, [{ code: 10401, message: 'The admin API needs the X-Mock-Admin-Token header with the configured MOCK_ADMIN_TOKEN' }])
  },
  /** A path or method under the admin prefix that no admin route serves. */
  noAdminRoute (method: string, path: string): MockError {
    return Errors.forStatus(404, `No admin route ${method} ${path}; see ${ADMIN_PREFIX}/openapi.json`)
  },
  /**
   * Invalid fields of an admin request, one error each (`body.ms: must be >= 0`): the schema's
   * findings, or a change the domain refused naming its field. Never without an error.
   */
  invalidInput (...fields: FieldProblem[]): MockError {
    if (fields.length === 0) return Errors.forStatus(400)
    return new MockError(400, fields.map(({ field, problem }) => ({ code: 10400, message: `${field}: ${problem}` })))
  },
  /** A fixture document sent to the admin API (or a body) with a problem, named as in a fixture file. */
  invalidDocument ({ file, jsonPath, problem }: DocumentProblem): MockError {
    return Errors.forStatus(400, `${file}: ${jsonPath}: ${problem}`)
  },
  /** A reset whose fixture files no longer load: the request is fine, the files are not; nothing changed. */
  resetRefused ({ file, jsonPath, problem }: DocumentProblem): MockError {
    return Errors.forStatus(409, `reset refused, nothing changed: the fixtures no longer load: ${file}: ${jsonPath}: ${problem}`)
  },
  /** A change refused because what it changes does not exist; the message names it. */
  targetNotFound (message: string): MockError {
    return Errors.forStatus(404, message)
  },
  /** A change refused because a bound is reached (videos, account clocks, fault rules); the message names it. */
  boundReached (message: string): MockError {
    return Errors.forStatus(409, message)
  },
  /** An admin request on a video that does not exist. */
  noVideo (video: string): MockError {
    return Errors.targetNotFound(`no video ${video}`)
  },
  /** A video created (POST) with an id that exists. */
  videoExists (video: string): MockError {
    return Errors.forStatus(409, `video ${video} exists; PUT ${ADMIN_PREFIX}/videos/${video} replaces it`)
  },
  /** Deleting a download the video does not have. */
  noDownload (video: string, type: string): MockError {
    return Errors.targetNotFound(`video ${video} has no ${type} download`)
  },
  /**
   * A wait-until whose condition did not come to hold in time. A 408, as a request that timed
   * out, with `x-should-retry: false`, which the Stainless SDKs (Cloudflare's) read before they
   * retry a 408: a wait that timed out is an answer, not a failure to try again.
   */
  waitTimedOut (timeoutMs: number, condition: string): MockError {
    return new MockError(408, [{ code: 10408, message: `wait timed out after ${timeoutMs} ms: no ${condition}` }], { 'x-should-retry': 'false' })
  },
  /** A wait-until or event stream ended because the server is closing. */
  closing (): MockError {
    return Errors.forStatus(503, 'the mock server is closing')
  },
  /** Deleting a fault rule that does not exist (any more). */
  noFaultRule (id: string): MockError {
    return Errors.targetNotFound(`No fault rule ${id}`)
  }
} as const
