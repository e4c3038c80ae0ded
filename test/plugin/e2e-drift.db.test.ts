/**
 * `vite dev` on a database changed by hand since its migrations ran: the plugin says so once, in
 * one terminal line that names the differences and the command that lists them.
 */
import AutoMigrations from 'unplugin-auto-migrations/vite'
import { afterEach, describe, expect, it } from 'vitest'
import { onServer, project } from '../cli/helpers.js'
import { type PgTestDatabase, withPgDatabase } from '../helpers/databases.js'
import { type RecordedDevServer, startRecordedDevServer } from '../helpers/vite-dev.js'
import { restoreAfterAll, until } from './e2e-harness.js'

restoreAfterAll()

let database: PgTestDatabase | undefined
let dev: RecordedDevServer | undefined

afterEach(async () => {
  await dev?.server.close()
  await database?.cleanup()
})

const said = (server: RecordedDevServer) =>
  server.logs.filter((log) => log.message.includes('[auto-migrations]')).map((log) => `${log.level}: ${log.message}`)

describe('vite dev and drift', () => {
  it('warns once at start about a column added by hand to the dev database', async () => {
    const app = await project('plugin-e2e')
    expect((await app.run(['new', 'all', '--auto'])).code).toBe(0)
    database = await withPgDatabase()
    expect((await app.run(['forwards', '--database', database.url])).code).toBe(0)
    await onServer(database.url, 'alter table post add column hack integer')
    // The registry says `database: process.env.DATABASE_URL`.
    process.env.DATABASE_URL = database.url
    dev = await startRecordedDevServer(app.root, {
      ssr: { external: ['unplugin-auto-migrations'] },
      plugins: [AutoMigrations({ runInVitest: true })],
    })
    const server = dev
    await until(() => said(server).length > 0, 'the drift warning')
    expect(said(server)).toEqual([
      expect.stringMatching(
        /^warn: .*The dev database differs from what its applied migrations describe \(1 difference\): extra column post\.hack \(integer, null\)\. Run npx auto-migrations drift for the list\.$/,
      ),
    ])
    // A save that changes nothing does not say it again.
    await app.edit('src/blog/tables.ts', 'export class Post', '// Posts.\nexport class Post')
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(said(server)).toHaveLength(1)
  })
})
