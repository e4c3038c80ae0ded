import { Boolean, Table, Timestamptz, Varchar, sql } from 'unplugin-auto-migrations'

export class User extends Table {
  static tablename = 'users'
  email = new Varchar({ length: 320, unique: true })
  displayName = new Varchar({ length: 100 })
  isAdmin = new Boolean({ default: false })
  createdAt = new Timestamptz({ default: sql`now()` })
}
