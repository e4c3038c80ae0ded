/** Where the Vite dev server serves the dev page (as vite-plugin-inspect serves `/__inspect/`). */
export const DEV_PAGE_PATH = '/__auto-migrations'
