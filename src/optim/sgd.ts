// Stochastic gradient descent with momentum, dampening, Nesterov and weight decay,
// following torch.optim.SGD (1.13) update for update.
import type { Tensor } from '../torch/index.js';
import { checkNumber, Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  nesterov: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

export class SGD extends Optimizer<SGDOptions> {
  /** lr is required, as in PyTorch; every other option defaults to off. */
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> & { lr: number }) {
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...options });
  }

  protected override validate(g: ParamGroup<SGDOptions>): void {
    checkNumber('SGD', 'momentum', g.momentum, 0);
    checkNumber('SGD', 'dampening', g.dampening, -Infinity);
    checkNumber('SGD', 'weightDecay', g.weightDecay, 0);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new Error(`SGD: nesterov needs momentum > 0 and dampening 0, got momentum ${g.momentum}, dampening ${g.dampening}`);
    }
  }

  protected override stateNames(g: ParamGroup<SGDOptions>): string[] {
    return g.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected override update(p: Tensor, grad: Tensor, state: Map<string, Tensor>, g: ParamGroup<SGDOptions>): void {
    let d = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) d = d.add(p, g.weightDecay);
    if (g.momentum !== 0) {
      let buf = state.get('momentum_buffer');
      if (!buf) {
        buf = this.setState(state, 'momentum_buffer', d.clone());
      } else {
        buf.mul_(g.momentum).add_(d, 1 - g.dampening);
      }
      d = g.nesterov ? d.add(buf, g.momentum) : buf;
    }
    p.add_(d, -g.lr);
  }
}
