import { MigrationManager, sql } from 'unplugin-auto-migrations'

export const ID = '2026-11-27T06:06:04:247000'
export const DESCRIPTION = 'initial schema'

export async function forwards() {
  const manager = new MigrationManager({ migrationId: ID, appName: 'auth', description: DESCRIPTION })
  manager.addTable({ className: 'User', tablename: 'users' })
  manager.addColumn({
    tableClassName: 'User',
    tablename: 'users',
    columnName: 'id',
    dbColumnName: 'id',
    columnClass: 'Serial',
    params: { default: null, null: false, primaryKey: true, unique: false, index: false },
  })
  manager.addColumn({
    tableClassName: 'User',
    tablename: 'users',
    columnName: 'email',
    dbColumnName: 'email',
    columnClass: 'Varchar',
    params: { length: 320, default: '', null: false, primaryKey: false, unique: true, index: false },
  })
  manager.addColumn({
    tableClassName: 'User',
    tablename: 'users',
    columnName: 'displayName',
    dbColumnName: 'display_name',
    columnClass: 'Varchar',
    params: { length: 100, default: '', null: false, primaryKey: false, unique: false, index: false },
  })
  manager.addColumn({
    tableClassName: 'User',
    tablename: 'users',
    columnName: 'isAdmin',
    dbColumnName: 'is_admin',
    columnClass: 'Boolean',
    params: { default: false, null: false, primaryKey: false, unique: false, index: false },
  })
  manager.addColumn({
    tableClassName: 'User',
    tablename: 'users',
    columnName: 'createdAt',
    dbColumnName: 'created_at',
    columnClass: 'Timestamptz',
    params: { default: sql`now()`, null: false, primaryKey: false, unique: false, index: false },
  })
  return manager
}
