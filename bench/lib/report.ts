/** The results table, as text for the terminal and as Markdown for the README. */
export interface Row {
  scenario: string;
  measure: string;
  result: string;
  target: string;
  /** null when the measure has no target. */
  met: boolean | null;
}

const mark = (met: boolean | null) => (met === null ? '' : met ? 'yes' : 'NO');

export function renderText(rows: Row[]): string {
  const table = [['scenario', 'measure', 'result', 'target', 'met'], ...rows.map(cells)];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
}

/** A Markdown table padded the way the formatter lays it out, so `npm run lint` stays clean. */
export function renderMarkdown(rows: Row[], date: string, machine: string): string {
  const escapePipes = (cell: string) => cell.replace(/\|/g, '\\|');
  const table = [
    ['Scenario', 'Measure', 'Result', 'Target', 'Met'],
    ...rows.map((row) => cells(row).map(escapePipes)),
  ];
  const widths = table[0]!.map((_, i) => Math.max(3, ...table.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    `Measured ${date} on ${machine}, by \`npm run bench\` (this table is generated).`,
    '',
    line(table[0]!),
    line(widths.map((width) => '-'.repeat(width))),
    ...table.slice(1).map(line),
  ].join('\n');
}

const cells = (row: Row) => [row.scenario, row.measure, row.result, row.target, mark(row.met)];
