/**
 * The project façade: what the plugin and the CLI need from the build code, in product words. The plugin
 * only talks to this interface (it never reaches into the differ or the loader directly).
 */
import type { AutoMigrationsError } from '../../errors.js'
import type { MigrationHeader } from '../../core/operations/migration.js'

/** `needs-value`: a new NOT NULL column without a default on an existing table (see one-off.ts). */
export type ChangeKind = 'change' | 'ambiguous' | 'destructive' | 'needs-value'

export interface ChangeReport {
  app: string
  kind: ChangeKind
  /** Table class name, when the change is about one table. */
  table?: string
  /** Source file that declares the table (for "points at the table's source file"). */
  file?: string
  /**
   * One line, without the kind (which `kind` carries): "add column Post.views",
   * "did you rename column Post.title to Post.name?" (ambiguous), "drop column Post.body" (destructive).
   */
  description: string
  /** The command that resolves it: "npx auto-migrations new blog --auto". */
  fix: string
}

export interface CheckResult {
  /** True when every app is migrated and history is sound. */
  ok: boolean
  changes: ChangeReport[]
  /** Broken history: duplicate IDs, a migration that throws, a missing dependency… */
  errors: AutoMigrationsError[]
  /** Every file the result depends on (config, app files, table files and what they import, migrations). */
  watchFiles: string[]
  /**
   * True when nothing the last clean check read has changed since, so that its verdict was given
   * again without loading anything (see project/verdict-cache.ts).
   */
  unchanged?: boolean
  /**
   * What does not fail a check but is likely a mistake, one line each, without a "warning:" label:
   * a table class exported from an app's files that no app registers.
   */
  warnings?: string[]
}

export interface WrittenMigration {
  app: string
  id: string
  file: string
  /** One line per operation; for an amended migration, what changed in it (`+ add column Post.summary`). */
  lines: string[]
  /** Set when an earlier migration of this dev server was rewritten (or removed: nothing was left in it). */
  amended?: 'rewritten' | 'removed'
}

export interface EmitResult {
  written: WrittenMigration[]
  /** Changes not written: ambiguous renames, destructive changes without confirmation. */
  held: ChangeReport[]
  errors: AutoMigrationsError[]
  watchFiles: string[]
  /** As in `CheckResult`. */
  warnings?: string[]
}

/** What answering a waiting change from the dev page wrote (and applied). */
export interface AnswerResult {
  written: WrittenMigration[]
  errors: AutoMigrationsError[]
}

/** A migration file, for the virtual module: static imports in dependency and ID order. */
export type MigrationEntry = Pick<MigrationHeader, 'app' | 'id' | 'file' | 'dependsOn' | 'replaces'> & {
  /** Every app `app` depends on, directly or not. */
  dependencies?: string[]
}
