/**
 * `pull`: a database's tables as the model's declarations. Names follow the model's rules where
 * they can (class = PascalCase of the table, property = camelCase of the column) and are spelled
 * out (`tablename`, `dbColumnName`, a constraint's `name`) where the database's differ from what the
 * model would generate, so that the migration written from the declarations builds the same schema.
 *
 * Identity, generated, collated and commented columns, tables without a primary key, named and
 * deferrable foreign keys and INCLUDE indexes are declared as the model takes them; views,
 * functions, triggers and extensions by ./pull-objects.ts. What the model cannot declare yet
 * (composite foreign keys, exclusion constraints, types made in the database...) is listed, not
 * approximated: a baseline recorded as run must describe the database exactly.
 */
import { expressionNamePart, generatedName, snakeCase } from '../../core/state/naming.js'
import type { Deferrable } from '../../core/state/snapshot.js'
import { SqlExpression } from '../../core/state/sql.js'
import type { PhysicalIndexKey } from '../../runtime/introspect-keys.js'
import type { PhysicalColumn, PhysicalEnum, PhysicalSchema, PhysicalTable } from '../../runtime/introspect.js'
import type { ColumnDeclaration, ConstraintDeclaration, TableDeclaration } from '../writer/tables-source.js'
import { columnName, exclusionDeclaration, indexDeclaration } from './pull-indexes.js'
import { classNameOf, nameParts, propertyOf, unwrap } from './pull-names.js'
import { type PulledObjects, pullObjects, triggerDeclaration } from './pull-objects.js'
import { builtInType, type ColumnType, defaultValue, IMPLICIT_DEFAULT } from './pull-types.js'

export interface PulledTables extends PulledObjects {
  tables: TableDeclaration[]
  /** What the model cannot declare, one line each, naming the table and the object. */
  unsupported: string[]
  /** What was left out on purpose (a foreign key to a table not pulled, an enum no column uses). */
  skipped: string[]
}

export interface PullInput {
  schema: PhysicalSchema
  /** `schema.index` → its keys (runtime/introspect-keys.ts). */
  indexKeys: ReadonlyMap<string, PhysicalIndexKey[]>
}

