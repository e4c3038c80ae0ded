/**
 * Rename detection. A table or column that disappears while another appears may be a rename; only a
 * person (or an explicit hint) can tell. The differ asks by returning questions; a caller with a
 * terminal answers them and diffs again, a caller without one reports them as ambiguous.
 */
export interface RenameQuestion {
  kind: 'table' | 'column'
  app: string
  /** Table class name (the new one, for a table rename). */
  table: string
  from: string
  to: string
  /** Stable key used for answers and hints. */
  key: string
  /** Piccolo's wording: Did you rename column "title" to "name" on table Post? (y/N) */
  text: string
}

export interface RenameAnswers {
  accepted: Set<string>
  declined: Set<string>
}

export const emptyAnswers = (): RenameAnswers => ({ accepted: new Set(), declined: new Set() })

export function tableRenameKey(app: string, from: string, to: string): string {
  return `table:${app}:${from}->${to}`
}

export function columnRenameKey(app: string, table: string, from: string, to: string): string {
  return `column:${app}:${table}:${from}->${to}`
}

export function tableQuestion(app: string, from: string, to: string): RenameQuestion {
  return {
    kind: 'table',
    app,
    table: to,
    from,
    to,
    key: tableRenameKey(app, from, to),
    text: `Did you rename table ${from} to ${to}? (y/N)`,
  }
}

export function columnQuestion(app: string, table: string, from: string, to: string): RenameQuestion {
  return {
    kind: 'column',
    app,
    table,
    from,
    to,
    key: columnRenameKey(app, table, from, to),
    text: `Did you rename column "${from}" to "${to}" on table ${table}? (y/N)`,
  }
}

/**
 * Pairs removed and added items. `decide` says for one pair: 'rename', 'no' or 'ask' (unanswered).
 * An added item whose first undecided candidate is unanswered becomes a question, and both sides are
 * held back (neither dropped nor added) until it is answered.
 */
export function pairRenames<T>(
  removed: T[],
  added: T[],
  candidate: (from: T, to: T) => boolean,
  decide: (from: T, to: T) => 'rename' | 'no' | 'ask',
): { renames: [T, T][]; asked: [T, T][]; removed: T[]; added: T[] } {
  const freeRemoved = [...removed]
  const renames: [T, T][] = []
  const asked: [T, T][] = []
  const stillAdded: T[] = []
  // Confirmed renames (hints, answers) first, so they are never asked about as something else.
  const open: T[] = []
  for (const to of added) {
    const from = freeRemoved.find((f) => candidate(f, to) && decide(f, to) === 'rename')
    if (from === undefined) open.push(to)
    else {
      freeRemoved.splice(freeRemoved.indexOf(from), 1)
      renames.push([from, to])
    }
  }
  for (const to of open) {
    let matched = false
    for (const from of freeRemoved) {
      if (!candidate(from, to)) continue
      const answer = decide(from, to)
      if (answer === 'no') continue
      freeRemoved.splice(freeRemoved.indexOf(from), 1)
      ;(answer === 'rename' ? renames : asked).push([from, to])
      matched = true
      break
    }
    if (!matched) stillAdded.push(to)
  }
  return { renames, asked, removed: freeRemoved, added: stillAdded }
}
