/**
 * Reading a migration file without bundling or evaluating it, when it has exactly the shape the
 * writer gives files (see writer/render.ts): one import of `MigrationManager` (and `sql`) from the
 * package, `export const ID`, `export const DESCRIPTION`, and a `forwards()` that creates the
 * manager, calls its methods with literal values, and returns it.
 *
 * Bundling thousands of files with esbuild and evaluating the result would be most of what a cold
 * check costs; reading them as data is a small fraction of it (see bench/). The values
 * a generated file holds are literals (strings, numbers, booleans, null, arrays, objects, sql`…`),
 * so what the calls receive is known without running anything, and `forwards()` makes the same
 * calls on a fresh manager. Anything else in a file (another import, a statement, a type
 * annotation, an expression, `${…}` in a template) means it is not read here: `parseMigrationSource`
 * returns undefined and the file is bundled and evaluated as any hand-written file is.
 */
import { DATA_METHODS, MigrationManager } from '../../core/operations/manager.js'
import { cloneData } from '../../core/state/snapshot.js'
import { sql } from '../../core/state/sql.js'

const PACKAGE_NAME = 'unplugin-auto-migrations'

/** What a module namespace of the file would hold. */
export interface MigrationSourceExports {
  ID: string
  DESCRIPTION: string
  /** Absent in files written before the migration graph (SPEC §3). */
  DEPENDS_ON?: unknown
  /** Only in a squashed migration: the IDs of the migrations it replaces. */
  REPLACES?: unknown
  forwards: () => MigrationManager
}

/** Thrown inside the parser when the text is not of the expected shape; never escapes. */
class NotGenerated extends Error {}

/**
 * The exports of the migration in `text`, or undefined when the file is not of the writer's shape
 * (then it must be bundled and evaluated). Never throws.
 */
export function parseMigrationSource(text: string): MigrationSourceExports | undefined {
  try {
    return new Reader(text).file()
  } catch (error) {
    if (error instanceof NotGenerated) return undefined
    throw error
  }
}

interface Call {
  method: string
  args: unknown[]
}

/** Character codes. */
const CH_TAB = 9
const CH_LF = 10
const CH_VT = 11
const CH_FF = 12
const CH_CR = 13
const CH_SPACE = 32
const CH_QUOTE = 34
const CH_DOLLAR = 36
const CH_APOSTROPHE = 39
const CH_OPEN_PAREN = 40
const CH_CLOSE_PAREN = 41
const CH_STAR = 42
const CH_PLUS = 43
const CH_COMMA = 44
const CH_MINUS = 45
const CH_DOT = 46
const CH_SLASH = 47
const CH_ZERO = 48
const CH_NINE = 57
const CH_COLON = 58
const CH_SEMICOLON = 59
const CH_EQUALS = 61
const CH_OPEN_BRACKET = 91
const CH_BACKSLASH = 92
const CH_CLOSE_BRACKET = 93
const CH_UNDERSCORE = 95
const CH_BACKTICK = 96
const CH_OPEN_BRACE = 123
const CH_CLOSE_BRACE = 125
const CH_NBSP = 0xa0
const CH_LS = 0x2028
const CH_PS = 0x2029
const CH_BOM = 0xfeff

/** Escapes that stand for one control character, by the letter after the backslash. */
const CONTROL_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
  ['b', '\b'],
  ['f', '\f'],
  ['v', '\v'],
])

const isDigit = (c: number) => c >= CH_ZERO && c <= CH_NINE
const isIdentStart = (c: number) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === CH_UNDERSCORE || c === CH_DOLLAR
const isIdentPart = (c: number) => isIdentStart(c) || isDigit(c)

class Reader {
  #at = 0
  constructor(private readonly text: string) {}

