/**
 * The plugin's options (SPEC §6) and the one place where their defaults are decided. Defaults depend
 * on whether the bundler is building once or watching, which is only known once the bundler starts,
 * so resolution is a function of that mode rather than a constant object.
 */
import { AutoMigrationsError } from '../errors.js'
import type { ProjectSession } from '../build/project/session.js'

/** What to do when the table classes differ from what the migrations describe. */
export type OnDiff = 'error' | 'warn' | 'emit'

export interface Options {
  /**
   * The registry file, relative to the project root (Vite's `root`, webpack's and rspack's `context`,
   * esbuild's `absWorkingDir`, otherwise the working directory).
   * @default 'migrations.config.ts' (also found as `.mts`, `.js`, `.mjs`)
   */
  config?: string
  /**
   * `'error'` fails the build, `'warn'` warns, `'emit'` writes the missing migrations.
   * Broken history (duplicate IDs, a migration that throws, a missing dependency) fails a build
   * whatever this says. In dev and watch mode nothing ever stops the dev server or the watcher:
   * problems are reported instead.
   *
   * esbuild does not tell plugins whether it is watching, so with `context().watch()` (or
   * `tsup --watch`) pass `onDiff: 'emit'` and `apply: true` yourself.
   * @default 'error' in builds, 'emit' in dev (`vite dev`) and every bundler's watch mode
   */
  onDiff?: OnDiff
  /**
   * Apply each migration the plugin writes to the dev database as soon as it is written.
   * @default true in dev and watch mode, false in builds
   */
  apply?: boolean
  /**
   * Let dev mode write destructive changes (dropping a table or column, narrowing a type, dropping
   * an enum value) without asking. When false they are held and reported with the command that
   * writes them after confirmation.
   * @default false
   */
  allowDestructive?: boolean
  /**
   * Dev mode: fold a change into the migration this dev server wrote just before, instead of writing
   * another one, while git does not track that file yet (it is reversed on the dev database, rewritten
   * with the same ID and applied again). No git repository: never.
   * @default true
   */
  amend?: boolean
  /**
   * The id that imports the runner with every migration bundled. It works as is in all six
   * bundlers: webpack 5 would reject a `scheme:` id (UnhandledSchemeError) before any plugin could
   * resolve it, so under webpack and rspack the plugin rewrites the request in the module factory's
   * `beforeResolve` hook, which runs first. Types for the default id ship as
   * `unplugin-auto-migrations/client`; with another id, declare the module yourself.
   * @default 'virtual:auto-migrations'
   */
  virtualModuleId?: string
  /**
   * Vitest serves the project's Vite config (a dev server) to run tests. There the plugin stands
   * still by default: it serves the virtual module and nothing else; no diff, no migration file, no
   * dev database, no overlay. Set this to run the dev behaviour under Vitest too (a test that starts
   * a dev server on purpose). Vitest is recognised by `process.env.VITEST`, which it sets.
   * @default false
   */
  runInVitest?: boolean
}

export interface ResolvedOptions {
  /** Absolute or root-relative registry path; undefined lets the session look for the default names. */
  config: string | undefined
  onDiff: OnDiff
  apply: boolean
  allowDestructive: boolean
  amend: boolean
  virtualModuleId: string
  /** True in dev servers and watch mode: never fail, write migrations as files change. */
  watchMode: boolean
}

/** Vitest sets `VITEST` in its own process and in its workers, before it serves the Vite config. */
export function underVitest(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.VITEST !== undefined && env.VITEST !== '' && env.VITEST !== 'false'
}

export const DEFAULT_VIRTUAL_MODULE_ID = 'virtual:auto-migrations'
export const RUNTIME_MODULE_ID = 'unplugin-auto-migrations/runtime'

const ON_DIFF_VALUES: readonly OnDiff[] = ['error', 'warn', 'emit']

export function resolveOptions(options: Options | undefined, context: { watchMode: boolean }): ResolvedOptions {
  const given = options ?? {}
  if (given.onDiff !== undefined && !ON_DIFF_VALUES.includes(given.onDiff)) {
    throw new AutoMigrationsError(
      'USAGE',
      `Invalid plugin option onDiff: ${JSON.stringify(given.onDiff)}. Use 'error', 'warn' or 'emit'.`,
    )
  }
  const virtualModuleId = given.virtualModuleId ?? DEFAULT_VIRTUAL_MODULE_ID
  if (virtualModuleId.trim() === '' || virtualModuleId.startsWith('\0')) {
    throw new AutoMigrationsError(
      'USAGE',
      `Invalid plugin option virtualModuleId: ${JSON.stringify(virtualModuleId)}. Use an import specifier such as 'virtual:auto-migrations'.`,
    )
  }
  return {
    config: given.config,
    onDiff: given.onDiff ?? (context.watchMode ? 'emit' : 'error'),
    // Only a watcher applies by default: a one-off build must never touch a database it was not asked to.
    apply: given.apply ?? context.watchMode,
    allowDestructive: given.allowDestructive ?? false,
    amend: given.amend ?? true,
    virtualModuleId,
    watchMode: context.watchMode,
  }
}

/**
 * Test seams, deliberately absent from the public `Options` type: the plugin's plumbing is tested in
 * every bundler before (and independently of) the real project session, and with a stand-in runtime so the
 * bundled output can be run and inspected.
 */
export interface InternalOptions extends Options {
  __openSession?: (options: { root: string; configFile?: string }) => Promise<ProjectSession>
  __runtimeId?: string
  /** Milliseconds to wait for more file changes before re-diffing. */
  __debounceMs?: number
}

export function internalOptions(options: Options | undefined): InternalOptions {
  // The seams travel inside the user-facing object; reading them needs a widening, not a cast to any.
  return (options ?? {}) as InternalOptions
}
