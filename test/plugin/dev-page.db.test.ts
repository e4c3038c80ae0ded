/**
 * The dev page in a real browser, on Vite's real dev server (listening on a port) with the plugin
 * from dist, a fresh Postgres database and real edits on disk: the page draws the tables and their
 * foreign keys and the timeline; an ambiguous rename shows in the app's error overlay, which links
 * to the page; answering it on the page writes the migration the CLI would, applies it, closes the
 * overlay and says "in sync" in the terminal. A destructive change is written from the page too.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import AutoMigrations from 'unplugin-auto-migrations/vite'
import { createServer, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, project } from '../cli/helpers.js'
import { launchChromium } from '../helpers/browser.js'
import { type PgTestDatabase, withPgDatabase } from '../helpers/databases.js'
import { freePort } from '../helpers/ports.js'
import { migrationFiles, publicColumns, queryPg, restoreAfterAll, until } from './e2e-harness.js'

restoreAfterAll()

describe('the dev page', () => {
  let app: Project
  let database: PgTestDatabase
  let server: ViteDevServer
  let browser: BrowserContext
  let base: string
  const logs: string[] = []

  beforeAll(async () => {
    app = await project('dev-page')
    database = await withPgDatabase()
    process.env.DATABASE_URL = database.url
    expect((await app.run(['new', 'all', '--auto'])).code).toBe(0)
    expect((await app.run(['forwards'])).code).toBe(0)
    const port = await freePort()
    const log = (message: string) => logs.push(message)
    server = await createServer({
      root: app.root,
      configFile: false,
      logLevel: 'info',
      customLogger: {
        info: log,
        warn: log,
        warnOnce: log,
        error: log,
        clearScreen() {},
        hasErrorLogged: () => false,
        hasWarned: false,
      },
      server: { host: '127.0.0.1', port, strictPort: true },
      ssr: { external: ['unplugin-auto-migrations'] },
      // This test runs under Vitest, where the plugin otherwise stands still.
      plugins: [AutoMigrations({ runInVitest: true })],
    })
    await server.listen()
    base = `http://127.0.0.1:${port}`
    browser = await (await launchChromium()).newContext()
    // A step that waits longer than this has failed; say so well before the test's own timeout.
    browser.setDefaultTimeout(15_000)
  })

  afterAll(async () => {
    await browser?.browser()?.close()
    await server?.close()
    await database?.cleanup()
  })

  /**
   * Closes a page without waiting: one that Vite's client is reloading (it reloads to close its
   * overlay) can keep a close waiting for long; the browser goes at the end anyway.
   */
  function leave(page: Page): void {
    page.close().catch(() => {})
  }

  async function openPage(): Promise<Page> {
    const page = await browser.newPage()
    await page.goto(`${base}/__auto-migrations`)
    return page
  }

  it('draws every table with its foreign keys, and the timeline with each migration’s SQL', async () => {
    const page = await openPage()
    const tables = await page
      .locator('#diagram g.table')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-table')))
    expect(tables.sort()).toEqual(['auth.User', 'blog.Comment', 'blog.Post'])
    const edges = await page
      .locator('#diagram path.fk')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-fk')))
    expect(edges.sort()).toEqual(['blog.Comment.author', 'blog.Comment.post', 'blog.Post.author'])
    // Each edge is drawn: a path with at least two points.
    for (const d of await page
      .locator('#diagram path.fk')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('d')))) {
      expect(d).toMatch(/^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+$/)
    }
    const timeline = page.locator('#timeline li.migration')
    expect(await timeline.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-state')))).toEqual([
      'ran',
      'ran',
    ])
    expect(await timeline.first().locator('pre').textContent()).toContain('CREATE TABLE "public"."user"')
    expect(await page.locator('#waiting').textContent()).toContain('Nothing waits for an answer.')
    // Drift is compared when asked: it builds the expected schema in a scratch database.
    expect(await page.locator('#drift').textContent()).toContain('Not compared')
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('link', { name: /^Compare the dev database/ }).click(),
    ])
    expect(await page.locator('#drift').textContent()).toContain('matches')
    await queryPg(database.url, 'ALTER TABLE "user" ADD COLUMN hack integer')
    await page.reload()
    expect(await page.locator('#drift li.drift').allTextContents()).toEqual([
      expect.stringContaining('extra column user.hack'),
    ])
    await queryPg(database.url, 'ALTER TABLE "user" DROP COLUMN hack')
    if (process.env.DEV_PAGE_SCREENSHOT)
      await page.screenshot({ path: process.env.DEV_PAGE_SCREENSHOT, fullPage: true })
    leave(page)
  })

  it('answers an ambiguous rename: the migration is written and applied, the overlay goes, the terminal says in sync', async () => {
    const appPage = await browser.newPage()
    await appPage.goto(base)
    await appPage.waitForSelector('body[data-ready="yes"]')
    const before = await migrationFiles(app.root, 'blog')

    const page = await openPage()
    await app.edit('src/blog/tables.ts', '  title = new Varchar', '  headline = new Varchar')
    const overlay = appPage.locator('vite-error-overlay')
    await overlay.waitFor({ state: 'attached' })
    const message = await overlay.locator('.message-body').textContent()
    expect(message).toContain('did you rename column Post.title to Post.headline?')
    expect(message).toContain(`Answer them on the dev page: ${base}/__auto-migrations`)

    // Opened before the save: the page shows the question by itself.
    await page.waitForSelector('[data-waiting] button')
    const waiting = page.locator('li.waiting.rename')
    expect(await waiting.textContent()).toContain('did you rename column Post.title to Post.headline?')
    await Promise.all([page.waitForEvent('load'), waiting.getByRole('button', { name: 'it is a rename' }).click()])

    const files = await migrationFiles(app.root, 'blog')
    expect(files).toHaveLength(before.length + 1)
    const written = files.find((file) => !before.includes(file)) ?? ''
    const source = await readFile(path.join(app.root, 'src/blog/migrations', written), 'utf8')
    expect(source).toContain('manager.renameColumn(')
    expect(source).not.toContain('dropColumn')
    const columns = await publicColumns(database.url)
    expect(columns).toContain('post.headline')
    expect(columns).not.toContain('post.title')

    expect(await page.locator('#waiting').textContent()).toContain('Nothing waits for an answer.')
    expect(
      await page
        .locator('#timeline li.migration')
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-state'))),
    ).toEqual(['ran', 'ran', 'ran'])
    await until(async () => (await appPage.locator('vite-error-overlay').count()) === 0, 'the overlay to go away')
    await until(() => logs.some((line) => line.includes('[auto-migrations] in sync')), 'the in-sync line')
    leave(appPage)
    leave(page)
  })

  it('writes a destructive change when asked to, and drops the column', async () => {
    const before = await migrationFiles(app.root, 'blog')
    const page = await openPage()
    await app.edit('src/blog/tables.ts', '  body = new Text({ null: true })\n', '')
    await page.waitForSelector('li.waiting.destructive button')
    expect(await page.locator('li.waiting.destructive').textContent()).toContain('drop column Post.body')
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: 'write the destructive change' }).click(),
    ])
    const files = await migrationFiles(app.root, 'blog')
    expect(files).toHaveLength(before.length + 1)
    expect(await publicColumns(database.url)).not.toContain('post.body')
    expect(await page.locator('#waiting').textContent()).toContain('Nothing waits for an answer.')
    leave(page)
  })

  it('closes the overlay by itself when a hint or the CLI answers instead', async () => {
    const appPage = await browser.newPage()
    await appPage.goto(base)
    await appPage.waitForSelector('body[data-ready="yes"]')
    const overlay = appPage.locator('vite-error-overlay')
    const overlayGone = () => until(async () => (await overlay.count()) === 0, 'the overlay to go away')
    const inSyncLines = () => logs.filter((line) => line.includes('[auto-migrations] in sync')).length

    // A hint in the code: the dev server writes the rename itself.
    await app.edit(
      'src/blog/tables.ts',
      '  headline = new Varchar({',
      "  title = new Varchar({ renamedFrom: 'headline',",
    )
    await app.edit('src/blog/tables.ts', '  text = new Text()', '  content = new Text()')
    await overlay.waitFor({ state: 'attached', timeout: 15_000 })
    expect(await overlay.locator('.message-body').textContent()).toContain('Comment.text to Comment.content?')
    const said = inSyncLines()
    await app.edit('src/blog/tables.ts', '  content = new Text()', "  content = new Text({ renamedFrom: 'text' })")
    await overlayGone()
    await until(() => inSyncLines() > said, 'the in-sync line')
    expect(await publicColumns(database.url)).toEqual(expect.arrayContaining(['comment.content', 'post.title']))

    // The CLI: its migration file appears, the next run finds nothing waiting.
    await app.edit('src/blog/tables.ts', "  content = new Text({ renamedFrom: 'text' })", '  note = new Text()')
    await overlay.waitFor({ state: 'attached', timeout: 15_000 })
    const result = await app.run(['new', 'blog', '--auto', '--rename', 'Comment.content=note'])
    expect(result.code).toBe(0)
    await overlayGone()
    leave(appPage)
  })
})
