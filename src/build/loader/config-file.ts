/**
 * Finding the project's registry file (`migrations.config.ts`), as Vite finds `vite.config.*`: in
 * the project root only, TypeScript first.
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

async function search(folder: string): Promise<string> {
  for (const name of CONFIG_FILE_NAMES) {
    const file = path.join(folder, name)
    if ((await kindOf(file)) === 'file') return file
  }
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
