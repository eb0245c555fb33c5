import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { Marked } from 'marked';

// A handful of common languages keeps the bundle small; others render as plain code.
const languages = {
  bash,
  css,
  diff,
  go,
  javascript,
  json,
  python,
  rust,
  sql,
  typescript,
  xml,
  yaml,
};
for (const [name, language] of Object.entries(languages)) hljs.registerLanguage(name, language);
hljs.registerAliases(['sh', 'shell', 'zsh', 'console'], { languageName: 'bash' });
hljs.registerAliases(['js', 'jsx', 'mjs', 'cjs'], { languageName: 'javascript' });
hljs.registerAliases(['ts', 'tsx'], { languageName: 'typescript' });
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });
hljs.registerAliases(['py'], { languageName: 'python' });
hljs.registerAliases(['yml'], { languageName: 'yaml' });
hljs.registerAliases(['rs'], { languageName: 'rust' });

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Highlighting takes about a millisecond per KB of code: a longer block shows plain. */
const HIGHLIGHT_MAX_CHARS = 100_000;
/**
 * A streaming answer's last block is rendered again at every frame: a code block there is
 * highlighted only while short, and once more, whole, when it or the answer ends.
 */
const GROWING_HIGHLIGHT_MAX_CHARS = 10_000;

const markedWith = (highlightMaxChars: number) =>
  new Marked({
    gfm: true,
    breaks: false,
    renderer: {
      // Markup is Markdown's alone: raw HTML in an answer shows as text, so an answer (or a prompt
      // injected into one) cannot restyle the page, overlay it, or add a form posting elsewhere.
      html({ text }) {
        return escapeHtml(text);
      },
      // An image would load as the answer renders, and its URL could carry the conversation to
      // another site; a link to it loads nothing until followed.
      image({ href, text }) {
        return `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`;
      },
      // A task list's box as a character: form controls are not rendered (see below).
      checkbox({ checked }) {
        return checked ? '☑ ' : '☐ ';
      },
      code({ text, lang }) {
        const name = (lang ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
        const known = name !== '' && hljs.getLanguage(name) !== undefined;
        const highlighted = known && text.length <= highlightMaxChars;
        const body = highlighted
          ? hljs.highlight(text, { language: name }).value
          : escapeHtml(text);
        const label = name ? `<span class="code-lang">${escapeHtml(name)}</span>` : '';
        return `<div class="code-block"><div class="code-head">${label}</div><pre><code class="hljs${
          known ? ` language-${escapeHtml(name)}` : ''
        }">${body}</code></pre></div>`;
      },
    },
  });

const marked = markedWith(HIGHLIGHT_MAX_CHARS);
const growing = markedWith(GROWING_HIGHLIGHT_MAX_CHARS);

// Links from a model's answer leave the app, never replace it.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/** Markdown to sanitized HTML. Safe on partial input: an open fence renders as code so far. */
export function renderMarkdown(source: string): string {
  return renderMarkdownBlocks(source).join('');
}

/** Rendered top-level blocks by their source: a streaming answer re-renders only its last. */
const rendered = new Map<string, string>();
const MAX_RENDERED = 4_096;

/**
 * Markdown to sanitized HTML, one string per top-level block (a paragraph, a list, a code
 * block...). An answer that grows changes only its last blocks, so the blocks before it come
 * from `rendered`, without parsing, highlighting or sanitizing them again.
 */
export function renderMarkdownBlocks(source: string, streaming = false): string[] {
  const tokens = marked.lexer(source);
  // Reference-style links are defined in one block and used in others: render all of them.
  const linked = Object.keys(tokens.links).length > 0;
  return tokens.map((token, index) => {
    const block = Object.assign([token], { links: tokens.links });
    // Not kept: it changes with the next delta, and ends rendered in full.
    if (streaming && index === tokens.length - 1) return sanitize(growing.parser(block));
    if (linked) return sanitize(marked.parser(block));
    let html = rendered.get(token.raw);
    if (html === undefined) {
      html = sanitize(marked.parser(block));
      if (rendered.size >= MAX_RENDERED) rendered.delete(rendered.keys().next().value!);
    } else {
      rendered.delete(token.raw);
    }
    rendered.set(token.raw, html);
    return html;
  });
}

/** A second line behind the renderer: nothing that styles, submits or names page elements. */
function sanitize(html: string): string {
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'img'],
    FORBID_ATTR: ['style', 'id', 'name'],
  });
}
