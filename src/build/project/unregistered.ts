/**
 * Table classes an app's files export but no app registers: a class left out of `tables` is
 * silently not migrated, so loading a project warns about it (never an error: the file may export
 * it on purpose). Read from the source text, as `TableFiles` finds a table's file: the loaded
 * bundle only exposes the app files' default exports.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { LoadedProject } from '../loader/project.js'

export interface UnregisteredTable {
  className: string
  /** The file that exports it. */
  file: string
  /** The app file whose module graph holds that file (the first app, in registry order). */
  appFile: string
}

/** Every class declaration with a base: exported or not, abstract or not (all may be bases). */
const CLASS = /^[ \t]*(export\s+(?:default\s+)?)?(abstract\s+)?class\s+([\w$]+)\s+extends\s+([\w$.]+)/gm

/**
 * Exported, non-abstract classes that extend `Table` (directly or through another class declared
 * in the app's files) and are in no app's `tables`, in app and file order.
 */
export async function unregisteredTables(project: LoadedProject): Promise<UnregisteredTable[]> {
  const registered = new Set(project.registry.apps.flatMap((a) => a.tables.map((t) => t.name)))
  const seen = new Set<string>()
  const found: UnregisteredTable[] = []
  for (const app of project.registry.apps) {
    const appFile = project.appFiles.get(app.name)
    if (appFile === undefined) continue
    const files = (project.dependencies.get(app.name) ?? []).filter(
      (f) => !seen.has(f) && !f.split(path.sep).includes('node_modules'),
    )
    const declared: { className: string; base: string; file: string; warn: boolean }[] = []
    for (const file of files) {
      seen.add(file)
      const text = await readFile(file, 'utf8').catch(() => '')
      for (const m of text.matchAll(CLASS))
        declared.push({ className: m[3]!, base: m[4]!, file, warn: m[1] !== undefined && m[2] === undefined })
    }
    const tables = new Set<string>()
    // Bases first or not: repeat until no class joins (a chain through other declared classes).
    for (let grew = true; grew; ) {
      grew = false
      for (const d of declared) {
        if (tables.has(d.className)) continue
        if (d.base === 'Table' || d.base.endsWith('.Table') || tables.has(d.base)) {
          tables.add(d.className)
          grew = true
        }
      }
    }
    // A base other table classes extend is exported to be extended, not registered.
    const bases = new Set(declared.map((d) => d.base))
    for (const d of declared) {
      if (d.warn && tables.has(d.className) && !registered.has(d.className) && !bases.has(d.className))
        found.push({ className: d.className, file: d.file, appFile })
    }
  }
  return found
}

/** The warning for one such class, with what to do (paths relative to `root`). */
export function unregisteredWarning(table: UnregisteredTable, root: string): string {
  const rel = (file: string) => path.relative(root, file) || file
  return (
    `table class ${table.className} exported from ${rel(table.file)} is in no app's tables, so it is not migrated: ` +
    `add it to tables in ${rel(table.appFile)}, or stop exporting it`
  )
}
