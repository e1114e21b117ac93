/**
 * Signed URLs with the JOSE library (`jose`): signing keys made by the mock (RSA 2048, off the
 * event loop), tokens signed RS256 with a `kid` header, and their verification. The claims are
 * the domain's (domain/signed-tokens.ts); the keys are the store's (store/signing-keys.ts).
 */
import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto'
import { promisify } from 'node:util'
import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose'
import { MAX_TOKEN_LENGTH, checkClaims, type ClaimsCheck } from '../domain/signed-tokens.js'
import type { StoredSigningKey, TokenKey } from '../schemas/signing.js'
import type { DownloadStore } from '../store/download-store.js'

const generateRsa = promisify(generateKeyPair)

/** A key made for a client: what `POST /keys` shows once, and what the store keeps. */
export interface MadeKey {
  id: string
  /** The private key, PKCS#1 PEM, base64 (as Cloudflare answers it). */
  pem: string
  /** The private key as a JWK with `kid` and `alg`, JSON, base64. */
  jwk: string
  stored: StoredSigningKey
}

/** A new key id: 32 lowercase hex characters, as Cloudflare's. */
export function newKeyId (): string {
  return randomBytes(16).toString('hex')
}

/** Makes an RSA signing key (2048 bits, in libuv's pool: the event loop serves meanwhile). */
export async function makeSigningKey (created: string): Promise<MadeKey> {
  const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 })
  const id = newKeyId()
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: id, alg: 'RS256' }
  return {
    id,
    pem: Buffer.from(privateKey.export({ format: 'pem', type: 'pkcs1' }) as string).toString('base64'),
    jwk: Buffer.from(JSON.stringify(jwk)).toString('base64'),
    stored: { created, n: jwk.n as string, e: jwk.e as string }
  }
}

/** Makes the mock's own token key (PKCS#8 PEM, kept in the data file). */
export async function makeTokenKey (): Promise<TokenKey> {
  const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 })
  return { id: newKeyId(), pem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string }
}

/** Signs claims RS256 with a `kid` header; the claims are taken as given (numeric strings stay strings). */
export async function signClaims (claims: Record<string, unknown>, kid: string, key: KeyObject): Promise<string> {
  return await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'RS256', kid })
    .sign(key)
}

/**
 * A client's private key from `POST /token`'s `pem` (base64 of a PEM, as `POST /keys` gives
 * it; a bare PEM is taken too); undefined when it is not an RSA private key.
 */
export function clientPrivateKey (pem: string): KeyObject | undefined {
  const text = pem.includes('-----BEGIN') ? pem : Buffer.from(pem, 'base64').toString('utf8')
  try {
    const key = createPrivateKey(text)
    return key.asymmetricKeyType === 'rsa' ? key : undefined
  } catch {
    return undefined
  }
}

/**
 * The verifier of tokens over a store's keys: public keys are made once per stored key and
 * forgotten with it (a WeakMap on the stored record), so a deleted key verifies nothing.
 */
export class TokenVerifier {
  private readonly store: DownloadStore
  private readonly publicKeys = new WeakMap<object, KeyObject>()

  constructor (store: DownloadStore) {
    this.store = store
  }

  /** The mock's own token key, made on first use (one at a time) and kept. */
  private tokenKeyMaking: Promise<TokenKey> | undefined
  async tokenKey (): Promise<{ id: string, key: KeyObject }> {
    let stored = this.store.signing.tokenKey
    if (stored === undefined) {
      this.tokenKeyMaking ??= makeTokenKey().then((made) => {
        this.store.signing.setTokenKey(made)
        return made
      }).finally(() => { this.tokenKeyMaking = undefined })
      stored = await this.tokenKeyMaking
    }
    return { id: stored.id, key: this.privateOf(stored) }
  }

  private privateOf (stored: TokenKey): KeyObject {
    let key = this.publicKeys.get(stored)
    if (key === undefined) this.publicKeys.set(stored, key = createPrivateKey(stored.pem))
    return key
  }

  /** The public half of the mock's token key. */
  private readonly tokenPublicKeys = new WeakMap<TokenKey, KeyObject>()
  private publicOf (stored: TokenKey): KeyObject {
    let key = this.tokenPublicKeys.get(stored)
    if (key === undefined) this.tokenPublicKeys.set(stored, key = createPublicKey(this.privateOf(stored)))
    return key
  }

  /** The public key of `kid` and the account that holds it (undefined for the mock's own key), or undefined: unknown or deleted. */
  private keyOf (kid: string): { key: KeyObject, account: string | undefined } | undefined {
    const tokenKey = this.store.signing.tokenKey
    if (tokenKey !== undefined && tokenKey.id === kid) return { key: this.publicOf(tokenKey), account: undefined }
    const found = this.store.signing.findKey(kid)
    if (found === undefined) return undefined
    let key = this.publicKeys.get(found.key)
    if (key === undefined) this.publicKeys.set(found.key, key = createPublicKey({ key: { kty: 'RSA', n: found.key.n, e: found.key.e }, format: 'jwk' }))
    return { key, account: found.account }
  }

  /**
   * Verifies a token taken in place of a video id: its form, its key (known, not deleted, of the
   * video's account), its RS256 signature, then its claims at the wall time (the store's wall
   * clock: clients sign with real time, so stepping a mock clock expires no token).
   */
  async verify (token: string): Promise<ClaimsCheck> {
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' }
    let kid: unknown
    try {
      const header = decodeProtectedHeader(token)
      if (header.alg !== 'RS256') return { ok: false, reason: 'malformed' }
      kid = header.kid
    } catch {
      return { ok: false, reason: 'malformed' }
    }
    if (typeof kid !== 'string') return { ok: false, reason: 'malformed' }
    const signer = this.keyOf(kid)
    if (signer === undefined) return { ok: false, reason: 'revoked' }
    let payload: unknown
    try {
      const verified = await compactVerify(token, signer.key, { algorithms: ['RS256'] })
      payload = JSON.parse(new TextDecoder().decode(verified.payload))
    } catch (error) {
      return { ok: false, reason: (error as { code?: string }).code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'bad signature' : 'malformed' }
    }
    const sub = (payload as { sub?: unknown } | null)?.sub
    const video = typeof sub === 'string' ? this.store.videoById(sub) : undefined
    // A key of one account signs only that account's videos; the mock's key signs any.
    if (video === undefined || (signer.account !== undefined && signer.account !== video.account)) {
      const check = checkClaims(payload, kid, 0)
      return { ok: false, reason: !check.ok && check.reason === 'malformed' ? 'malformed' : 'wrong video' }
    }
    return checkClaims(payload, kid, Math.floor(this.store.wallMs() / 1000))
  }
}
