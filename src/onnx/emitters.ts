// Which emitter turns a layer into ONNX nodes, by the layer's exact class (a subclass may
// compute something else, so it needs its own entry). registerEmitter adds a user's layers.
import type { Module } from '../nn/index.js';
import type { Emitter } from './emit-context.js';
import { NN_EMITTERS } from './layers-nn.js';
import { MODEL_EMITTERS } from './layers-models.js';

type Ctor<M extends Module<any, any>> = abstract new (...args: any[]) => M;

const EMITTERS = new Map<Function, Emitter<any>>([...NN_EMITTERS, ...MODEL_EMITTERS]);

/** Makes layers of class `cls` (exactly) exportable. */
export function registerEmitter<M extends Module<any, any>>(cls: Ctor<M>, emitter: Emitter<M>): void {
  EMITTERS.set(cls, emitter);
}

export function emitterFor(m: Module<any, any>): Emitter | undefined {
  return EMITTERS.get(m.constructor);
}

/** Class names of the exportable layers, for messages. */
export function knownLayerTypes(): string[] {
  return [...EMITTERS.keys()].map((c) => c.name).sort();
}
