import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the web app, from the committed `schema.graphql` (not the TypeScript
 * schema: that would load a second copy of graphql). `documentMode: 'string'` keeps the
 * graphql runtime out of the web bundle.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['web/src/**/*.ts', '!web/src/gql/**'],
  ignoreNoDocuments: true,
  generates: {
    'web/src/gql/': {
      preset: 'client',
      // Plain result types: the web app reads fragment fields directly, no masking helpers.
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string' },
      },
    },
  },
};

export default config;
