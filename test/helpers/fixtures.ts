// Test fixtures in the shape of real newsroom copy: a headline, a lead, a dateline, paragraphs with
// attributed quotes in «ёлочки», em dashes and ё. Written for these tests.

export const fullArticle = {
  title: 'Азербайджан и Турция подписали соглашение о «зелёном» энергомосте',
  lead: 'Стороны договорились проложить по дну Каспия кабель мощностью 4 ГВт — первые поставки ожидаются в 2029 году.',
  body: [
    '**БАКУ, 27 ноября.** Министры энергетики Азербайджана и Турции в четверг подписали межправительственное соглашение о строительстве энергомоста, который соединит ветропарки Каспия с сетями Анатолии.',
    '«Это не просто линия электропередачи, а новый маршрут для чистой энергии в Европу», — заявил на церемонии министр энергетики Азербайджана.',
    'Турецкая сторона подчеркнула, что проект не зависит от погоды на рынке газа. «Мы покупаем не киловатт-часы, а предсказуемость», — сказал замминистра энергетики Турции.',
    'По данным организаторов, стоимость первой очереди оценивается в 3,2 млрд долларов. Финансирование — ещё предмет переговоров с банками развития.',
    'Эксперты отмечают, что ключевой вопрос — ёмкость приёмных подстанций. «Без их модернизации энергомост будет работать вполсилы», — считает аналитик отраслевого центра в Стамбуле.',
    'Следующий раунд переговоров намечен на февраль; к нему стороны обещают подготовить технико-экономическое обоснование.',
  ].join('\n\n'),
  lang: 'ru',
  author: 'Наталья Ёлкина',
  tags: ['Энергетика', 'Азербайджан', 'Турция'],
}

/** Ten short items for a "latest news" list. */
export const latestHeadlines = [
  'В Москве открылся первый ёлочный базар сезона',
  'ЦБ сохранил ключевую ставку — рынок ожидал снижения',
  'Синоптики пообещали снег в Петербурге к выходным',
  '«Зенит» обыграл «Спартак» в центральном матче тура',
  'В Казани запустили новую линию метро',
  'Минфин разместил облигации на 40 млрд рублей',
  'Учёные МГУ представили отечественный квантовый процессор',
  'Аэрофлот возобновит рейсы в Анталью с 1 декабря',
  'В Новосибирске прошёл фестиваль зимнего кино',
  'Правительство утвердило план по ремонту школ на 2027 год',
]

/** A small photo-like PNG, made with sharp. */
export const samplePng = async (width = 400, height = 300): Promise<Buffer> => {
  const { default: sharp } = await import('sharp')
  return sharp({ create: { width, height, channels: 3, background: { r: 30, g: 110, b: 160 } } }).png().toBuffer()
}

/** A multipart/form-data body with one `file` part and text fields, for app.inject. */
export function multipartUpload (file: Buffer, fields: Record<string, string> = {}, { name = 'photo.png', type = 'image/png' } = {}) {
  const boundary = `----cms-test-${Math.random().toString(16).slice(2)}`
  const parts: Buffer[] = Object.entries(fields).map(([key, value]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${value}\r\n`))
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`), file,
    Buffer.from(`\r\n--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}
