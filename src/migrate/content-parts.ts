/**
 * Assistants-API content parts -> readable text. Text parts keep their value verbatim
 * (citation markers included); everything else becomes a bracketed placeholder such as
 * `[image: file-abc]`, so a reader sees that something was there. The caller keeps the
 * original parts beside the text.
 */
import { isRecord } from './json.js';

export interface RenderedContent {
  text: string;
  /** Parts, annotations and attachments that are not plain text. */
  nonTextParts: number;
  /** False when `text` alone reproduces the original content exactly. */
  lossy: boolean;
}

export function renderContent(content: unknown[], attachments: unknown): RenderedContent {
  const blocks: string[] = [];
  let nonTextParts = 0;
  let lossy = content.length > 1;
  for (const part of content) {
    const rendered = renderPart(part);
    blocks.push(rendered.text);
    nonTextParts += rendered.nonTextParts;
    if (rendered.nonTextParts > 0) lossy = true;
  }
  const attached = Array.isArray(attachments) ? attachments : [];
  if (attached.length > 0) {
    blocks.push(attached.map((item) => `[file: ${fileIdOf(item) ?? 'attachment'}]`).join(' '));
    nonTextParts += attached.length;
    lossy = true;
  }
  return { text: blocks.filter((block) => block !== '').join('\n\n'), nonTextParts, lossy };
}

function renderPart(part: unknown): { text: string; nonTextParts: number } {
  if (!isRecord(part)) return { text: '[unreadable part]', nonTextParts: 1 };
  switch (part.type) {
    case 'text':
      return renderText(part.text);
    case 'image_file':
      return { text: `[image: ${fileIdOf(part.image_file) ?? 'file'}]`, nonTextParts: 1 };
    case 'image_url': {
      const url = isRecord(part.image_url) ? part.image_url.url : undefined;
      return { text: `[image: ${typeof url === 'string' ? url : 'url'}]`, nonTextParts: 1 };
    }
    case 'refusal':
      return { text: `[refusal] ${String(part.refusal ?? '')}`.trim(), nonTextParts: 1 };
    default:
      return { text: `[${String(part.type ?? 'unknown')}]`, nonTextParts: 1 };
  }
}

/** A text part; its annotations (citations, file paths) are listed after the text. */
function renderText(text: unknown): { text: string; nonTextParts: number } {
  if (typeof text === 'string') return { text, nonTextParts: 0 };
  if (!isRecord(text)) return { text: '', nonTextParts: 0 };
  const value = typeof text.value === 'string' ? text.value : '';
  const annotations = Array.isArray(text.annotations) ? text.annotations : [];
  if (annotations.length === 0) return { text: value, nonTextParts: 0 };
  const notes = annotations.map((annotation) => {
    if (!isRecord(annotation)) return '[annotation]';
    if (annotation.type === 'file_citation') {
      return `[citation: ${fileIdOf(annotation.file_citation) ?? 'file'}]`;
    }
    if (annotation.type === 'file_path')
      return `[file: ${fileIdOf(annotation.file_path) ?? 'file'}]`;
    return `[${String(annotation.type ?? 'annotation')}]`;
  });
  return { text: `${value}\n${notes.join(' ')}`, nonTextParts: annotations.length };
}

function fileIdOf(value: unknown): string | undefined {
  return isRecord(value) && typeof value.file_id === 'string' ? value.file_id : undefined;
}
