/**
 * The parts of a session's build code: the loader, the project state replay, the planner and the writer.
 * Imported by the session on first use (see session.ts), so that a build or a `check` answered by
 * the verdict cache never loads (or compiles) any of it.
 */
export { LoaderCache, loadMigrationFiles, loadProject } from '../loader/index.js'
export { loadProjectState, rememberWritten, saveRemembered } from './project-state.js'
export {
  TableFiles,
  autoDescription,
  heldReports,
  isEmptyPlan,
  planNewMigrations,
  reportPlans,
  writeMigrations,
} from './plan.js'
