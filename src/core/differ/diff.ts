/**
 * The differ: compares the snapshot that an app's migrations describe with the snapshot of its table
 * classes, and returns the operations that turn one into the other, in an order Postgres accepts.
 * What changed is found in detect.ts, the order in order.ts. Pure: no I/O, no prompts (rename
 * questions are returned, see renames.ts).
 */
import type { Operation } from '../operations/index.js'
import type { SnapshotData } from '../state/snapshot.js'
import { detectChanges } from './detect.js'
import type { RenameHints } from './hints.js'
import { orderOperations } from './order.js'
import { emptyAnswers, type RenameAnswers, type RenameQuestion } from './renames.js'

export { orderedParams } from './detect.js'

export interface DiffOptions {
  /** Rename hints from the model (`renamedFrom`) and the CLI (`--rename`): taken without asking. */
  hints?: RenameHints
  /** Answers to earlier questions. */
  answers?: RenameAnswers
  /** Write destructive operations instead of holding them back. */
  allowDestructive?: boolean
}

export interface AppDiff {
  app: string
  /** What to write, in order. */
  operations: Operation[]
  /** Possible renames nobody has answered: nothing is written for either side. */
  questions: RenameQuestion[]
  /** Destructive operations held back (not in `operations`) because they were not allowed. */
  held: Operation[]
}

/**
 * Diffs one app. `from` is the replayed snapshot, `to` the model's; both may hold every app (foreign
 * keys are resolved across apps) but only `app`'s tables and enums are compared.
 */
export function diffApp(from: SnapshotData, to: SnapshotData, app: string, options: DiffOptions = {}): AppDiff {
  const hints = options.hints ?? { tables: new Map(), columns: new Map() }
  const detected = detectChanges(from, to, app, hints, options.answers ?? emptyAnswers())
  // Held operations are ordered with the others: what is written stays in the order it would have with them.
  const all = orderOperations(detected.planned, detected.inUse)
  const operations = options.allowDestructive ? all : all.filter((o) => !o.destructive)
  const held = options.allowDestructive ? [] : all.filter((o) => o.destructive)
  return { app, operations, questions: detected.questions, held }
}
