/**
 * The dev page's routes on the Vite dev server: the page, its data as JSON, and the answers it
 * posts. The page itself (dagre and the HTML) is imported on the first request, so a dev server
 * start costs nothing for it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import type { ProjectOverview, WaitingAnswer } from '../../build/project/overview.js'
import type { AnswerResult } from '../../build/project/types.js'
import { parseAnswer } from './answer-request.js'
import { DEV_PAGE_PATH } from './path.js'

export interface DevPageSource {
  overview(options: { drift?: boolean }): Promise<ProjectOverview>
  answer(answer: WaitingAnswer): Promise<AnswerResult>
  /** Calls `listener` whenever what the page shows may have changed; returns the call that stops it. */
  subscribe(listener: () => void): () => void
}

type Next = (error?: unknown) => void

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status
  res.setHeader('content-type', `${type}; charset=utf-8`)
  res.setHeader('cache-control', 'no-store')
  res.end(body)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
    })
    req.on('end', () => resolve(body))
    req.on('error', reject)
  })
}

/** What the page shows after an answer: the files relative to the project, the errors' messages. */
function answeredJson(result: AnswerResult, root: string): string {
  return JSON.stringify({
    written: result.written.map((w) => ({ app: w.app, id: w.id, file: path.relative(root, w.file), lines: w.lines })),
    errors: result.errors.map((e) => e.message),
  })
}

export function devPageMiddleware(source: DevPageSource, root: string) {
  return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const route = url.pathname.replace(/\/+$/, '')
    if (route === DEV_PAGE_PATH || route.startsWith(`${DEV_PAGE_PATH}/`))
      handle(route, url.searchParams.has('drift'), req, res).catch(next)
    else next()
  }

  /** `drift`: the page asked to compare the dev database with its migrations (`?drift=1`). */
  async function handle(route: string, drift: boolean, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (route === DEV_PAGE_PATH && req.method === 'GET') {
      const [{ renderDevPage }, { layoutDiagram }, overview] = await Promise.all([
        import('./html.js'),
        import('./layout.js'),
        source.overview({ drift }),
      ])
      send(res, 200, 'text/html', renderDevPage(overview, layoutDiagram(overview.diagram)))
      return
    }
    if (route === `${DEV_PAGE_PATH}/events` && req.method === 'GET') {
      // Server-sent events: an open page shows a save's result without being reloaded by hand.
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
      res.write(': connected\n\n')
      const stop = source.subscribe(() => res.write('data: changed\n\n'))
      req.on('close', stop)
      return
    }
    if (route === `${DEV_PAGE_PATH}/overview.json` && req.method === 'GET') {
      send(res, 200, 'application/json', JSON.stringify(await source.overview({ drift })))
      return
    }
    if (route === `${DEV_PAGE_PATH}/answer` && req.method === 'POST') {
      // Only the page's own fetch sends JSON: a form on another site cannot, without a CORS
      // preflight this server never grants.
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        send(res, 415, 'application/json', JSON.stringify({ written: [], errors: ['Post the answer as JSON.'] }))
        return
      }
      const answer = parseAnswer(await readBody(req))
      if (typeof answer === 'string') {
        send(res, 400, 'application/json', JSON.stringify({ written: [], errors: [answer] }))
        return
      }
      send(res, 200, 'application/json', answeredJson(await source.answer(answer), root))
      return
    }
    send(res, 404, 'text/plain', `Not found. The dev page is ${DEV_PAGE_PATH}.`)
  }
}
