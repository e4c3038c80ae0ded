/** Postgres enum types: add, alter (add, remove or reorder values), drop. */
import { AutoMigrationsError } from '../../errors.js'
import { columnType, defaultSql, derivedName, foreignKeyTarget, referencesSql, tableName } from '../postgres/ddl.js'
import { qualifiedName, quoteIdent, quoteLiteral } from '../postgres/quote.js'
import { type ColumnSnapshot, type SchemaState, type TableSnapshot, tableKey } from '../state/snapshot.js'
import { Operation, type Step, sqlStep } from './operation.js'

export interface EnumParams {
  name: string
  /** Omitted: 'public'. */
  schema?: string
  values: string[]
}

export interface AlterEnumParams extends EnumParams {
  oldValues: string[]
}

function requireEnum(state: SchemaState, app: string, name: string, operation: string) {
  const found = state.findEnum(app, name)
  if (!found) {
    throw new AutoMigrationsError(
      'REPLAY_FAILED',
      `${operation}: enum "${name}" of app "${app}" does not exist at this point of the history.`,
      { app },
    )
  }
  return found
}

export class AddEnum extends Operation<EnumParams> {
  readonly kind = 'addEnum' as const
  apply(state: SchemaState): void {
    if (state.findEnum(this.app, this.params.name)) {
      throw new AutoMigrationsError(
        'REPLAY_FAILED',
        `addEnum: enum "${this.params.name}" of app "${this.app}" already exists.`,
        { app: this.app },
      )
    }
    state.enums.set(tableKey(this.app, this.params.name), {
      app: this.app,
      name: this.params.name,
      schema: this.params.schema ?? 'public',
      values: [...this.params.values],
    })
  }
  toSql(): Step[] {
    const schema = this.params.schema ?? 'public'
    return [
      ...(schema === 'public' ? [] : [sqlStep(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`)]),
      sqlStep(
        `CREATE TYPE ${qualifiedName(schema, this.params.name)} AS ENUM (${this.params.values.map(quoteLiteral).join(', ')})`,
      ),
    ]
  }
  reverse(): Operation {
    return new DropEnum(this.app, this.params)
  }
  describe(): string {
    return `add enum ${this.params.name} (${this.params.values.join(', ')})`
  }
}

export class DropEnum extends Operation<EnumParams> {
  readonly kind = 'dropEnum' as const
  apply(state: SchemaState): void {
    requireEnum(state, this.app, this.params.name, 'dropEnum')
    state.enums.delete(tableKey(this.app, this.params.name))
  }
  toSql(state: SchemaState): Step[] {
    const e = requireEnum(state, this.app, this.params.name, 'dropEnum')
    return [sqlStep(`DROP TYPE ${qualifiedName(e.schema, e.name)}`)]
  }
  reverse(): Operation {
    return new AddEnum(this.app, this.params)
  }
  describe(): string {
    return `drop enum ${this.params.name}`
  }
  override get destructive(): boolean {
    return true
  }
}

/** True when `after` keeps every value of `before` in the same relative order (only additions). */
function onlyAdds(before: string[], after: string[]): boolean {
  const kept = after.filter((v) => before.includes(v))
  return kept.length === before.length && kept.every((v, i) => v === before[i])
}

export class AlterEnum extends Operation<AlterEnumParams> {
  readonly kind = 'alterEnum' as const
  apply(state: SchemaState): void {
    requireEnum(state, this.app, this.params.name, 'alterEnum').values = [...this.params.values]
  }
  toSql(state: SchemaState): Step[] {
    const e = requireEnum(state, this.app, this.params.name, 'alterEnum')
    const type = qualifiedName(e.schema, e.name)
    const { values, oldValues } = this.params
    if (onlyAdds(oldValues, values)) {
      // ADD VALUE keeps existing rows and is cheap; place each value where the declaration puts it.
      // A value added in a transaction can't be used before it commits (55P04: a default or a row of
      // the same migration would fail), so each runs on its own; IF NOT EXISTS makes a re-run safe.
      const steps: Step[] = []
      const current = [...oldValues]
      values.forEach((value, at) => {
        if (current.includes(value)) return
        const next = values.slice(at + 1).find((v) => current.includes(v))
        steps.push(
          sqlStep(
            `ALTER TYPE ${type} ADD VALUE IF NOT EXISTS ${quoteLiteral(value)}${next !== undefined ? ` BEFORE ${quoteLiteral(next)}` : ''}`,
            false,
          ),
        )
        current.splice(next !== undefined ? current.indexOf(next) : current.length, 0, value)
      })
      return steps
    }
    // Removing or reordering values: Postgres can't, so build a new type and convert every column.
    const old = `${e.name}__old`
    const steps = [
      sqlStep(`ALTER TYPE ${type} RENAME TO ${quoteIdent(old)}`),
      sqlStep(`CREATE TYPE ${type} AS ENUM (${values.map(quoteLiteral).join(', ')})`),
    ]
    const usesEnum = (table: TableSnapshot, column: ColumnSnapshot) =>
      table.app === this.app &&
      ((column.columnClass === 'Enum' && column.params.enum === e.name) ||
        (column.columnClass === 'Array' &&
          column.params.base?.columnClass === 'Enum' &&
          column.params.base.enum === e.name))
    // A foreign key (of any app) to an enum column has the enum's type too: its constraint goes while
    // both sides change type (Postgres refuses keys of two types), and comes back after.
    const storedAs = (column: ColumnSnapshot, table: TableSnapshot): [TableSnapshot, ColumnSnapshot] => {
      const seen = new Set<ColumnSnapshot>()
      let at: [TableSnapshot, ColumnSnapshot] = [table, column]
      while (at[1].columnClass === 'ForeignKey' && !seen.has(at[1])) {
        seen.add(at[1])
        const target = foreignKeyTarget(at[1].params, state)
        at = [target.table, target.column]
      }
      return at
    }
    const converted: { table: TableSnapshot; column: ColumnSnapshot }[] = []
    const keys: { table: TableSnapshot; column: ColumnSnapshot }[] = []
    for (const table of state.tables.values()) {
      for (const column of table.columns) {
        if (usesEnum(table, column)) converted.push({ table, column })
        else if (column.columnClass === 'ForeignKey' && usesEnum(...storedAs(column, table)))
          keys.push({ table, column })
      }
    }
    for (const k of keys)
      steps.push(
        sqlStep(
          `ALTER TABLE ${tableName(k.table)} DROP CONSTRAINT ${quoteIdent(derivedName.foreignKey(k.table, k.column))}`,
        ),
      )
    for (const { table, column } of [...converted, ...keys]) {
      const col = quoteIdent(column.dbColumnName)
      const t = tableName(table)
      const target = columnType(column, state, table.app)
      const def = defaultSql(column, column.params.default, state, table.app)
      if (def !== null) steps.push(sqlStep(`ALTER TABLE ${t} ALTER COLUMN ${col} DROP DEFAULT`))
      steps.push(
        sqlStep(
          `ALTER TABLE ${t} ALTER COLUMN ${col} TYPE ${target} USING ${col}::text${column.columnClass === 'Array' ? '[]' : ''}::${target}`,
        ),
      )
      if (def !== null) steps.push(sqlStep(`ALTER TABLE ${t} ALTER COLUMN ${col} SET DEFAULT ${def}`))
    }
    for (const k of keys) {
      steps.push(
        sqlStep(
          `ALTER TABLE ${tableName(k.table)} ADD CONSTRAINT ${quoteIdent(derivedName.foreignKey(k.table, k.column))} FOREIGN KEY (${quoteIdent(k.column.dbColumnName)}) ${referencesSql(k.column.params, state)}`,
        ),
      )
    }
    steps.push(sqlStep(`DROP TYPE ${qualifiedName(e.schema, old)}`))
    return steps
  }
  reverse(): Operation {
    return new AlterEnum(this.app, { ...this.params, values: this.params.oldValues, oldValues: this.params.values })
  }
  describe(): string {
    return `alter enum ${this.params.name} (${this.params.values.join(', ')})`
  }
  override get destructive(): boolean {
    return this.params.oldValues.some((v) => !this.params.values.includes(v))
  }
}
