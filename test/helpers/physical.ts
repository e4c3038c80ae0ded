/** Introspection results built by hand, for tests of what reads them (drift, pull) without a database. */
import type { PhysicalColumn, PhysicalTable } from '../../src/runtime/introspect.js'

/** A NOT NULL column with no default, identity, generated expression or collation, unless overridden. */
export const physicalColumn = (
  name: string,
  type: string,
  overrides: Partial<PhysicalColumn> = {},
): PhysicalColumn => ({
  name,
  type,
  nullable: false,
  default: null,
  serial: false,
  identity: null,
  generated: null,
  collation: null,
  comment: null,
  ...overrides,
})

/** A table in public whose first column is its primary key (`<name>_pkey`), with nothing else, unless overridden. */
export const physicalTable = (
  name: string,
  columns: PhysicalColumn[],
  overrides: Partial<PhysicalTable> = {},
): PhysicalTable => ({
  schema: 'public',
  name,
  partitioned: false,
  comment: null,
  columns,
  primaryKey: { name: `${name}_pkey`, columns: [columns[0]!.name] },
  uniques: [],
  checks: [],
  foreignKeys: [],
  exclusions: [],
  indexes: [],
  triggers: [],
  ...overrides,
})
