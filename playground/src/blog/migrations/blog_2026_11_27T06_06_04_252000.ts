import { MigrationManager, sql } from 'unplugin-auto-migrations'

export const ID = '2026-11-27T06:06:04:252000'
export const DESCRIPTION = 'initial schema'

export async function forwards() {
  const manager = new MigrationManager({ migrationId: ID, appName: 'blog', description: DESCRIPTION })
  manager.addTable({ className: 'Author', tablename: 'author' })
  manager.addTable({ className: 'Post', tablename: 'post' })
  manager.addColumn({
    tableClassName: 'Author',
    tablename: 'author',
    columnName: 'id',
    dbColumnName: 'id',
    columnClass: 'Serial',
    params: { default: null, null: false, primaryKey: true, unique: false, index: false },
  })
  manager.addColumn({
    tableClassName: 'Author',
    tablename: 'author',
    columnName: 'name',
    dbColumnName: 'name',
    columnClass: 'Varchar',
    params: { length: 255, default: '', null: false, primaryKey: false, unique: false, index: false },
  })
  manager.addColumn({
    tableClassName: 'Post',
    tablename: 'post',
    columnName: 'id',
    dbColumnName: 'id',
    columnClass: 'Serial',
    params: { default: null, null: false, primaryKey: true, unique: false, index: false },
  })
  manager.addColumn({
    tableClassName: 'Post',
    tablename: 'post',
    columnName: 'title',
    dbColumnName: 'title',
    columnClass: 'Varchar',
    params: { length: 200, default: '', null: false, primaryKey: false, unique: false, index: false },
  })
  manager.addColumn({
    tableClassName: 'Post',
    tablename: 'post',
    columnName: 'body',
    dbColumnName: 'body',
    columnClass: 'Text',
    params: { default: null, null: true, primaryKey: false, unique: false, index: false },
  })
  manager.addColumn({
    tableClassName: 'Post',
    tablename: 'post',
    columnName: 'views',
    dbColumnName: 'views',
    columnClass: 'Integer',
    params: { default: 0, null: false, primaryKey: false, unique: false, index: false },
  })
  manager.addColumn({
    tableClassName: 'Post',
    tablename: 'post',
    columnName: 'createdAt',
    dbColumnName: 'created_at',
    columnClass: 'Timestamptz',
    params: { default: sql`now()`, null: false, primaryKey: false, unique: false, index: false },
  })
  manager.addColumn({
    tableClassName: 'Author',
    tablename: 'author',
    columnName: 'user',
    dbColumnName: 'user',
    columnClass: 'ForeignKey',
    params: {
      references: { app: 'auth', table: 'User', column: 'id' },
      onDelete: 'set null',
      onUpdate: 'cascade',
      default: null,
      null: true,
      primaryKey: false,
      unique: false,
      index: false,
    },
  })
  manager.addColumn({
    tableClassName: 'Post',
    tablename: 'post',
    columnName: 'author',
    dbColumnName: 'author',
    columnClass: 'ForeignKey',
    params: {
      references: { app: 'blog', table: 'Author', column: 'id' },
      onDelete: 'cascade',
      onUpdate: 'cascade',
      default: null,
      null: true,
      primaryKey: false,
      unique: false,
      index: false,
    },
  })
  manager.addIndex({
    tableClassName: 'Post',
    tablename: 'post',
    index: {
      name: null,
      keys: [{ column: 'author' }, { column: 'createdAt' }],
      unique: false,
      method: 'btree',
      where: null,
      nullsDistinct: true,
      concurrently: false,
    },
  })
  return manager
}
