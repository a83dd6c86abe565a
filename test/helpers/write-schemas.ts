import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildScenarioSchema } from '../../runner/scenario/scenario-schema-source.js';

/** The committed text of schemas/scenario.schema.json: the generated schema, two-space indented. */
export function scenarioSchemaText(): string {
  return `${JSON.stringify(buildScenarioSchema(), null, 2)}\n`;
}

export const SCENARIO_SCHEMA_FILE = fileURLToPath(new URL('../../../schemas/scenario.schema.json', import.meta.url));

// `npm run schemas`: rewrite the committed file from the declarations.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCENARIO_SCHEMA_FILE, scenarioSchemaText());
  process.stdout.write(`wrote ${SCENARIO_SCHEMA_FILE}\n`);
}
