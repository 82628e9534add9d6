import MarkdownIt from 'markdown-it'
import sanitizeHtml from 'sanitize-html'

// Raw HTML in Markdown is escaped, not passed through; sanitize-html is the second line of defence.
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false })

const sanitizeOptions: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'del', 's'],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title'],
    ol: ['start'],
    th: ['align', 'style'],
    td: ['align', 'style'],
  },
  allowedStyles: { '*': { 'text-align': [/^(left|right|center)$/] } },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener' }) },
}

/** Markdown to HTML that is safe to put on a page: no scripts, handlers, or javascript:/data: URLs. */
export function renderMarkdown (source: string): string {
  return sanitizeHtml(markdown.render(source), sanitizeOptions)
}
