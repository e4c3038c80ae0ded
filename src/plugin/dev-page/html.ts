/**
 * The dev page as one HTML document, rendered on the server from the project's overview and the
 * diagram's layout: the changes waiting for a person (with the buttons that answer them), the
 * tables as an SVG diagram, drift, and the migration timeline with each migration's SQL. Pure.
 */
import type {
  DriftLine,
  ProjectOverview,
  TimelineEntry,
  WaitingAnswer,
  WaitingChange,
} from '../../build/project/overview.js'
import { type DiagramLayout, HEADER_HEIGHT, ROW_HEIGHT, tableText } from './layout.js'
import { DEV_PAGE_PATH } from './path.js'
import { PAGE_SCRIPT, PAGE_STYLE } from './assets.js'

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function answerButton(answer: WaitingAnswer, label: string): string {
  return `<button type="button" data-answer="${escapeHtml(JSON.stringify(answer))}">${escapeHtml(label)}</button>`
}

function waitingItem(change: WaitingChange): string {
  if (change.kind === 'rename') {
    const { app, key } = change
    const dropped = change.subject === 'table' ? `table ${change.from}` : `column "${change.from}"`
    return `<li class="waiting rename" data-waiting="${escapeHtml(key)}">
  <p><strong>${escapeHtml(app)}</strong>: ${escapeHtml(change.description)}</p>
  ${answerButton({ kind: 'rename', app, key, rename: true }, 'it is a rename')}
  ${answerButton({ kind: 'rename', app, key, rename: false }, `drop ${dropped} and add ${change.subject === 'table' ? `table ${change.to}` : `"${change.to}"`}`)}
</li>`
  }
  const lines = change.changes.map((line) => `<li>${escapeHtml(line)}</li>`).join('')
  const label = change.changes.length === 1 ? 'write the destructive change' : 'write the destructive changes'
  return `<li class="waiting destructive" data-waiting="destructive:${escapeHtml(change.app)}">
  <p><strong>${escapeHtml(change.app)}</strong>: loses data</p>
  <ul>${lines}</ul>
  ${answerButton({ kind: 'destructive', app: change.app }, label)}
</li>`
}

function waitingSection(waiting: readonly WaitingChange[]): string {
  const body =
    waiting.length === 0
      ? '<p class="quiet">Nothing waits for an answer.</p>'
      : `<p>Answering writes the migration as <code>npx auto-migrations new &lt;app&gt; --auto</code> would after the same answer, and applies it to the dev database.</p>
<ul class="waiting-list">${waiting.map(waitingItem).join('\n')}</ul>`
  return `<section id="waiting"><h2>Waiting for you</h2>${body}<p id="answer-result" role="status"></p></section>`
}

const round = (n: number) => Math.round(n * 10) / 10

