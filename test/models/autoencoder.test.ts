// The second seed's convolutional autoencoder against an independent PyTorch implementation of
// the Keras model (scripts/fixtures/models_unet.py), plus shapes, options and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { noGrad, randn, tensor, tidy, withDefaultDevice, type Tensor } from '../../src/torch/index.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { ConvAutoencoder, type ConvAutoencoderOptions } from '../../src/models/autoencoder.js';
import { assertClose, fromFixture, loadFixture, type FixtureTensor } from '../helpers.js';

const dir = fileURLToPath(new URL('../../../test/fixtures/models-unet/', import.meta.url));
const tol = { atol: 1e-4, rtol: 1e-4 };

interface CaeCase {
  x: FixtureTensor;
  latent: FixtureTensor;
  y: FixtureTensor;
  'decoded_2_-4': FixtureTensor;
  parameters: number;
}

function seedModel(): ConvAutoencoder {
  const model = new ConvAutoencoder();
  const { tensors } = loadSafetensors(`${dir}cae.safetensors`);
  try {
    model.loadStateDict(tensors);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return model;
}

test('encode, forward and decode([2, -4]) equal the Keras model written in PyTorch', () => {
  const c = loadFixture<CaeCase>('models-unet/cae');
  const model = seedModel();
  noGrad(() =>
    tidy(() => {
      const x = fromFixture(c.x);
      const z = model.encode(x);
      assert.deepEqual(z.shape, [2, 2, 1, 1]);
      assertClose(z, c.latent, { ...tol, message: 'latent' });
      assertClose(model.forward(x), c.y, { ...tol, message: 'reconstruction' });
      const fake = c['decoded_2_-4'];
      const viaArray = model.decode([2, -4]);
      assert.deepEqual(viaArray.shape, [1, 1, 28, 28]);
      assertClose(viaArray, fake, { ...tol, message: 'decode([2, -4])' });
      assertClose(model.decode([[2, -4]]), fake, { ...tol, message: 'decode([[2, -4]])' });
      assertClose(model.decode(tensor([[2, -4]])), fake, { ...tol, message: 'decode((1, 2) tensor)' });
      assertClose(model.decode(tensor([[2, -4]]).reshape([1, 2, 1, 1])), fake, { ...tol, message: 'decode((1, 2, 1, 1))' });
      assert.deepEqual(model.decode([[0, 0], [1, 1], [2, -4]]).shape, [3, 1, 28, 28]);
    }),
  );
  model.dispose();
});

test("Keras 'same' sizes: 28 -> 14 -> 7 -> 1 in the encoder, 1 -> 7 -> 14 -> 28 in the decoder", () => {
  const model = new ConvAutoencoder();
  const sizes: string[] = [];
  const removers = model.layerNames.map((name) =>
    model.getSubmodule(name).registerForwardHook((_m, _i, out) => void sizes.push(`${name}:${(out as Tensor).shape.slice(1)}`)),
  );
  noGrad(() => tidy(() => void model.forward(randn([1, 1, 28, 28]))));
  for (const remove of removers) remove();
  assert.deepEqual(sizes, [
    'encoder.conv1:32,14,14',
    'encoder.relu1:32,14,14',
    'encoder.conv2:64,7,7',
    'encoder.relu2:64,7,7',
    'encoder.conv3:2,1,1',
    'decoder.deconv1:64,7,7',
    'decoder.relu1:64,7,7',
    'decoder.deconv2:32,14,14',
    'decoder.relu2:32,14,14',
    'decoder.deconv3:1,28,28',
  ]);
  model.dispose();
});

test('parameter count of the seed-sized model', () => {
  const c = loadFixture<CaeCase>('models-unet/cae');
  const model = withDefaultDevice('meta', () => new ConvAutoencoder());
  // conv(i, o, k) = i*o*k*k + o (transposed alike): 320 + 18,496 + 6,274 | 6,336 + 18,464 + 1,569.
  const count = model.parameters().reduce((n, p) => n + p.numel, 0);
  assert.equal(count, 51_459);
  assert.equal(count, c.parameters);
  assert.equal(model.numClasses, 1);
  assert.equal(model.outputActivation, 'identity');
});

// Config round trip and freed intermediates: test/models/contract.test.ts.
test('options: latentDim, inChannels, image size and width', () => {
  const model = new ConvAutoencoder({ inChannels: 3, latentDim: 3, imageSize: [16, 24], baseWidth: 4 });
  assert.deepEqual(model.config, { inChannels: 3, latentDim: 3, imageSize: [16, 24], baseWidth: 4 });
  tidy(() => {
    const x = randn([2, 3, 16, 24]);
    assert.deepEqual(model.encode(x).shape, [2, 3, 1, 1]);
    assert.deepEqual(model.forward(x).shape, [2, 3, 16, 24]);
    assert.deepEqual(model.decode([1, 2, 3]).shape, [1, 3, 16, 24]);
  });
  model.dispose();
});

test('bad sizes, inputs and latent points are clear errors', () => {
  assert.throws(() => new ConvAutoencoder({ imageSize: 30 }), /imageSize must be a multiple of 4.*got 30/);
  assert.throws(() => new ConvAutoencoder({ imageSize: [28, 28, 1] as never }), /imageSize must be a number or \[height, width\], got \[28,28,1\]/);
  assert.throws(() => new ConvAutoencoder({ latentDim: 0 }), /latentDim must be a positive integer, got 0/);
  assert.throws(() => new ConvAutoencoder({ latent: 2 } as never), /unknown option\(s\) latent/);
  const model = new ConvAutoencoder();
  tidy(() => {
    assert.throws(() => model.forward(randn([1, 1, 32, 32])), /expected images \(N, 1, 28, 28\), got .*\[1,1,32,32\]/);
    assert.throws(() => model.decode([2, -4, 1]), /expected latent point\(s\) of 2 finite numbers, got \[2,-4,1\]/);
    assert.throws(() => model.decode(randn([1, 3])), /expected a latent tensor \(N, 2\) or \(N, 2, 1, 1\)/);
  });
  model.dispose();
});
