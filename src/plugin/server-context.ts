/**
 * What the plugin core needs from a dev server, and nothing more. Vite implements it
 * (./vite-server.ts); the core never imports Vite, so it runs the same under every bundler and a
 * test can stand in for the server.
 */

/** Where terminal lines go: the dev server's logger, or the console for plain watchers. */
export interface Terminal {
  info(line: string): void
  warn(message: string): void
  error(message: string): void
}

export interface OverlayProblem {
  message: string
  /** The file the problem is about (a table's source file, a migration), shown by the overlay. */
  id?: string
}

export interface ServerContext extends Terminal {
  /**
   * Show a problem in the browser's error overlay, now and to every browser that connects later;
   * `null` forgets it once it is resolved.
   */
  showError(problem: OverlayProblem | null): void
  /** The list of migrations changed: update the virtual module where it is loaded, through HMR. */
  updateVirtualModule(): void
  /** Watch files that the server does not watch by itself (those outside its root). */
  watch(files: readonly string[]): void
  /** Where the dev page is served (a full URL once the server listens), for messages that point at it. */
  devPageUrl?(): string
}

export const PLUGIN_NAME = 'unplugin-auto-migrations'

/** Terminal for bundlers without a logger of their own that a plugin can reach outside a hook. */
export const consoleTerminal: Terminal = {
  info: (line) => console.info(`[auto-migrations] ${line}`),
  warn: (message) => console.warn(`[auto-migrations] ${message}`),
  error: (message) => console.error(`[auto-migrations] ${message}`),
}
