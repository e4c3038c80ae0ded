/** The CLI's arguments: Node's parser, with our spellings of what is wrong. */
import { describe, expect, it } from 'vitest'
import { parseArgs } from '../../src/cli/args.js'
import { AutoMigrationsError } from '../../src/errors.js'

const specs = { yes: 'boolean', desc: 'string', rename: 'strings', help: 'boolean', version: 'boolean' } as const

const usage = (argv: string[]): string => {
  try {
    parseArgs(argv, specs)
  } catch (error) {
    expect(error).toBeInstanceOf(AutoMigrationsError)
    expect((error as AutoMigrationsError).code).toBe('USAGE')
    return (error as Error).message
  }
  throw new Error(`no error for ${argv.join(' ')}`)
}

describe('parseArgs', () => {
  it('reads positionals, flags, values in both spellings, repeated options and --', () => {
    const args = parseArgs(
      [
        'new',
        'blog',
        '--yes',
        '--desc',
        'first',
        '--desc=second',
        '--rename',
        'Post.a=b',
        '--rename=Tag.c=d',
        '--',
        '--x',
      ],
      specs,
    )
    expect(args.positionals).toEqual(['new', 'blog', '--x'])
    expect(args.options).toEqual({ yes: true, desc: 'second', rename: ['Post.a=b', 'Tag.c=d'] })
  })

  it('takes -h and -v for help and version', () => {
    expect(parseArgs(['-h'], specs).options).toEqual({ help: true })
    expect(parseArgs(['-v'], specs).options).toEqual({ version: true })
  })

  it('names the option that is unknown, lacks its value or takes none', () => {
    expect(usage(['--bogus'])).toBe('Unknown option --bogus.')
    expect(usage(['--desc'])).toBe('Option --desc needs a value.')
    expect(usage(['--desc', '--yes'])).toBe('Option --desc needs a value.')
    expect(usage(['--yes=1'])).toBe('Option --yes takes no value.')
  })
})
