/**
 * The dev page's pure parts (src/plugin/dev-page/): the diagram's layout, the HTML (escaped, with
 * buttons whose answers the server accepts), the answers the server accepts, and its routes.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Diagram, ProjectOverview, WaitingAnswer } from '../../../src/build/project/overview.js'
import { parseAnswer } from '../../../src/plugin/dev-page/answer-request.js'
import { escapeHtml, renderDevPage } from '../../../src/plugin/dev-page/html.js'
import { type Box, layoutDiagram } from '../../../src/plugin/dev-page/layout.js'
import { devPageMiddleware } from '../../../src/plugin/dev-page/route.js'
import { until } from '../e2e-harness.js'
import { TITLE_TO_HEADLINE } from '../../helpers/waiting.js'

const column = (name: string, type = 'Text') => ({ name, type, primaryKey: name === 'id', nullable: false })

const diagram: Diagram = {
  apps: [
    {
      name: 'auth',
      tables: [
        {
          id: 'auth.User',
          app: 'auth',
          className: 'User',
          tablename: 'user',
          columns: [column('id', 'Serial'), column('email')],
        },
      ],
    },
    {
      name: 'blog',
      tables: [
        {
          id: 'blog.Post',
          app: 'blog',
          className: 'Post',
          tablename: 'post',
          columns: [column('id', 'Serial'), column('author', 'ForeignKey → User')],
        },
        {
          id: 'blog.Comment',
          app: 'blog',
          className: 'Comment',
          tablename: 'comment',
          columns: [column('id', 'Serial'), column('post', 'ForeignKey → Post')],
        },
      ],
    },
  ],
  foreignKeys: [
    { from: 'blog.Post', to: 'auth.User', column: 'author' },
    { from: 'blog.Comment', to: 'blog.Post', column: 'post' },
  ],
}

const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.width <= outer.x + outer.width &&
  inner.y + inner.height <= outer.y + outer.height
const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

describe('layoutDiagram', () => {
  const layout = layoutDiagram(diagram)

  it('puts every table in its app’s box, without overlapping another table', () => {
    expect(layout.tables.map((t) => t.table.id)).toEqual(['auth.User', 'blog.Post', 'blog.Comment'])
    for (const t of layout.tables) {
      expect(inside(t, layout.apps.find((a) => a.name === t.table.app)!)).toBe(true)
      expect(inside(t, { x: 0, y: 0, width: layout.width, height: layout.height })).toBe(true)
      for (const other of layout.tables) if (other !== t) expect(overlap(t, other)).toBe(false)
    }
  })

  it('routes each foreign key from its table to the table it points at', () => {
    const near = (p: { x: number; y: number }, box: Box) =>
      p.x >= box.x - 1 && p.x <= box.x + box.width + 1 && p.y >= box.y - 1 && p.y <= box.y + box.height + 1
    for (const { foreignKey, points } of layout.foreignKeys) {
      const from = layout.tables.find((t) => t.table.id === foreignKey.from)!
      const to = layout.tables.find((t) => t.table.id === foreignKey.to)!
      expect(near(points[0]!, from)).toBe(true)
      expect(near(points.at(-1)!, to)).toBe(true)
    }
  })

  it('is the same for the same diagram', () => {
    expect(layoutDiagram(diagram)).toEqual(layout)
  })
})

const overview = (over: Partial<ProjectOverview> = {}): ProjectOverview => ({
  diagram,
  timeline: [],
  waiting: [],
  drift: [],
  problems: [],
  ...over,
})

/** The answers the page's buttons post, as the server reads them. */
function buttonAnswers(html: string): { label: string; answer: WaitingAnswer | string }[] {
  const fromEntities = (text: string) =>
    text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
  return [...html.matchAll(/<button type="button" data-answer="([^"]*)">([^<]*)<\/button>/g)].map((m) => ({
    label: fromEntities(m[2]!),
    answer: parseAnswer(fromEntities(m[1]!)),
  }))
}

