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

export function renderMarkdown(rows: Row[], date: string, machine: string): string {
  const escapePipes = (cell: string) => cell.replace(/\|/g, '\\|');
  return [
    `Measured ${date} on ${machine}, by \`npm run bench\` (this table is generated).`,
    '',
    '| Scenario | Measure | Result | Target | Met |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${cells(row).map(escapePipes).join(' | ')} |`),
  ].join('\n');
}

const cells = (row: Row) => [row.scenario, row.measure, row.result, row.target, mark(row.met)];
