"""The benchmark networks in torch.nn, layer for layer the same as bench/nets/*.ts.

Layers are created in the same order as in TypeScript, so with the same seed both sides
draw identical weights (PyTorch's default init) and the first loss must agree.
"""
import torch
from torch import nn
import torch.nn.functional as F


def vgg_small(in_channels, classes, inplace):
    """VGG-style encoder (3 blocks of 2 convs), 1x1 scores, 8x learnable upsampling (FCN-32s-like)."""
    layers = []
    c = in_channels
    for width in (32, 64, 128):
        for _ in range(2):
            layers += [nn.Conv2d(c, width, 3, padding=1), nn.ReLU(inplace=inplace)]
            c = width
        layers.append(nn.MaxPool2d(2))
    layers.append(nn.Conv2d(c, classes, 1))
    layers.append(nn.ConvTranspose2d(classes, classes, 16, stride=8, padding=4, bias=False))
    return nn.Sequential(*layers)


class DoubleConv(nn.Sequential):
    """Two 3x3 'same' convolutions, each followed by BatchNorm (then without conv bias) and ReLU."""

    def __init__(self, cin, cout, inplace, batch_norm, conv_bias=None):
        layers = []
        for c in (cin, cout):
            layers.append(nn.Conv2d(c, cout, 3, padding=1, bias=not batch_norm if conv_bias is None else conv_bias))
            if batch_norm:
                layers.append(nn.BatchNorm2d(cout))
            layers.append(nn.ReLU(inplace=inplace))
        super().__init__(*layers)


class UNet(nn.Module):
    """U-Net: `depth` poolings, double 3x3 conv blocks, 2x2 transposed-conv upsampling, skips by concatenation."""

    def __init__(self, in_channels, classes, base, depth, inplace, batch_norm, conv_bias=None):
        super().__init__()
        widths = [base * 2 ** i for i in range(depth + 1)]
        self.down = nn.ModuleList()
        c = in_channels
        for w in widths:
            self.down.append(DoubleConv(c, w, inplace, batch_norm, conv_bias))
            c = w
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.up.append(nn.ConvTranspose2d(c, w, 2, stride=2))
            self.dec.append(DoubleConv(2 * w, w, inplace, batch_norm, conv_bias))
            c = w
        self.head = nn.Conv2d(c, classes, 1)

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.down):
            x = block(x)
            if i < len(self.down) - 1:
                skips.append(x)
                x = F.max_pool2d(x, 2)
        for up, dec in zip(self.up, self.dec):
            x = dec(torch.cat([up(x), skips.pop()], 1))
        return self.head(x)


def unet_small(in_channels, classes, inplace):
    """The engine benchmark's U-Net: base 32, depth 3, with BatchNorm."""
    return UNet(in_channels, classes, base=32, depth=3, inplace=inplace, batch_norm=True)
