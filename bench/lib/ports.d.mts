/** Types of ports.mjs, for the tests (test/helpers/ports.ts). */
export function freePort(): Promise<number>
