/**
 * The dev page's style and its one script, which posts answers and shows the page again when the
 * server says something changed.
 */

export const PAGE_STYLE = `
body { font: 14px/1.5 system-ui, sans-serif; margin: 1.5rem 2rem; color: #1f2328; }
h1 a { font-size: 0.6em; font-weight: normal; margin-left: 1em; }
.quiet { color: #59636e; }
.error { color: #b3261e; white-space: pre-wrap; }
.waiting-list { list-style: none; padding: 0; }
.waiting { border: 1px solid #d0a800; background: #fff8d6; border-radius: 6px; padding: 0.5rem 1rem; margin: 0.5rem 0; }
.waiting.destructive { border-color: #b3261e; background: #ffeceb; }
.waiting button { margin-right: 0.5rem; }
#diagram { font: 12px ui-monospace, monospace; max-width: 100%; height: auto; }
#diagram .app rect { fill: #f6f8fa; stroke: #d1d9e0; }
#diagram .app > text { font-weight: bold; fill: #59636e; }
#diagram .table rect { fill: #fff; stroke: #1f6feb; }
#diagram .table line { stroke: #1f6feb; }
#diagram .table .name { font-weight: bold; }
#diagram .table .name tspan { font-weight: normal; fill: #59636e; }
#diagram .table .pk { text-decoration: underline; }
#diagram .fk { fill: none; stroke: #8250df; stroke-width: 1.5; }
#diagram marker path { fill: #8250df; }
.timeline { padding-left: 1.5rem; }
.state { display: inline-block; min-width: 4.5em; font-size: 0.85em; border-radius: 4px; padding: 0 0.3em; text-align: center; }
.state.ran { background: #dafbe1; }
.state.pending { background: #fff8c5; }
.state.partial, .state.changed, .state.missing { background: #ffebe9; }
.state.unknown { background: #eaeef2; }
pre { background: #f6f8fa; padding: 0.5rem; overflow-x: auto; }
`

export const PAGE_SCRIPT = `
const endpoint = document.body.dataset.endpoint
let answering = false
// The server says when a save changed what the page shows (an answer's own change reloads once, below).
new EventSource(document.body.dataset.events).onmessage = () => {
  if (!answering) location.reload()
}
const result = document.querySelector('#answer-result')
for (const button of document.querySelectorAll('button[data-answer]')) {
  button.addEventListener('click', async () => {
    answering = true
    for (const b of document.querySelectorAll('button[data-answer]')) b.disabled = true
    result.textContent = 'Writing the migration…'
    try {
      const response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: button.dataset.answer })
      const answered = await response.json()
      if (answered.errors.length > 0) {
        result.className = 'error'
        result.textContent = answered.errors.join('\\n')
        for (const b of document.querySelectorAll('button[data-answer]')) b.disabled = false
        answering = false
        return
      }
      location.reload()
    } catch (error) {
      result.className = 'error'
      result.textContent = String(error)
      answering = false
    }
  })
}
`
