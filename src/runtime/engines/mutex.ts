/**
 * A small FIFO mutex with an acquire timeout. Used where one connection or one PGlite backend is
 * shared in-process: the embedded database's migration lock (advisory locks exclude nothing when
 * there is a single backend) and the serialisation of a user-passed `pg.Client`.
 */
export class Mutex {
  #locked = false
  readonly #waiters: Array<() => void> = []

  get locked(): boolean {
    return this.#locked
  }

  /**
   * Resolves to a release function once the mutex is ours. With `timeoutMs`, resolves to
   * `undefined` instead when it could not be had in time (the caller turns that into its own error).
   */
  acquire(timeoutMs?: number): Promise<(() => void) | undefined> {
    if (!this.#locked) {
      this.#locked = true
      return Promise.resolve(this.#releaser())
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const waiter = (): void => {
        if (timer) clearTimeout(timer)
        resolve(this.#releaser())
      }
      this.#waiters.push(waiter)
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const index = this.#waiters.indexOf(waiter)
          if (index >= 0) this.#waiters.splice(index, 1)
          resolve(undefined)
        }, timeoutMs)
      }
    })
  }

  /** Runs `fn` while holding the mutex (no timeout). */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = (await this.acquire()) as () => void
    try {
      return await fn()
    } finally {
      release()
    }
  }

  #releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.#waiters.shift()
      // Hand the mutex straight to the next waiter, so that no newcomer can slip in between.
      if (next) next()
      else this.#locked = false
    }
  }
}
