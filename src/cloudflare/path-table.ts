import FindMyWay from 'find-my-way'

/** The one method every path is filed under in the table's router: the table keeps the real ones. */
const FILED_UNDER = 'GET'

/** What the table knows of a concrete url: the methods its path has, and the path's parameters. */
export interface PathMatch {
  allowed: readonly string[]
  params: Record<string, string | undefined>
}

/**
 * The surface's paths and the methods each has, filled by an `onRoute` hook (routes.ts) as the
 * routes are registered: the not-found handler looks a request up here to answer a method that a
 * known path lacks with a 405 and its Allow (not-found.ts), instead of a route per wrong method.
 *
 * The paths are matched by find-my-way, Fastify's own router, with Fastify's defaults (the app
 * sets no router options), so a url matches here exactly when it would match a route of the same
 * path, its parameters decoded the same way. One router entry a path, whatever its methods: the
 * app's router needs one a method.
 */
export class PathTable {
  private readonly router = FindMyWay({ ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, caseSensitive: true, maxParamLength: 100 })
  private readonly methods = new Map<string, string[]>()

  /** Files a route: its path (Fastify's syntax) and its method or methods, in registration order. */
  add (path: string, method: string | readonly string[]): void {
    let allowed = this.methods.get(path)
    if (allowed === undefined) {
      allowed = []
      this.methods.set(path, allowed)
      this.router.on(FILED_UNDER, path, () => {}, allowed)
    }
    for (const one of typeof method === 'string' ? [method] : method) {
      if (!allowed.includes(one)) allowed.push(one)
    }
  }

  /** The path a request url (query string and all) matches, or undefined. */
  find (url: string): PathMatch | undefined {
    const found = this.router.find(FILED_UNDER, url)
    if (found === null) return undefined
    return { allowed: found.store as string[], params: found.params }
  }
}
