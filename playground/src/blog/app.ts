import { defineApp } from 'unplugin-auto-migrations'
import auth from '../auth/app'
import { Author, Post } from './tables'

export default defineApp({
  name: 'blog',
  tables: [Author, Post],
  dependencies: [auth],
})
