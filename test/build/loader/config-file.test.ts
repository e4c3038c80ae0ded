import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { findConfigFile } from '../../../src/build/loader/index.js'
import { findConfigFileUp } from '../../../src/build/loader/config-file.js'
import { rejection } from './errors.js'
import { type FixtureProject, fixtureProject } from './fixture.js'

let project: FixtureProject
afterEach(() => project?.remove())

describe('findConfigFile', () => {
  test('takes migrations.config.ts before .mts, .js and .mjs', async () => {
    project = await fixtureProject(null)
    for (const ext of ['mjs', 'js', 'mts', 'ts']) await project.write(`migrations.config.${ext}`, 'export default {}')
    expect(await findConfigFile(project.root)).toBe(project.file('migrations.config.ts'))
  })

  test('falls back to .mts, then .js, then .mjs', async () => {
    project = await fixtureProject(null)
    await project.write('migrations.config.mjs', '')
    expect(await findConfigFile(project.root)).toBe(project.file('migrations.config.mjs'))
    await project.write('migrations.config.js', '')
    expect(await findConfigFile(project.root)).toBe(project.file('migrations.config.js'))
    await project.write('migrations.config.mts', '')
    expect(await findConfigFile(project.root)).toBe(project.file('migrations.config.mts'))
  })

  test('an explicit file is resolved against the root; an explicit folder is searched', async () => {
    project = await fixtureProject(null)
    await project.write('config/db.config.ts', '')
    await project.write('other/migrations.config.js', '')
    expect(await findConfigFile(project.root, 'config/db.config.ts')).toBe(project.file('config/db.config.ts'))
    expect(await findConfigFile(project.root, 'other')).toBe(project.file('other/migrations.config.js'))
  })

  test('no config: CONFIG_NOT_FOUND names the folder and how to scaffold one', async () => {
    project = await fixtureProject(null)
    const error = await rejection(findConfigFile(project.root))
    expect(error.code).toBe('CONFIG_NOT_FOUND')
    expect(error.message).toContain(path.resolve(project.root))
    expect(error.message).toContain('migrations.config.ts')
    expect(error.message).toContain('npx auto-migrations app new <name>')
  })

  test('a missing explicit config: CONFIG_NOT_FOUND names the file', async () => {
    project = await fixtureProject(null)
    const error = await rejection(findConfigFile(project.root, 'nope.config.ts'))
    expect(error.code).toBe('CONFIG_NOT_FOUND')
    expect(error.message).toContain(project.file('nope.config.ts'))
  })

  test('findConfigFileUp: the working directory first, then each folder above it', async () => {
    project = await fixtureProject(null)
    await project.write('migrations.config.ts', '')
    await project.write('a/b/c/file.txt', '')
    expect(await findConfigFileUp(project.file('a/b/c'))).toBe(project.file('migrations.config.ts'))
    await project.write('a/migrations.config.mjs', '')
    expect(await findConfigFileUp(project.file('a/b/c'))).toBe(project.file('a/migrations.config.mjs'))
    expect(await findConfigFileUp(project.root)).toBe(project.file('migrations.config.ts'))
  })
})
