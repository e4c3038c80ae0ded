// Shows the live schema of the dev database; refreshes when a migration is applied (HMR of the runner module).
async function render(): Promise<void> {
  const rows = (await (await fetch('/api/schema')).json()) as { table_name: string; column_name: string; data_type: string }[]
  const body = rows.map((r) => `<tr><td>${r.table_name}</td><td>${r.column_name}</td><td>${r.data_type}</td></tr>`).join('')
  document.querySelector('#schema')!.innerHTML = `<table><tr><th>table</th><th>column</th><th>type</th></tr>${body}</table>`
}
void render()
setInterval(render, 2000)
