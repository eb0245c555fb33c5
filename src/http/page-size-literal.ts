/**
 * A literal `first` over the largest page reads as the largest page. The resolver caps `first`
 * at `MAX_PAGE_SIZE` anyway; the cost limit, which multiplies by a literal `first` (and cannot
 * see a variable's), would otherwise refuse `conversations(first: 1000) { totalCount }`, a
 * request for at most 100 conversations.
 */
import { type DocumentNode, Kind, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MAX_PAGE_SIZE } from '../schema/pagination.js';

const LARGE_FIRST = /\bfirst\s*:\s*\d{3}/;

export function pageSizeLiterals(): Plugin {
  return {
    onParse({ params }) {
      // Most documents name no three-digit page: they are not walked at all.
      const { source } = params;
      if (!LARGE_FIRST.test(typeof source === 'string' ? source : source.body)) return undefined;
      return ({ result, replaceParseResult }) => {
        if (result && typeof result === 'object' && 'kind' in result) {
          replaceParseResult(capFirst(result as DocumentNode));
        }
      };
    },
  };
}

/** The document with each literal `first` above the largest page set to it (a new document:
 * parsed documents are cached and shared). */
function capFirst(document: DocumentNode): DocumentNode {
  return visit(document, {
    Argument(node) {
      if (node.name.value !== 'first' || node.value.kind !== Kind.INT) return undefined;
      if (Number(node.value.value) <= MAX_PAGE_SIZE) return undefined;
      return { ...node, value: { ...node.value, value: String(MAX_PAGE_SIZE) } };
    },
  });
}