describe('renderDevPage', () => {
  it('gives each waiting change the buttons that answer it, with answers the server accepts', () => {
    const html = renderDevPage(
      overview({
        waiting: [TITLE_TO_HEADLINE, { kind: 'destructive', app: 'blog', changes: ['drop column Post.body'] }],
      }),
      layoutDiagram(diagram),
    )
    expect(buttonAnswers(html)).toEqual([
      {
        label: 'it is a rename',
        answer: { kind: 'rename', app: 'blog', key: 'column:blog:Post:title->headline', rename: true },
      },
      {
        label: 'drop column "title" and add "headline"',
        answer: { kind: 'rename', app: 'blog', key: 'column:blog:Post:title->headline', rename: false },
      },
      { label: 'write the destructive change', answer: { kind: 'destructive', app: 'blog' } },
    ])
  })

  it('draws a node per table and an edge per foreign key, and escapes what it shows', () => {
    const html = renderDevPage(
      overview({
        problems: ['<script>alert(1)</script>'],
        drift: [{ app: 'blog', table: 'Post', description: 'extra column "x<y"' }],
        timeline: [{ app: 'blog', id: '1', description: 'add <b>', state: 'pending', sql: ["SELECT '<x>';"] }],
      }),
      layoutDiagram(diagram),
    )
    expect(html.match(/<g class="table"/g)).toHaveLength(3)
    expect(html.match(/<path class="fk"/g)).toHaveLength(2)
    expect(html).not.toContain('<script>alert(1)')
    expect(html).toContain(escapeHtml('<script>alert(1)</script>'))
    expect(html).toContain(`<strong>blog.Post</strong>: ${escapeHtml('extra column "x<y"')}`)
    expect(html).toContain(escapeHtml("SELECT '<x>';"))
    expect(html).toContain('data-state="pending"')
  })
})

describe('parseAnswer', () => {
  it('refuses what is not an answer, saying what one looks like', () => {
    expect(parseAnswer('nope')).toBe('The answer is not JSON.')
    expect(parseAnswer('{"kind":"destructive"}')).toBe('The answer names no app.')
    expect(parseAnswer('{"kind":"rename","app":"blog","key":"k"}')).toMatch(/^Answer with/)
    expect(parseAnswer('{"kind":"destructive","app":"blog","extra":1}')).toEqual({ kind: 'destructive', app: 'blog' })
  })
})

describe('the routes', () => {
  const answered: WaitingAnswer[] = []
  const listeners = new Set<() => void>()
  let server: Server
  let base: string

  beforeAll(async () => {
    const middleware = devPageMiddleware(
      {
        overview: async () => overview(),
        subscribe: (listener) => {
          listeners.add(listener)
          return () => listeners.delete(listener)
        },
        answer: async (answer) => {
          answered.push(answer)
          return {
            written: [{ app: 'blog', id: '1', file: '/p/src/blog/migrations/blog_1.ts', lines: ['x'] }],
            errors: [],
          }
        },
      },
      '/p',
    )
    server = createServer((req, res) =>
      middleware(req, res, () => {
        res.statusCode = 204
        res.end()
      }),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('serves the page and leaves other paths to the next middleware', async () => {
    const page = await fetch(`${base}/__auto-migrations/`)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await page.text()).toContain('<svg id="diagram"')
    expect((await fetch(`${base}/__auto-migrationsX`)).status).toBe(204)
  })

  it('tells an open page when something changed, and forgets it once it is closed', async () => {
    const controller = new AbortController()
    const response = await fetch(`${base}/__auto-migrations/events`, { signal: controller.signal })
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let received = decoder.decode((await reader.read()).value)
    expect(listeners.size).toBe(1)
    for (const listener of listeners) listener()
    while (!received.includes('data: changed')) received += decoder.decode((await reader.read()).value)
    controller.abort()
    await until(() => listeners.size === 0, 'the stream to be forgotten')
  })

  it('takes an answer only as JSON, and says what it wrote', async () => {
    const body = JSON.stringify({ kind: 'destructive', app: 'blog' })
    const form = await fetch(`${base}/__auto-migrations/answer`, { method: 'POST', body })
    expect(form.status).toBe(415)
    expect(answered).toEqual([])
    const json = await fetch(`${base}/__auto-migrations/answer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    expect(await json.json()).toEqual({
      written: [{ app: 'blog', id: '1', file: 'src/blog/migrations/blog_1.ts', lines: ['x'] }],
      errors: [],
    })
    expect(answered).toEqual([{ kind: 'destructive', app: 'blog' }])
  })
})
