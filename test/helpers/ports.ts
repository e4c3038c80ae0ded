/** Free TCP ports on 127.0.0.1, for servers the tests start themselves (shared with the bench). */
export { freePort } from '../../bench/lib/ports.mjs'
