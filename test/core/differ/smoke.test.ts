import { describe, expect, it } from 'vitest'
import {
  Enum,
  ForeignKey,
  Integer,
  Table,
  Text,
  Timestamptz,
  Varchar,
  check,
  index,
  sql,
  unique,
} from '../../../src/index.js'
import { stepsOf } from '../../../src/core/operations/replay.js'
import { SchemaState, canonicalSnapshot } from '../../../src/core/state/snapshot.js'
import { app, diffAll, emptySnapshot, model } from '../../helpers/models.js'

class Author extends Table {
  name = new Varchar({ length: 255 })
}
class Post extends Table {
  static override tablename = 'blog_post'
  title = new Varchar({ length: 200, unique: true })
  body = new Text({ null: true })
  author = new ForeignKey(() => Author, { onDelete: 'cascade' })
  views = new Integer({ default: 0, index: true })
  mood = new Enum('mood', ['sad', 'ok'])
  createdAt = new Timestamptz({ default: sql`now()` })
  static override constraints = [unique('title', 'author'), index('author', 'createdAt'), check('views >= 0')]
}

describe('the SPEC example schema', () => {
  it('diffs from nothing into operations whose replay gives the model, and whose SQL creates everything', () => {
    const m = model(app('blog', [Author, Post]))
    const { diffs, after } = diffAll(emptySnapshot(), m)
    expect(canonicalSnapshot(after)).toEqual(canonicalSnapshot(m.snapshot))
    const steps = stepsOf({ app: 'blog', id: 'x', operations: diffs[0]!.operations }, new SchemaState(), 'forwards')
    const text = steps.map((s) => (s.step.kind === 'sql' ? s.step.sql : '')).join(';\n')
    expect(text).toContain(`CREATE TYPE "public"."mood" AS ENUM ('sad', 'ok')`)
    expect(text).toContain(
      `ADD COLUMN "title" varchar(200) NOT NULL DEFAULT '' CONSTRAINT "blog_post_title_key" UNIQUE`,
    )
    expect(text).toContain(`REFERENCES "public"."author" ("id") ON DELETE CASCADE`)
    expect(text).toContain(
      `CREATE INDEX "blog_post_author_created_at_idx" ON "public"."blog_post" USING btree ("author", "created_at")`,
    )
    // Foreign keys come after their target's primary key (which must be there: a missing one's
    // indexOf, -1, would come before anything).
    expect(text).toContain('"author" ADD COLUMN "id"')
    expect(text.indexOf('"author" ADD COLUMN "id"')).toBeLessThan(text.indexOf('REFERENCES "public"."author"'))
  })
})