/** The declarations of `input`'s tables (every table of the schema read), and what they can't say. */
export function pullTables(input: PullInput): PulledTables {
  const unsupported: string[] = []
  const skipped: string[] = []
  const classNames = new Set<string>()
  const classOf = new Map<string, string>()
  const tableKey = (schema: string, name: string) => `${schema}.${name}`
  const propertiesOf = new Map<string, Map<string, string>>()
  for (const table of input.schema.tables) {
    classOf.set(tableKey(table.schema, table.name), classNameOf(table.name, classNames))
    const used = new Set<string>()
    propertiesOf.set(
      tableKey(table.schema, table.name),
      new Map(table.columns.map((c) => [c.name, propertyOf(c.name, used)])),
    )
  }
  const usedEnums = new Set<string>()

  const typeOf = (type: string, where: string): ColumnType | undefined => {
    if (type.endsWith('[]')) {
      const base = typeOf(type.slice(0, -2), where)
      if (!base) return undefined
      return {
        columnClass: 'Array',
        options: {},
        base: { columnClass: base.columnClass, options: base.options, ...(base.enum ? { enum: base.enum } : {}) },
      }
    }
    const builtIn = builtInType(type)
    if (builtIn) return builtIn
    const parts = nameParts(type)
    const [schema, name] = parts.length === 2 ? parts : ['public', parts[0]]
    const found: PhysicalEnum | undefined = input.schema.enums.find((e) => e.schema === schema && e.name === name)
    if (found) {
      usedEnums.add(tableKey(found.schema, found.name))
      return {
        columnClass: 'Enum',
        options: {},
        enum: {
          name: found.name,
          values: [...found.values],
          ...(found.schema === 'public' ? {} : { schema: found.schema }),
        },
      }
    }
    unsupported.push(`${where}: type ${type}, which the model has no column class for yet`)
    return undefined
  }

  const tables: TableDeclaration[] = []
  for (const table of input.schema.tables) {
    const declaration = pullTable(table)
    if (declaration) tables.push(declaration)
  }
  for (const e of input.schema.enums)
    if (!usedEnums.has(tableKey(e.schema, e.name)))
      skipped.push(
        `enum ${e.schema === 'public' ? '' : `${e.schema}.`}${e.name}: no pulled column uses it (the model declares enums with their columns)`,
      )
  const objects = pullObjects(input.schema, input.indexKeys, classNames, unsupported, skipped)
  return { tables, ...objects, unsupported, skipped }

  function pullTable(table: PhysicalTable): TableDeclaration | undefined {
    const label = table.schema === 'public' ? table.name : `${table.schema}.${table.name}`
    const className = classOf.get(tableKey(table.schema, table.name))!
    const say = (what: string) => unsupported.push(`table ${label}: ${what}`)
    if (table.partitioned) say('a partitioned table')
    if (table.primaryKey && table.primaryKey.name !== generatedName(table.name, [], 'pkey'))
      say(`primary key named ${table.primaryKey.name} (the model names it ${generatedName(table.name, [], 'pkey')})`)

    const propertyByColumn = propertiesOf.get(tableKey(table.schema, table.name))!
    const prop = (column: string) => propertyByColumn.get(column)!
    const pkColumns = table.primaryKey?.columns ?? []
    const singleKey = pkColumns.length === 1 ? pkColumns[0] : undefined
    const fkColumns = new Set(table.foreignKeys.filter((f) => f.columns.length === 1).map((f) => f.columns[0]!))

    /** A one-column unique constraint written on its column: `unique: true`, and maybe `deferrable`. */
    const columnUniques = new Map<string, Deferrable | undefined>()
    const constraints: ConstraintDeclaration[] = []
    for (const u of table.uniques) {
      const generated = generatedName(table.name, u.columns, 'key')
      const deferrable = deferrableOf(u)
      const [only] = u.columns
      if (
        u.columns.length === 1 &&
        only !== singleKey &&
        u.name === generated &&
        u.nullsDistinct &&
        u.include.length === 0 &&
        // A ForeignKey's `deferrable` is its foreign key's: its unique constraint says it on the table.
        !(deferrable && fkColumns.has(only!)) &&
        !columnUniques.has(only!)
      ) {
        columnUniques.set(only!, deferrable)
        continue
      }
      constraints.push({
        kind: 'unique',
        args: u.columns.map(prop),
        options: {
          name: u.name === generated ? undefined : u.name,
          nullsDistinct: u.nullsDistinct ? undefined : false,
          include: u.include.length > 0 ? u.include.map((c) => prop(columnName(c))) : undefined,
          deferrable,
        },
      })
    }
    const foreignKeys = new Map<string, PulledForeignKey>()
    for (const fk of table.foreignKeys) {
      const targetClass = classOf.get(tableKey(fk.referencedSchema, fk.referencedTable))
      const target = input.schema.tables.find((t) => t.schema === fk.referencedSchema && t.name === fk.referencedTable)
      const [column] = fk.columns
      if (!targetClass || !target) {
        skipped.push(`foreign key ${fk.name} of ${label}: it points at ${fk.referencedTable}, which is not pulled`)
        continue
      }
      const problems = [
        fk.columns.length > 1 ? 'has several columns' : '',
        fk.match !== 'simple' ? `is MATCH ${fk.match.toUpperCase()}` : '',
        fk.validated ? '' : 'is NOT VALID',
      ].filter(Boolean)
      const own = table.columns.find((c) => c.name === column)
      const targetColumn = target.columns.find((c) => c.name === fk.referencedColumns[0])
      if (own && targetColumn && own.type !== targetColumn.type)
        problems.push(`is ${own.type} while ${fk.referencedTable}.${targetColumn.name} is ${targetColumn.type}`)
      if (problems.length > 0) {
        say(
          `foreign key ${fk.name} ${problems.join(', ')} (the model declares a foreign key on one column, of its target's type)`,
        )
        continue
      }
      const targetKey = target.primaryKey?.columns.length === 1 ? target.primaryKey.columns[0] : undefined
      foreignKeys.set(column!, {
        target: targetClass,
        targetColumn:
          fk.referencedColumns[0] === targetKey
            ? undefined
            : propertiesOf.get(tableKey(target.schema, target.name))!.get(fk.referencedColumns[0]!),
        onDelete: fk.onDelete,
        onUpdate: fk.onUpdate,
        name: fk.name === generatedName(table.name, fk.columns, 'fkey') ? undefined : fk.name,
        deferrable: deferrableOf(fk),
      })
    }
    const columnIndexes = new Map<string, string>()
    for (const index of table.indexes) {
      const keys = input.indexKeys.get(tableKey(table.schema, index.name)) ?? []
      const declared = indexDeclaration(table, index, keys, prop, say, columnIndexes)
      if (declared) constraints.push(declared)
    }
    for (const exclusion of table.exclusions) {
      const keys = input.indexKeys.get(tableKey(table.schema, exclusion.name)) ?? []
      const declared = exclusionDeclaration(table, exclusion, keys, prop, say)
      if (declared) constraints.push(declared)
    }
    for (const check of table.checks) {
      if (check.definition.endsWith('NOT VALID')) say(`check constraint ${check.name} is NOT VALID`)
      const expression = unwrap(check.expression)
      const generated = generatedName(table.name, [expressionNamePart(expression)], 'check')
      constraints.push({
        kind: 'check',
        args: [expression],
        options: { name: check.name === generated ? undefined : check.name },
      })
    }

    const columns: ColumnDeclaration[] = []
    table.columns.forEach((column, at) => {
      const where = `column ${label}.${column.name}`
      const fk = foreignKeys.get(column.name)
      const isKey = column.name === singleKey
      const implicitKey =
        isKey &&
        at === 0 &&
        column.name === 'id' &&
        column.serial &&
        column.type === 'integer' &&
        column.default?.includes(`${table.name}_id_seq`) === true &&
        table.primaryKey?.name === generatedName(table.name, [], 'pkey')
      if (implicitKey) return // The model's implicit key: `id serial primary key`.
      const declaration = fk
        ? foreignKeyColumn(column, fk)
        : plainColumn(column, where, isKey, pkColumns.includes(column.name))
      if (!declaration) return
      const name = prop(column.name)
      if (snakeCase(name) !== column.name) declaration.options.dbColumnName = column.name
      if (isKey) declaration.options.primaryKey = true
      if (columnUniques.has(column.name)) {
        declaration.options.unique = true
        declaration.options.deferrable = columnUniques.get(column.name)
      }
      const method = columnIndexes.get(column.name)
      if (method !== undefined) {
        declaration.options.index = true
        if (method !== 'btree') declaration.options.indexMethod = method
      }
      computedOptions(column, declaration, say)
      if (column.comment !== null) declaration.options.comment = column.comment
      columns.push({ property: name, ...declaration })
    })
    return {
      className,
      ...(snakeCase(className) === table.name ? {} : { tablename: table.name }),
      ...(table.schema === 'public' ? {} : { schema: table.schema }),
      ...(pkColumns.length > 1 ? { primaryKey: pkColumns.map(prop) } : {}),
      ...(table.primaryKey ? {} : { primaryKey: null }),
      ...(table.comment === null ? {} : { comment: table.comment }),
      columns,
      constraints,
      triggers: table.triggers.flatMap((t) => {
        const declared = triggerDeclaration(t)
        if (typeof declared === 'string') say(`trigger ${t.name} ${declared}`)
        return typeof declared === 'string' ? [] : [declared]
      }),
    }

    function foreignKeyColumn(column: PhysicalColumn, fk: PulledForeignKey): Omit<ColumnDeclaration, 'property'> {
      return {
        columnClass: 'ForeignKey',
        target: fk.target,
        options: {
          null: column.nullable ? undefined : false,
          default: column.default === null ? undefined : new SqlExpression(column.default),
          targetColumn: fk.targetColumn,
          onDelete: fk.onDelete,
          onUpdate: fk.onUpdate,
          name: fk.name,
          deferrable: fk.deferrable,
        },
      }
    }

    function plainColumn(
      column: PhysicalColumn,
      where: string,
      isKey: boolean,
      inKey: boolean,
    ): Omit<ColumnDeclaration, 'property'> | undefined {
      const type = typeOf(column.type, where)
      if (!type) return undefined
      let columnClass = type.columnClass
      let defaultText = column.default
      if (column.serial && (columnClass === 'Integer' || columnClass === 'BigInt')) {
        if (!column.default?.includes(`${table.name}_${column.name}_seq`))
          say(`${column.name} takes its default from a sequence not named ${table.name}_${column.name}_seq`)
        columnClass = columnClass === 'Integer' ? 'Serial' : 'BigSerial'
        defaultText = null
      } else if (column.default?.startsWith('nextval(')) {
        say(`${column.name} takes its default from a sequence the table does not own`)
      }
      const options: Record<string, unknown> = { ...type.options }
      const computed = column.identity !== null || column.generated !== null
      if (column.nullable && !isKey && !inKey) options.null = true
      if (defaultText !== null) options.default = defaultValue(columnClass, column.type, defaultText)
      else if (!column.nullable && !isKey && !inKey && !computed && IMPLICIT_DEFAULT.has(columnClass))
        options.default = null
      return {
        columnClass,
        ...(type.enum ? { enum: type.enum } : {}),
        ...(type.base ? { base: type.base } : {}),
        options: withEnumSchema(type, options),
      }
    }
  }
}

