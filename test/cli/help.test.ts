/** `help <command>` and `<command> --help` describe every option; `--help` lists the commands. */
import { afterEach, describe, expect, it } from 'vitest'
import { COMMANDS } from '../../src/cli/main.js'
import { project, removeProjects } from './helpers.js'

afterEach(removeProjects)

/** The option lines of a help text: `  --name [VALUE]  description`. */
const optionLines = (text: string) =>
  new Map([...text.matchAll(/^ {2}(--[a-z-]+)(?: [A-Z]+)? {2,}(\S.*)$/gm)].map((m) => [m[1]!, m[2]!] as const))

describe('help', () => {
  it('help new and new --help list every option of new with its description', async () => {
    const p = await project(null)
    const viaHelp = await p.run(['help', 'new'])
    const viaFlag = await p.run(['new', '--help'])
    expect(viaHelp.code).toBe(0)
    expect(viaFlag.code).toBe(0)
    expect(viaHelp.stdout).toBe(viaFlag.stdout)
    expect(viaHelp.stdout).toMatch(/^Usage: auto-migrations new <app\|all>/)
    const lines = optionLines(viaHelp.stdout)
    for (const name of ['--auto', '--desc', '--rename', '--yes', '--no-cache', '--config', '--database', '--trace']) {
      expect(lines.get(name), name).toMatch(/\w{3}/)
    }
    expect(viaHelp.stdout).toContain('  --desc TEXT ')
    expect(viaHelp.stdout).toContain('  --rename SPEC ')
    expect(lines.get('--auto')).toContain('the changes made to the tables')
  })

  it('describes every option of every command, and lists the commands', async () => {
    const p = await project(null)
    for (const command of COMMANDS) {
      const help = await p.run(['help', ...command.words])
      expect(help.code).toBe(0)
      const lines = optionLines(help.stdout)
      for (const [name, option] of Object.entries(command.options)) {
        expect(option.description, `${command.words.join(' ')} --${name}`).not.toBe('')
        expect(lines.get(`--${name}`)).toBe(option.description)
      }
    }
    const all = await p.run(['--help'])
    expect(all.code).toBe(0)
    for (const command of COMMANDS) expect(all.stdout).toContain(`  ${command.words.join(' ')} `)
    expect(all.stdout).toContain('auto-migrations help <command>')
    expect((await p.run(['help'])).stdout).toBe(all.stdout)
    expect((await p.run(['app', 'new', '-h'])).stdout).toBe((await p.run(['help', 'app', 'new'])).stdout)
  })

  it('help of an unknown command is a usage error', async () => {
    const p = await project(null)
    const result = await p.run(['help', 'nope'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('error [USAGE]: Unknown command "nope"')
  })
})
