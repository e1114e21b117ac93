import type { FastifyInstance, InjectOptions } from 'fastify'
import { contractProblems } from './contract.js'

interface TapLike { same: (found: unknown, wanted: unknown, message: string) => unknown }

export interface ApiResponse<T = any> {
  statusCode: number
  headers: Record<string, string | string[] | number | undefined>
  body: T
}

/**
 * Sends a request to the Cloudflare surface with `app.inject` and checks the body against the
 * contract (an assertion on `t`), so every test that calls the API also tests the contract.
 */
export async function api<T = any> (t: TapLike, app: FastifyInstance, options: InjectOptions & { method: string, url: string }): Promise<ApiResponse<T>> {
  const response = await app.inject(options)
  const body = response.body === '' ? undefined : response.json()
  if (options.method !== 'HEAD') {
    t.same(contractProblems(options.method, options.url, response.statusCode, body), [], `${options.method} ${options.url} -> ${response.statusCode} matches the contract`)
  }
  return { statusCode: response.statusCode, headers: response.headers, body: body as T }
}
