import { describe, expect, it } from 'vitest'
import { isAutoMigrationsError } from '../../src/errors.js'
import { type Options, resolveOptions } from '../../src/plugin/options.js'

describe('plugin options', () => {
  it('fail builds and never touch a database by default', () => {
    expect(resolveOptions(undefined, { watchMode: false })).toEqual({
      config: undefined,
      onDiff: 'error',
      apply: false,
      allowDestructive: false,
      amend: true,
      virtualModuleId: 'virtual:auto-migrations',
      watchMode: false,
    })
  })

  it('write and apply migrations by default in dev and watch mode', () => {
    expect(resolveOptions({}, { watchMode: true })).toMatchObject({
      onDiff: 'emit',
      apply: true,
      allowDestructive: false,
    })
  })

  it('keep what the user chose', () => {
    const chosen: Options = {
      config: 'db/registry.ts',
      onDiff: 'warn',
      apply: false,
      allowDestructive: true,
      amend: false,
      virtualModuleId: '~db',
    }
    expect(resolveOptions(chosen, { watchMode: true })).toEqual({ ...chosen, watchMode: true })
  })

  it('reject values that cannot work, naming the option', () => {
    const bad = (options: Options) => {
      try {
        resolveOptions(options, { watchMode: false })
      } catch (error) {
        return isAutoMigrationsError(error, 'USAGE') ? error.message : 'not a USAGE error'
      }
      return 'accepted'
    }
    expect(bad({ onDiff: 'fail' as Options['onDiff'] })).toContain('onDiff')
    expect(bad({ virtualModuleId: '' })).toContain('virtualModuleId')
  })
})
