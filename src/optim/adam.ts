// Adam and AdamW, following torch.optim.Adam / AdamW (1.13, single-tensor path) update
// for update: bias-corrected moments, optional AMSGrad, L2 (Adam) or decoupled (AdamW) decay.
import { scalar, type Tensor } from '../torch/index.js';
import { checkNumber, Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  /** Decay rates of the first and second moment estimates. */
  betas: [number, number];
  eps: number;
  /** L2 penalty (Adam) or decoupled decay rate (AdamW). */
  weightDecay: number;
  /** Normalise by the running maximum of the second moment (Reddi et al.). */
  amsgrad: boolean;
  maximize: boolean;
}

export class Adam extends Optimizer<AdamOptions> {
  /** Decoupled weight decay (AdamW) instead of a gradient penalty. */
  protected readonly decoupled: boolean = false;

  /** Defaults as in PyTorch: lr 1e-3, betas [0.9, 0.999], eps 1e-8, no weight decay. */
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...options });
  }

  protected override validate(g: ParamGroup<AdamOptions>): void {
    const name = this.typeName;
    if (!Array.isArray(g.betas) || g.betas.length !== 2) throw new Error(`${name}: betas must be [beta1, beta2], got ${String(g.betas)}`);
    checkNumber(name, 'betas[0]', g.betas[0], 0, 1);
    checkNumber(name, 'betas[1]', g.betas[1], 0, 1);
    checkNumber(name, 'eps', g.eps, 0);
    checkNumber(name, 'weightDecay', g.weightDecay, 0);
  }

  protected override stateNames(g: ParamGroup<AdamOptions>): string[] {
    return g.amsgrad ? ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['step', 'exp_avg', 'exp_avg_sq'];
  }

  protected override update(p: Tensor, grad: Tensor, state: Map<string, Tensor>, g: ParamGroup<AdamOptions>): void {
    const [beta1, beta2] = g.betas;
    if (!state.has('step')) {
      // PyTorch keeps the step count as a float32 0-d tensor per parameter.
      this.setState(state, 'step', scalar(0));
      this.setState(state, 'exp_avg', p.clone().zero_());
      this.setState(state, 'exp_avg_sq', p.clone().zero_());
      if (g.amsgrad) this.setState(state, 'max_exp_avg_sq', p.clone().zero_());
    }
    const stepT = state.get('step')!;
    const expAvg = state.get('exp_avg')!;
    const expAvgSq = state.get('exp_avg_sq')!;

    let d = g.maximize ? grad.neg() : grad;
    const step = stepT.add_(1).item();
    if (g.weightDecay !== 0) {
      if (this.decoupled) p.mul_(1 - g.lr * g.weightDecay);
      else d = d.add(p, g.weightDecay);
    }
    expAvg.mul_(beta1).add_(d, 1 - beta1);
    expAvgSq.mul_(beta2).addcmul_(d, d, 1 - beta2);

    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
    const stepSize = g.lr / biasCorrection1;
    let second = expAvgSq;
    if (g.amsgrad) {
      const maxSq = state.get('max_exp_avg_sq')!;
      maxSq.copy_(maxSq.maximum(expAvgSq));
      second = maxSq;
    }
    const denom = second.sqrt().div_(biasCorrection2Sqrt).add_(g.eps);
    p.addcdiv_(expAvg, denom, -stepSize);
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter); weightDecay defaults to 1e-2 as in PyTorch. */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 1e-2, ...options });
  }
}
