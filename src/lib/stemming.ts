import snowball from 'snowball-stemmers'

const russian = snowball.newStemmer('russian')
const english = snowball.newStemmer('english')

const WORD = /[\p{L}\p{N}]+/gu

/** The words of a text, lower-cased with "ё" folded to "е" (the stemmers fold neither). */
export function words (text: string): string[] {
  return (text.toLowerCase().replaceAll('ё', 'е').match(WORD) ?? [])
}

/** A word's Snowball stem: Russian for Cyrillic, English for Latin, the word itself otherwise. */
export function stem (word: string): string {
  if (/[а-я]/.test(word)) return russian.stem(word)
  if (/[a-z]/.test(word)) return english.stem(word)
  return word
}

/** What the index stores for a text: its stems, in order, separated by spaces. */
export function stems (text: string): string {
  return words(text).map(stem).join(' ')
}

// Case endings of Russian nouns, longest first.
const CASE_ENDINGS = ['ами', 'ями', 'ов', 'ев', 'ом', 'ем', 'ой', 'ах', 'ях', 'а', 'я', 'у', 'ю', 'е', 'ы', 'и']

/**
 * Stems a query word may match under. Snowball cuts some nouns differently by case: "Азербайджан"
 * and "Азербайджана" become "азербайджа" but "Азербайджану" "азербайджан"; "паром" loses "ом". So a
 * word also asks for the stems of its bare form (case ending removed) and of that form's other cases.
 */
export function stemVariants (word: string): string[] {
  const variants = new Set([stem(word)])
  if (!/^[а-я]{4,}$/.test(word)) return [...variants]
  const ending = CASE_ENDINGS.find((e) => word.endsWith(e) && word.length - e.length >= 3)
  const bareForms = ending ? [word, word.slice(0, -ending.length)] : [word]
  for (const bare of bareForms) {
    variants.add(stem(bare))
    if (/[бвгджзклмнпрстфхцчшщ]$/.test(bare)) for (const e of ['а', 'у', 'ом', 'е', 'ы']) variants.add(stem(bare + e))
  }
  return [...variants]
}
