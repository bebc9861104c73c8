// A traced forward as ONNX nodes: each layer call through its emitter, in execution order,
// skipping calls whose output the result does not depend on.
import type { GraphBuilder, Value } from './graph.js';
import { emitterFor } from './emitters.js';
import type { Trace } from './trace.js';

/** Adds the traced network to g, reading its input from `input`; returns the output value. */
export function emitTrace(g: GraphBuilder, trace: Trace, input: Value): Value {
  const needed = new Set<number>([trace.output]);
  for (let i = trace.steps.length - 1; i >= 0; i--) {
    const step = trace.steps[i]!;
    if (needed.has(step.output)) for (const id of step.inputs) needed.add(id);
  }
  const values = new Map<number, Value>([[trace.input, input]]);
  for (const step of trace.steps) {
    if (!needed.has(step.output)) continue;
    const emitter = emitterFor(step.module)!;
    const out = emitter({
      g,
      module: step.module,
      name: step.name || step.module.typeName,
      inputs: step.inputs.map((id) => values.get(id)!),
      args: step.args,
      inputShapes: step.inputShapes,
      outputShape: step.outputShape,
    });
    values.set(step.output, out);
  }
  return values.get(trace.output)!;
}
