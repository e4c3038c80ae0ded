/**
 * Finding the project's registry file (`migrations.config.ts`). The plugin looks in the bundler's
 * root only, as Vite finds `vite.config.*`; the CLI walks up from the working directory, as Vite and
 * ESLint do on the command line (`findConfigFileUp`). TypeScript first in each folder.
 */
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { AutoMigrationsError } from '../../errors.js'

/** Names looked for, in order. */
export const CONFIG_FILE_NAMES = [
  'migrations.config.ts',
  'migrations.config.mts',
  'migrations.config.js',
  'migrations.config.mjs',
] as const

/**
 * The absolute path of the config file: `explicit` (relative to `root`; a folder is searched like
 * `root`), or the first of `CONFIG_FILE_NAMES` in `root`.
 * @throws AutoMigrationsError `CONFIG_NOT_FOUND`, naming the folder and what to create.
 */
export async function findConfigFile(root: string, explicit?: string): Promise<string> {
  const base = path.resolve(root)
  if (explicit !== undefined) {
    const file = path.resolve(base, explicit)
    const kind = await kindOf(file)
    if (kind === 'file') return file
    if (kind !== 'directory') {
      throw new AutoMigrationsError('CONFIG_NOT_FOUND', `Config file ${file} does not exist.`, { file })
    }
    return search(file)
  }
  return search(base)
}

/**
 * The config file of the project that `start` is in: the first of `CONFIG_FILE_NAMES` in `start`,
 * then in each folder above it, up to the file system's root.
 * @throws AutoMigrationsError `CONFIG_NOT_FOUND`, naming where the search started and what to create.
 */
export async function findConfigFileUp(start: string): Promise<string> {
  const from = path.resolve(start)
  for (let folder = from; ; folder = path.dirname(folder)) {
    const file = await firstConfigIn(folder)
    if (file !== undefined) return file
    if (path.dirname(folder) === folder) break
  }
  throw new AutoMigrationsError(
    'CONFIG_NOT_FOUND',
    `No migrations.config.ts (or .mts, .js, .mjs) in ${from} or any folder above it. Create one in ` +
      `your project's root that default-exports defineConfig({ apps: [...] }) (the embedded database ` +
      `goes next to it, in .auto-migrations/db), run from inside your project, pass --config FILE, ` +
      `or scaffold an app and the config here with: npx auto-migrations app new <name>`,
    { folder: from },
  )
}

async function firstConfigIn(folder: string): Promise<string | undefined> {
  for (const name of CONFIG_FILE_NAMES) {
    const file = path.join(folder, name)
    if ((await kindOf(file)) === 'file') return file
  }
  return undefined
}

async function search(folder: string): Promise<string> {
  const file = await firstConfigIn(folder)
  if (file !== undefined) return file
  throw new AutoMigrationsError(
    'CONFIG_NOT_FOUND',
    `No migrations.config.ts (or .mts, .js, .mjs) in ${folder}. Create one that default-exports ` +
      `defineConfig({ apps: [...] }), or scaffold an app and the config with: npx auto-migrations app new <name>`,
    { folder },
  )
}

async function kindOf(file: string): Promise<'file' | 'directory' | undefined> {
  try {
    const info = await stat(file)
    return info.isFile() ? 'file' : info.isDirectory() ? 'directory' : undefined
  } catch {
    return undefined
  }
}
