// pixelwise models: the zoo — each model's task, description, default size and options.
import { withDefaultDevice } from '../../torch/index.js';
import { createModel, MODEL_NAMES, MODELS } from '../../models/registry.js';
import { countParameters } from '../../models/summary.js';
import { flag } from '../args.js';
import { defineCommand } from '../command.js';

interface ModelInfo {
  name: string;
  task: string;
  /** Parameters with default options (counted on 'meta', nothing allocated). */
  parameters: number;
  description: string;
  options: string[];
}

function zoo(): ModelInfo[] {
  return MODEL_NAMES.map((name) => {
    const entry = MODELS[name];
    const model = withDefaultDevice('meta', () => createModel(name));
    const parameters = countParameters(model).total;
    const { task } = model.contract;
    model.dispose();
    return { name, task, parameters, description: entry.description, options: [...entry.options] };
  });
}

export const models = defineCommand({
  name: 'models',
  summary: 'list the model zoo with descriptions and options',
  usage: 'pixelwise models [--json]',
  description:
    'Lists the model zoo: name, task, parameters with default options, description and the options\n' +
    "createModel accepts; each is a flag of train and summary in kebab-case (baseWidth -> --base-width,\n" +
    'booleans also as --no-..., e.g. --no-batch-norm).',
  options: {
    json: { type: 'boolean', help: 'print the list as one JSON array' },
  },
  async run(args) {
    const list = zoo();
    if (flag(args, 'json')) {
      console.log(JSON.stringify(list));
      return 0;
    }
    const nameWidth = Math.max(...list.map((m) => m.name.length));
    const taskWidth = Math.max(...list.map((m) => m.task.length));
    const paramWidth = Math.max(...list.map((m) => m.parameters.toLocaleString('en-US').length));
    const indent = ' '.repeat(nameWidth + 2);
    for (const m of list) {
      const params = m.parameters.toLocaleString('en-US').padStart(paramWidth);
      console.log(`${m.name.padEnd(nameWidth)}  ${m.task.padEnd(taskWidth)}  ${params} params  ${m.description}`);
      console.log(`${indent}options: ${m.options.join(', ')}`);
    }
    console.log("\nParameter counts are for default options. 'pixelwise summary --model NAME' shows every layer.");
    console.log('Every option is a flag of train and summary in kebab-case (baseWidth -> --base-width; booleans also --no-...).');
    return 0;
  },
});
