/**
 * A literal `first` over the largest page reads as the largest page. The resolver caps `first`
 * at `MAX_PAGE_SIZE` anyway; the cost limit, which multiplies by a literal `first` (and cannot
 * see a variable's), would otherwise refuse `conversations(first: 1000) { totalCount }`, a
 * request for at most 100 conversations.
 */
import { type DocumentNode, Kind, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MAX_PAGE_SIZE } from '../schema/pagination.js';

/** Commas and comments are whitespace to GraphQL, so only the name is looked for. */
const NAMES_FIRST = /\bfirst\b/;
/** Beyond this a literal is no GraphQL Int: validation must refuse it, as it would. */
const MAX_INT = 2 ** 31 - 1;

export function pageSizeLiterals(): Plugin {
  return {
    onParse({ params }) {
      // Most documents name no `first` at all: they are not walked.
      const { source } = params;
      if (!NAMES_FIRST.test(typeof source === 'string' ? source : source.body)) return undefined;
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
      const value = Number(node.value.value);
      if (value <= MAX_PAGE_SIZE || value > MAX_INT) return undefined;
      return { ...node, value: { ...node.value, value: String(MAX_PAGE_SIZE) } };
    },
  });
}
