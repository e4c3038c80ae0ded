import { ForeignKey, Integer, Table, Text, Timestamptz, Varchar, index, sql } from 'unplugin-auto-migrations'
import { User } from '../auth/tables'

export class Author extends Table {
  name = new Varchar({ length: 255 })
  user = new ForeignKey(() => User, { onDelete: 'set null' })
}

export class Post extends Table {
  title = new Varchar({ length: 200 })
  body = new Text({ null: true })
  author = new ForeignKey(() => Author, { onDelete: 'cascade' })
  views = new Integer({ default: 0 })
  createdAt = new Timestamptz({ default: sql`now()` })
  static constraints = [index('author', 'createdAt')]
}
