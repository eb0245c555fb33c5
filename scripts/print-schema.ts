/**
 * Writes `schema.graphql` from the Pothos schema (sorted, so the diff of a change is small).
 * `--check` only compares and exits 1 when the committed file is out of date.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from '../src/schema/index.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../schema.graphql', import.meta.url));

/**
 * The printed schema in the repository formatter's (Biome's) style, which differs from
 * `printSchema` only in writing every description as a multi-line block string.
 */
export function printedSchema(): string {
  const printed = printSchema(lexicographicSortSchema(schema)).replace(
    /^([ \t]*)"""(.*)"""$/gm,
    (_line, indent: string, text: string) => `${indent}"""\n${indent}${text}\n${indent}"""`,
  );
  return `${printed}\n`;
}

async function main(): Promise<number> {
  const printed = printedSchema();
  if (process.argv.includes('--check')) {
    const committed = await readFile(SCHEMA_FILE, 'utf8').catch(() => '');
    if (committed === printed) return 0;
    console.error('schema.graphql is out of date; run npm run schema:print');
    return 1;
  }
  await writeFile(SCHEMA_FILE, printed);
  console.log(`wrote ${SCHEMA_FILE}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then((code) => {
    process.exitCode = code;
  });
}
