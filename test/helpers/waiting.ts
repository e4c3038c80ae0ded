/** The waiting change the dev page tests answer: Post.title became Post.headline in app blog. */
import type { WaitingChange } from '../../src/build/project/overview.js'

export const TITLE_TO_HEADLINE: Extract<WaitingChange, { kind: 'rename' }> = {
  kind: 'rename',
  app: 'blog',
  key: 'column:blog:Post:title->headline',
  subject: 'column',
  table: 'Post',
  from: 'title',
  to: 'headline',
  description: 'did you rename column Post.title to Post.headline?',
}
