/**
 * Runs one task debounced and strictly one at a time. Editors save in bursts (write, rename, format
 * on save) and every bundler reports each file event, sometimes once per environment: collapsing
 * them and never overlapping two runs is what keeps one schema change from becoming two migrations.
 */
export class SerialDebouncer {
  private timer: NodeJS.Timeout | undefined
  /** The last run started or queued; every new run chains after it. */
  private tail: Promise<void> = Promise.resolve()
  /** A run is queued behind the current one and has not started: later requests join it. */
  private queued: Promise<void> | undefined
  private stopped = false

  constructor(
    private readonly task: () => Promise<void>,
    private readonly delayMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Run after `delayMs` of quiet; each call restarts the wait. */
  schedule(): void {
    if (this.stopped) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.enqueue()
    }, this.delayMs)
  }

  /** Run as soon as the current run (if any) is done, without waiting for quiet. */
  runNow(): Promise<void> {
    this.cancelTimer()
    return this.enqueue()
  }

  /**
   * Wait until nothing is pending or running. A waiting debounce is run at once: whoever flushes (a
   * rebuild, the virtual module) needs the result now, and the burst it waited for is over.
   */
  async flush(): Promise<void> {
    for (;;) {
      if (this.timer !== undefined) void this.runNow()
      const tail = this.tail
      await tail
      if (tail === this.tail && this.timer === undefined) return
    }
  }

  /**
   * Run `fn` in the same one-at-a-time chain as the task, without debounce (a person's answer from
   * the dev page must not overlap a run started by a save). Its result or error is the caller's.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn)
    this.tail = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  stop(): void {
    this.stopped = true
    this.cancelTimer()
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private enqueue(): Promise<void> {
    if (this.stopped) return this.tail
    if (this.queued !== undefined) return this.queued
    const run = this.tail.then(async () => {
      // From here on a new request must queue a fresh run: this one may already have read the files.
      this.queued = undefined
      if (this.stopped) return
      try {
        await this.task()
      } catch (error) {
        this.onError(error)
      }
    })
    this.queued = run
    this.tail = run
    return run
  }
}
