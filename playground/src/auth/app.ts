import { defineApp } from 'unplugin-auto-migrations'
import { User } from './tables'

export default defineApp({
  name: 'auth',
  tables: [User],
})
