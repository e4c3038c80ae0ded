/**
 * Where the diagram's boxes and arrows go, computed by dagre (a layered graph layout): one box per
 * table, sized by its text, inside one box per app, and each foreign key routed from its table to
 * the table it points at. Pure: the same diagram gives the same layout.
 */
import dagre from '@dagrejs/dagre'
import type { Diagram, DiagramForeignKey, DiagramTable } from '../../build/project/overview.js'

export interface Box {
  x: number
  y: number
  width: number
  height: number
}

export interface DiagramLayout {
  width: number
  height: number
  apps: (Box & { name: string })[]
  tables: (Box & { table: DiagramTable })[]
  foreignKeys: { foreignKey: DiagramForeignKey; points: { x: number; y: number }[] }[]
}

/** The page draws column text in a 12px monospace font, about this wide per character. */
const CHAR_WIDTH = 7.2
export const ROW_HEIGHT = 18
export const HEADER_HEIGHT = 26
const PADDING = 10

export function tableText(column: DiagramTable['columns'][number]): string {
  return `${column.name}  ${column.type}${column.nullable ? '?' : ''}`
}

function tableSize(table: DiagramTable): { width: number; height: number } {
  const longest = Math.max(
    table.className.length + table.tablename.length + 3,
    ...table.columns.map((c) => tableText(c).length),
  )
  return {
    width: Math.ceil(longest * CHAR_WIDTH + 2 * PADDING),
    height: HEADER_HEIGHT + table.columns.length * ROW_HEIGHT + PADDING,
  }
}

const APP_PREFIX = 'app:'

/** dagre gives centres; the page draws from top-left corners. */
function corner(node: { x: number; y: number; width: number; height: number }): Box {
  return { x: node.x - node.width / 2, y: node.y - node.height / 2, width: node.width, height: node.height }
}

export function layoutDiagram(diagram: Diagram): DiagramLayout {
  const graph = new dagre.graphlib.Graph({ compound: true, multigraph: true })
  graph.setGraph({ rankdir: 'RL', nodesep: 30, ranksep: 70, marginx: 12, marginy: 12 })
  graph.setDefaultEdgeLabel(() => ({}))
  for (const app of diagram.apps) {
    if (app.tables.length === 0) continue
    graph.setNode(APP_PREFIX + app.name, { label: app.name, paddingTop: 28 })
    for (const table of app.tables) {
      graph.setNode(table.id, tableSize(table))
      graph.setParent(table.id, APP_PREFIX + app.name)
    }
  }
  for (const fk of diagram.foreignKeys) graph.setEdge(fk.from, fk.to, {}, fk.column)
  dagre.layout(graph)

  const tables = diagram.apps.flatMap((app) => app.tables.map((table) => ({ ...corner(graph.node(table.id)), table })))
  const apps = diagram.apps
    .filter((app) => app.tables.length > 0)
    .map((app) => ({ ...corner(graph.node(APP_PREFIX + app.name)), name: app.name }))
  const foreignKeys = diagram.foreignKeys.map((foreignKey) => ({
    foreignKey,
    points: graph.edge({ v: foreignKey.from, w: foreignKey.to, name: foreignKey.column }).points ?? [],
  }))
  const { width = 0, height = 0 } = graph.graph()
  return { width, height, apps, tables, foreignKeys }
}