  file(): MigrationSourceExports {
    // import { MigrationManager[, sql] } from 'unplugin-auto-migrations'
    this.word('import')
    this.punct(CH_OPEN_BRACE)
    const imported = new Set<string>()
    do {
      const name = this.identifier()
      if ((name !== 'MigrationManager' && name !== 'sql') || imported.has(name)) this.fail()
      imported.add(name)
    } while (this.maybe(CH_COMMA) && !this.peekIs(CH_CLOSE_BRACE))
    this.punct(CH_CLOSE_BRACE)
    this.word('from')
    if (this.string() !== PACKAGE_NAME || !imported.has('MigrationManager')) this.fail()
    this.maybe(CH_SEMICOLON)
    const sqlImported = imported.has('sql')

    const id = this.exportedString('ID')
    const description = this.exportedString('DESCRIPTION')
    const dependsOn = this.optionalExport('DEPENDS_ON')
    const replaces = this.optionalExport('REPLACES')

    // export async function forwards() {
    this.word('export')
    this.word('async')
    this.word('function')
    this.word('forwards')
    this.punct(CH_OPEN_PAREN)
    this.punct(CH_CLOSE_PAREN)
    this.punct(CH_OPEN_BRACE)
    // const manager = new MigrationManager({ migrationId: ID, appName: '…', description: DESCRIPTION })
    this.word('const')
    this.word('manager')
    this.punct(CH_EQUALS)
    this.word('new')
    this.word('MigrationManager')
    this.punct(CH_OPEN_PAREN)
    this.punct(CH_OPEN_BRACE)
    this.word('migrationId')
    this.punct(CH_COLON)
    this.word('ID')
    this.punct(CH_COMMA)
    this.word('appName')
    this.punct(CH_COLON)
    const appName = this.string()
    this.punct(CH_COMMA)
    this.word('description')
    this.punct(CH_COLON)
    this.word('DESCRIPTION')
    this.maybe(CH_COMMA)
    this.punct(CH_CLOSE_BRACE)
    this.punct(CH_CLOSE_PAREN)
    this.maybe(CH_SEMICOLON)

    const calls: Call[] = []
    for (;;) {
      const word = this.identifier()
      if (word === 'return') break
      if (word !== 'manager') this.fail()
      this.punct(CH_DOT)
      const method = this.identifier()
      const arity = DATA_METHODS.get(method)
      if (!arity) this.fail()
      this.punct(CH_OPEN_PAREN)
      const args: unknown[] = []
      while (!this.peekIs(CH_CLOSE_PAREN)) {
        args.push(this.value(sqlImported))
        if (!this.maybe(CH_COMMA)) break
      }
      this.punct(CH_CLOSE_PAREN)
      if (args.length < arity.min || args.length > arity.max) this.fail()
      this.maybe(CH_SEMICOLON)
      calls.push({ method, args })
    }
    this.word('manager')
    this.maybe(CH_SEMICOLON)
    this.punct(CH_CLOSE_BRACE)
    this.skipSpace()
    if (this.#at !== this.text.length) this.fail()

    let fresh = true
    const forwards = (): MigrationManager => {
      const manager = new MigrationManager({ migrationId: id, appName, description })
      // The first call gets the values as read; later ones copies, as a literal is new each time.
      const copy = !fresh
      fresh = false
      const target = manager as unknown as Record<string, (...args: unknown[]) => unknown>
      for (const { method, args } of calls) target[method]!.apply(manager, copy ? cloneData(args) : args)
      return manager
    }
    return {
      ID: id,
      DESCRIPTION: description,
      ...(dependsOn ? { DEPENDS_ON: dependsOn.value } : {}),
      ...(replaces ? { REPLACES: replaces.value } : {}),
      forwards,
    }
  }

  /** `export const NAME = <literal>` when the next export is that one; else nothing is read. */
  optionalExport(name: string): { value: unknown } | undefined {
    const start = this.#at
    this.word('export')
    if (this.identifier() !== 'const' || this.identifier() !== name) {
      this.#at = start
      return undefined
    }
    this.punct(CH_EQUALS)
    const value = this.value(false)
    this.maybe(CH_SEMICOLON)
    return { value }
  }

  /** `export const NAME = '…'` */
  exportedString(name: string): string {
    this.word('export')
    this.word('const')
    this.word(name)
    this.punct(CH_EQUALS)
    const value = this.string()
    this.maybe(CH_SEMICOLON)
    return value
  }

  fail(): never {
    throw new NotGenerated()
  }

  /** Whitespace, line terminators and comments. */
  skipSpace(): void {
    const text = this.text
    let at = this.#at
    for (;;) {
      const c = text.charCodeAt(at)
      if (
        c === CH_SPACE ||
        c === CH_LF ||
        c === CH_CR ||
        c === CH_TAB ||
        c === CH_VT ||
        c === CH_FF ||
        c === CH_NBSP ||
        c === CH_BOM ||
        c === CH_LS ||
        c === CH_PS
      ) {
        at++
      } else if (c === CH_SLASH && text.charCodeAt(at + 1) === CH_SLASH) {
        at += 2
        while (at < text.length) {
          const d = text.charCodeAt(at)
          if (d === CH_LF || d === CH_CR || d === CH_LS || d === CH_PS) break
          at++
        }
      } else if (c === CH_SLASH && text.charCodeAt(at + 1) === CH_STAR) {
        const end = text.indexOf('*/', at + 2)
        if (end < 0) this.fail()
        at = end + 2
      } else {
        break
      }
    }
    this.#at = at
  }

  peekIs(c: number): boolean {
    this.skipSpace()
    return this.text.charCodeAt(this.#at) === c
  }

  maybe(c: number): boolean {
    if (!this.peekIs(c)) return false
    this.#at++
    return true
  }

  punct(c: number): void {
    if (!this.maybe(c)) this.fail()
  }

  identifier(): string {
    this.skipSpace()
    const text = this.text
    const start = this.#at
    if (!isIdentStart(text.charCodeAt(start))) this.fail()
    let at = start + 1
    while (isIdentPart(text.charCodeAt(at))) at++
    // Unicode or escaped identifiers are not something the writer produces.
    const next = text.charCodeAt(at)
    if (next === CH_BACKSLASH || next > 127) this.fail()
    this.#at = at
    return text.slice(start, at)
  }

  word(expected: string): void {
    if (this.identifier() !== expected) this.fail()
  }

  /** A literal: string, number, boolean, null, undefined, array, object, or sql`…`. */
  value(sqlImported: boolean): unknown {
    this.skipSpace()
    const c = this.text.charCodeAt(this.#at)
    if (c === CH_APOSTROPHE || c === CH_QUOTE) return this.string()
    if (c === CH_OPEN_BRACKET) {
      this.#at++
      const out: unknown[] = []
      while (!this.peekIs(CH_CLOSE_BRACKET)) {
        // A hole ([1, , 2]) is not written by the writer.
        if (this.peekIs(CH_COMMA)) this.fail()
        out.push(this.value(sqlImported))
        if (!this.maybe(CH_COMMA)) break
      }
      this.punct(CH_CLOSE_BRACKET)
      return out
    }
    if (c === CH_OPEN_BRACE) {
      this.#at++
      const out: Record<string, unknown> = {}
      while (!this.peekIs(CH_CLOSE_BRACE)) {
        this.skipSpace()
        const k = this.text.charCodeAt(this.#at)
        const key = k === CH_APOSTROPHE || k === CH_QUOTE ? this.string() : this.identifier()
        // `__proto__: …` in a literal sets the prototype: leave that to JavaScript.
        if (key === '__proto__') this.fail()
        this.punct(CH_COLON)
        out[key] = this.value(sqlImported)
        if (!this.maybe(CH_COMMA)) break
      }
      this.punct(CH_CLOSE_BRACE)
      return out
    }
    if (c === CH_MINUS || isDigit(c) || c === CH_DOT) return this.number()
    const word = this.identifier()
    switch (word) {
      case 'true':
        return true
      case 'false':
        return false
      case 'null':
        return null
      case 'undefined':
        return undefined
      case 'Infinity':
        return Number.POSITIVE_INFINITY
      case 'NaN':
        return Number.NaN
      case 'sql':
        if (!sqlImported || this.text.charCodeAt(this.#at) !== CH_BACKTICK) this.fail()
        return sql(this.template())
    }
    return this.fail()
  }

  /** A decimal number, optionally negative (hex, octal, separators and bigints are not written). */
  number(): number {
    const text = this.text
    let at = this.#at
    let negative = false
    if (text.charCodeAt(at) === CH_MINUS) {
      negative = true
      at++
      this.#at = at
      this.skipSpace()
      at = this.#at
      if (text.startsWith('Infinity', at) && !isIdentPart(text.charCodeAt(at + 8))) {
        this.#at = at + 8
        return Number.NEGATIVE_INFINITY
      }
    }
    const start = at
    while (isDigit(text.charCodeAt(at))) at++
    const whole = at - start
    if (text.charCodeAt(at) === CH_DOT) {
      at++
      const fraction = at
      while (isDigit(text.charCodeAt(at))) at++
      if (whole === 0 && at === fraction) this.fail()
    } else if (whole === 0) {
      this.fail()
    }
    // Legacy octal (012) reads differently in JavaScript.
    if (whole > 1 && text.charCodeAt(start) === CH_ZERO) this.fail()
    const e = text.charCodeAt(at)
    if (e === 101 || e === 69) {
      at++
      const sign = text.charCodeAt(at)
      if (sign === CH_PLUS || sign === CH_MINUS) at++
      const digits = at
      while (isDigit(text.charCodeAt(at))) at++
      if (at === digits) this.fail()
    }
    // 1n, 1_000, 0x10, 1.5.x: not a plain decimal literal.
    const next = text.charCodeAt(at)
    if (isIdentPart(next) || next === CH_DOT || next === CH_BACKSLASH || next > 127) this.fail()
    this.#at = at
    const value = Number(text.slice(start, at))
    return negative ? -value : value
  }

  /** A string literal, its escapes decoded as JavaScript decodes them. */
  string(): string {
    this.skipSpace()
    const quote = this.text.charCodeAt(this.#at)
    if (quote !== CH_APOSTROPHE && quote !== CH_QUOTE) this.fail()
    return this.quoted(quote)
  }

  /** The cooked text of a template literal without substitutions (sql`…`). */
  template(): string {
    return this.quoted(CH_BACKTICK)
  }

  /**
   * The decoded text from the opening quote at the reader's position (' " or `) up to the closing
   * `quote`; the reader continues after it. Strings and templates decode escapes alike and differ
   * only in line breaks and `${`, so one loop reads both.
   */
  quoted(quote: number): string {
    const text = this.text
    const isTemplate = quote === CH_BACKTICK
    let at = this.#at + 1
    let out = ''
    // Plain text is copied in runs (`from` up to `at`) rather than a character at a time.
    let from = at
    for (;;) {
      if (at >= text.length) this.fail()
      const c = text.charCodeAt(at)
      if (c === quote) break
      if (isTemplate) {
        // A substitution is an expression, not data.
        if (c === CH_DOLLAR && text.charCodeAt(at + 1) === CH_OPEN_BRACE) this.fail()
      } else if (c === CH_LF || c === CH_CR) {
        // A string spans lines only through an escaped line break.
        this.fail()
      }
      if (c !== CH_BACKSLASH && c !== CH_CR) {
        at++
        continue
      }
      out += text.slice(from, at)
      if (c === CH_CR) {
        // Line terminators in a template are normalised to \n.
        out += '\n'
        at += text.charCodeAt(at + 1) === CH_LF ? 2 : 1
      } else {
        at = this.escape(at, (decoded) => {
          out += decoded
        })
      }
      from = at
    }
    out += text.slice(from, at)
    this.#at = at + 1
    return out
  }

  /** Decodes the escape at `at` (a backslash); returns where the text continues. */
  escape(at: number, emit: (decoded: string) => void): number {
    const text = this.text
    const control = CONTROL_ESCAPES.get(text.charAt(at + 1))
    if (control !== undefined) {
      emit(control)
      return at + 2
    }
    const c = text.charCodeAt(at + 1)
    switch (c) {
      case 48: // 0, not followed by a digit (that would be a legacy octal escape)
        if (isDigit(text.charCodeAt(at + 2))) this.fail()
        emit('\0')
        return at + 2
      case 120: {
        // \xHH
        const hex = text.slice(at + 2, at + 4)
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.fail()
        emit(String.fromCharCode(Number.parseInt(hex, 16)))
        return at + 4
      }
      case 117: {
        // \uHHHH or \u{H…}
        if (text.charCodeAt(at + 2) === CH_OPEN_BRACE) {
          const end = text.indexOf('}', at + 3)
          const hex = end < 0 ? '' : text.slice(at + 3, end)
          if (!/^[0-9a-fA-F]{1,6}$/.test(hex) || Number.parseInt(hex, 16) > 0x10ffff) this.fail()
          emit(String.fromCodePoint(Number.parseInt(hex, 16)))
          return end + 1
        }
        const hex = text.slice(at + 2, at + 6)
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail()
        emit(String.fromCharCode(Number.parseInt(hex, 16)))
        return at + 6
      }
      case CH_CR:
        // Line continuation: nothing.
        return text.charCodeAt(at + 2) === CH_LF ? at + 3 : at + 2
      case CH_LF:
      case CH_LS:
      case CH_PS:
        return at + 2
    }
    if (Number.isNaN(c) || (c >= 49 && c <= 57)) this.fail() // \1-\9: octal escapes
    // Any other character stands for itself: \\ \' \" \` \$ …
    emit(String.fromCharCode(c))
    return at + 2
  }
}