/** An Enum's schema is an option of its column (`enumSchema`). */
function withEnumSchema(type: ColumnType, options: Record<string, unknown>): Record<string, unknown> {
  return type.enum?.schema ? { ...options, enumSchema: type.enum.schema } : options
}

interface PulledForeignKey {
  target: string
  targetColumn: string | undefined
  onDelete: string
  onUpdate: string
  name: string | undefined
  deferrable: Deferrable | undefined
}

/** `deferrable` as the model writes it, or undefined when the constraint is checked at once. */
function deferrableOf(c: { deferrable: boolean; initiallyDeferred: boolean }): Deferrable | undefined {
  return c.initiallyDeferred ? 'initiallyDeferred' : c.deferrable ? true : undefined
}

const IDENTITY_CLASSES = new Set(['SmallInt', 'Integer', 'BigInt'])
const COLLATABLE_CLASSES = new Set(['Varchar', 'Char', 'Text', 'Citext', 'Custom'])

/** Identity, generated and collation: options of the column, where its class takes them. */
function computedOptions(
  column: PhysicalColumn,
  declaration: Omit<ColumnDeclaration, 'property'>,
  say: (what: string) => void,
): void {
  const options = declaration.options
  if (column.identity !== null) {
    if (IDENTITY_CLASSES.has(declaration.columnClass))
      options.identity = column.identity === 'always' ? 'always' : 'byDefault'
    else say(`${column.name} is an identity column of type ${column.type} (the model has identity on integer types)`)
  }
  if (column.generated !== null) options.generated = new SqlExpression(unwrap(column.generated))
  if (column.collation !== null) {
    if (COLLATABLE_CLASSES.has(declaration.columnClass)) options.collation = column.collation
    else say(`${column.name} has collation ${column.collation} on a ${declaration.columnClass} column`)
  }
}
