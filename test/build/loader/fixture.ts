/**
 * Fixture projects for loader tests: each test works on its own copy in a fresh temp folder, so
 * tests can edit files and run in parallel.
 */
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

export interface FixtureProject {
  root: string
  /** Absolute path of a file of the project. */
  file(relative: string): string
  write(relative: string, contents: string): Promise<void>
  /** What the loader left in its temp folder (should be nothing). */
  leftovers(): Promise<string[]>
  remove(): Promise<void>
}

/**
 * Copies `test/fixtures/<name>` (or nothing, for `null`) into a temp folder. The copy gets a
 * node_modules with `pg` linked in, as a real project would have it installed.
 */
export async function fixtureProject(name: string | null): Promise<FixtureProject> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'auto-migrations-loader-'))
  if (name) await cp(path.join(repo, 'test/fixtures', name), root, { recursive: true })
  await mkdir(path.join(root, 'node_modules'), { recursive: true })
  await symlink(path.join(repo, 'node_modules/pg'), path.join(root, 'node_modules/pg'), 'dir')
  const file = (relative: string) => path.join(root, relative)
  return {
    root,
    file,
    async write(relative, contents) {
      await mkdir(path.dirname(file(relative)), { recursive: true })
      await writeFile(file(relative), contents)
    },
    async leftovers() {
      // The caches kept on purpose (cache/: bundled config and apps, replayed project state) are not
      // leftovers; a temporary file in there is.
      const list = async (dir: string) =>
        readdir(path.join(root, 'node_modules/.auto-migrations', dir)).catch(() => [] as string[])
      const cached = (await list('cache')).filter((name) => name.endsWith('.tmp')).map((name) => `cache/${name}`)
      return [...(await list('.')).filter((name) => name !== 'cache'), ...cached]
    },
    remove: () => rm(root, { recursive: true, force: true }),
  }
}
