#!/usr/bin/env node
// A CLI command lives a second or two, and the embedded database's WebAssembly is hot from its
// first statement: V8 would spend more CPU optimising that code than the command then runs with it.
// A larger tiering budget lets short commands finish on the baseline compiler; long runs
// (thousands of migrations) still get optimised code. Set before anything compiles.
import { setFlagsFromString } from 'node:v8'

setFlagsFromString('--wasm-tiering-budget=180000000')

import('../dist/cli.js').then((cli) => cli.main(process.argv.slice(2))).then((code) => {
  process.exitCode = code
})