function diagramSvg(layout: DiagramLayout): string {
  if (layout.tables.length === 0) return '<p class="quiet">No tables yet.</p>'
  const apps = layout.apps.map(
    (a) => `<g class="app" data-app="${escapeHtml(a.name)}">
  <rect x="${round(a.x)}" y="${round(a.y)}" width="${round(a.width)}" height="${round(a.height)}" rx="8"/>
  <text x="${round(a.x + 10)}" y="${round(a.y + 18)}">${escapeHtml(a.name)}</text>
</g>`,
  )
  const tables = layout.tables.map(({ table, x, y, width, height }) => {
    const rows = table.columns.map((c, i) => {
      const cls = c.primaryKey ? ' class="pk"' : ''
      return `<text${cls} x="${round(x + 10)}" y="${round(y + HEADER_HEIGHT + 13 + i * ROW_HEIGHT)}">${escapeHtml(tableText(c))}</text>`
    })
    return `<g class="table" data-table="${escapeHtml(table.id)}">
  <rect x="${round(x)}" y="${round(y)}" width="${round(width)}" height="${round(height)}" rx="4"/>
  <line x1="${round(x)}" y1="${round(y + HEADER_HEIGHT - 4)}" x2="${round(x + width)}" y2="${round(y + HEADER_HEIGHT - 4)}"/>
  <text class="name" x="${round(x + 10)}" y="${round(y + 16)}">${escapeHtml(table.className)} <tspan>${escapeHtml(table.tablename)}</tspan></text>
  ${rows.join('\n  ')}
</g>`
  })
  const edges = layout.foreignKeys.map(({ foreignKey, points }) => {
    const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${round(p.x)},${round(p.y)}`).join(' ')
    const id = `${foreignKey.from}.${foreignKey.column}`
    return `<path class="fk" data-fk="${escapeHtml(id)}" d="${d}" marker-end="url(#arrow)"><title>${escapeHtml(`${id} → ${foreignKey.to}`)}</title></path>`
  })
  return `<svg id="diagram" xmlns="http://www.w3.org/2000/svg" width="${round(layout.width)}" height="${round(layout.height)}" viewBox="0 0 ${round(layout.width)} ${round(layout.height)}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>
${apps.join('\n')}
${tables.join('\n')}
${edges.join('\n')}
</svg>`
}

function driftSection(drift: readonly DriftLine[] | undefined): string {
  const body =
    drift === undefined
      ? `<p class="quiet">Not compared: comparing builds the expected schema in a scratch database. <a href="${DEV_PAGE_PATH}?drift=1">Compare the dev database with its migrations</a></p>`
      : drift.length === 0
        ? '<p class="quiet">The dev database matches what its applied migrations describe.</p>'
        : `<ul>${drift
            .map((d) => {
              const where = [d.app, d.table].filter((part) => part !== undefined).join('.')
              return `<li class="drift">${where ? `<strong>${escapeHtml(where)}</strong>: ` : ''}${escapeHtml(d.description)}</li>`
            })
            .join('')}</ul>`
  return `<section id="drift"><h2>Drift</h2>${body}</section>`
}

function stateText(entry: TimelineEntry): string {
  if (entry.state === 'partial' && entry.steps)
    return `partial (${entry.steps.done} of ${entry.steps.total} steps, ${entry.steps.direction})`
  return entry.state
}

function timelineSection(timeline: readonly TimelineEntry[], databaseError: string | undefined): string {
  const note = databaseError
    ? `<p class="error">The dev database could not be read: ${escapeHtml(databaseError)}</p>`
    : ''
  const items = timeline.map(
    (m) => `<li class="migration" data-migration="${escapeHtml(`${m.app} ${m.id}`)}" data-state="${m.state}">
  <span class="state ${m.state}">${escapeHtml(stateText(m))}</span> <strong>${escapeHtml(m.app)}</strong> <code>${escapeHtml(m.id)}</code> ${escapeHtml(m.description)}${m.ranOn ? ` <span class="quiet">ran ${escapeHtml(m.ranOn)}</span>` : ''}
  ${m.sql.length > 0 ? `<details><summary>SQL</summary><pre>${escapeHtml(m.sql.join('\n'))}</pre></details>` : ''}
</li>`,
  )
  const body =
    timeline.length === 0 ? '<p class="quiet">No migrations yet.</p>' : `<ol class="timeline">${items.join('\n')}</ol>`
  return `<section id="timeline"><h2>Migrations</h2>${note}${body}</section>`
}

export function renderDevPage(overview: ProjectOverview, layout: DiagramLayout): string {
  const problems =
    overview.problems.length === 0
      ? ''
      : `<section id="problems"><h2>Problems</h2><ul>${overview.problems.map((p) => `<li class="error">${escapeHtml(p)}</li>`).join('')}</ul></section>`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>auto-migrations</title>
<style>${PAGE_STYLE}</style>
</head>
<body data-endpoint="${DEV_PAGE_PATH}/answer" data-events="${DEV_PAGE_PATH}/events">
<h1>auto-migrations <a href="${DEV_PAGE_PATH}" class="quiet">reload</a></h1>
${problems}
${waitingSection(overview.waiting)}
<section id="tables"><h2>Tables</h2>${diagramSvg(layout)}</section>
${driftSection(overview.drift)}
${timelineSection(overview.timeline, overview.databaseError)}
<script type="module">${PAGE_SCRIPT}</script>
</body>
</html>
`
}
